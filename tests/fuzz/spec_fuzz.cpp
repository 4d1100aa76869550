// libFuzzer target for the feature specification of `tg train` (--spec): arbitrary bytes as a
// spec file, resolved, turned into a CSV schema and feature columns, and built into the input
// layer's graph. A bad spec must be an exception with a message; any crash, hang,
// over-allocation or sanitizer report fails. Seeds: tests/fuzz/seeds/spec and samples/specs.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "estimator/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string path = tg::fuzz::write_scratch(".json", data, size);
  try {
    tg::estimator::Json spec = tg::estimator::load_spec_file(path);
    tg::estimator::resolve_columns(spec, {});
    tg::data::CsvSchema schema = tg::estimator::schema_of(spec);
    auto columns = tg::estimator::features_of(spec);
    tg::Graph g;
    auto raw = tg::estimator::make_raw_inputs(g, columns);
    tg::estimator::input_layer(g, raw, columns);
  } catch (const tg::Error&) {
  } catch (const tg::estimator::Json::exception&) {
  }
  return 0;
}
