#include "base/quote.h"

namespace tg {

std::string quote(std::string_view text, size_t max_chars) {
  static const char* kHex = "0123456789abcdef";
  std::string r = "'";
  size_t shown = text.size() <= max_chars ? text.size() : max_chars;
  r.reserve(shown + 24);
  for (size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') r += "\\n";
    else if (c == '\r') r += "\\r";
    else if (c == '\t') r += "\\t";
    else if (c == '\\') r += "\\\\";
    else if (c < 0x20 || c >= 0x7F) {
      r += "\\x";
      r += kHex[c >> 4];
      r += kHex[c & 15];
    } else {
      r += static_cast<char>(c);
    }
  }
  r += '\'';
  if (shown < text.size()) r += "... (" + std::to_string(text.size()) + " bytes)";
  return r;
}

}  // namespace tg
