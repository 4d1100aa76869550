// Quoting untrusted text (a CSV field, a request's value, a name from a file) inside an error
// message: at most a few dozen characters, control and non-ASCII bytes escaped, so that a
// message is never cut at a NUL, never breaks a terminal or a log line, and never echoes a
// 15 MB value back whole.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tg {

// 'text' in single quotes, bytes below 0x20, 0x7F and above escaped as \xHH (\n, \r, \t as
// such), cut after max_chars input bytes with "... (N bytes)" appended.
std::string quote(std::string_view text, size_t max_chars = 100);

}  // namespace tg
