#include "base/error.h"

#include <array>

namespace tg {
namespace {

constexpr std::array kErrorCodes = {
#define TG_ERROR_CODE_ROW(name, number, text, http, python) ErrorCodeInfo{ErrorCode::name, text, http, python},
    TG_ERROR_CODES(TG_ERROR_CODE_ROW)
#undef TG_ERROR_CODE_ROW
};
static_assert(kErrorCodes.size() == kNumErrorCodes, "TG_ERROR_CODES and kNumErrorCodes disagree");

constexpr bool numbered_in_order() {
  for (size_t i = 0; i < kErrorCodes.size(); ++i)
    if (static_cast<size_t>(kErrorCodes[i].code) != i) return false;
  return true;
}
static_assert(numbered_in_order(), "TG_ERROR_CODES must list the codes 0, 1, 2, ... in order");

}  // namespace

const ErrorCodeInfo& error_code_info(ErrorCode code) {
  auto i = static_cast<size_t>(code);
  return i < kErrorCodes.size() ? kErrorCodes[i] : kErrorCodes[static_cast<size_t>(ErrorCode::Unknown)];
}

}  // namespace tg
