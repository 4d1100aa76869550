// libFuzzer target for the CSV reader and decoder: arbitrary bytes go through LineReader (as a
// file) and every record through CsvSchema::decode. Any crash, hang or sanitizer report fails.
#include <cstdint>
#include <string>

#include "base/error.h"
#include "data/csv.h"
#include "data/line_reader.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tg::data::CsvSchema schema({{"a", tg::DType::Float32, "0"},
                                           {"b", tg::DType::Int32},
                                           {"c", tg::DType::String, "x"},
                                           {"d", tg::DType::Float64}});
  std::string path = tg::fuzz::write_scratch(".csv", data, size);
  try {
    tg::data::LineReader reader(path, 64);  // a small buffer exercises records across refills
    tg::data::Row row = schema.make_row();
    std::string scratch;
    std::string_view record;
    int64_t last_line = 0;
    while (reader.next(record)) {
      if (reader.line_number() <= last_line) __builtin_trap();  // line numbers must advance
      last_line = reader.line_number();
      schema.decode(record, row, scratch);
    }
  } catch (const tg::Error&) {
  }
  return 0;
}
