// Files written so that a crash never leaves a half-written one under the final name: the
// bytes go to a temporary file in the same directory, are synced, and the file is renamed.
#pragma once

#include <string>
#include <string_view>

namespace tg {

// Writes contents to path atomically (temporary file, fsync, rename, fsync of the directory).
// Throws tg::Error naming the path on failure.
void write_file_atomic(const std::string& path, std::string_view contents);
// The whole file; throws tg::Error naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace tg
