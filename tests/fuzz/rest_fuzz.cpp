// libFuzzer target for REST request bodies: arbitrary bytes parsed as a request (depth and
// size bounded) and converted to columns for a signature of every input dtype, in the row
// (instances, examples) and column (inputs) formats. A bad body must be a tg::Error whose
// message stays short; any crash, hang, over-allocation or sanitizer report fails.
#include <cstdint>
#include <string>

#include "serving/rest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tg;
  static const std::vector<serving::TensorSpec> inputs{{"x", "x", DType::Float32, Shape{-1}},
                                                       {"city", "city", DType::String, Shape{-1}},
                                                       {"n", "n", DType::Int64, Shape{-1}}};
  static const std::vector<serving::TensorSpec> one{{"x", "x", DType::Float64, Shape{-1}}};
  try {
    serving::Json body = serving::parse_request_body(std::string_view(reinterpret_cast<const char*>(data), size));
    for (const auto* sig : {&inputs, &one}) {
      try {
        if (body.contains("instances")) serving::columns_from_instances(body["instances"], *sig);
        if (body.contains("inputs")) serving::columns_from_inputs(body["inputs"], *sig);
        if (body.contains("examples")) serving::columns_from_examples(body["examples"], *sig);
      } catch (const Error& e) {
        if (std::string(e.what()).size() > 2000) __builtin_trap();  // a bad value is quoted briefly
      }
    }
  } catch (const Error& e) {
    if (std::string(e.what()).size() > 2000) __builtin_trap();
  }
  return 0;
}
