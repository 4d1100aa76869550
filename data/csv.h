// CSV decoding after TensorFlow's decode_csv: typed columns with a default per column for
// empty fields, quoted fields (RFC 4180), numbers parsed with fast_float. A row that cannot be
// decoded yields a message naming the file, the line and the column.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../base/dtype.h"

namespace tg::data {

struct ColumnSpec {
  std::string name;
  DType dtype = DType::Float32;  // Float32, Float64, Int32, Int64 or String
  // Used when the field is empty; without one an empty field is a bad row.
  std::optional<std::string> default_value;
  bool finite = true;     // float columns: NaN or infinity is a bad row
  bool skip = false;      // parsed for the field count only; not in the batches
  bool derived = false;   // not in the file: filled by a map function
  // String columns: each value must be a timestamp (base/timestamp.h), checked as rows are
  // decoded so that a bad one is named with its file, line and column.
  bool timestamp = false;
};

// A decoded row: numbers as double or int64 and text as strings, indexed by column.
struct Row {
  std::vector<double> real;
  std::vector<int64_t> integer;
  std::vector<std::string> text;
};

class CsvSchema {
 public:
  CsvSchema() = default;
  explicit CsvSchema(std::vector<ColumnSpec> columns);

  const std::vector<ColumnSpec>& columns() const { return columns_; }
  int num_file_columns() const { return num_file_columns_; }
  // Index of a column by name; throws tg::Error naming it when absent.
  int index(const std::string& name) const;
  // Adds a column that map functions fill (engineered features).
  int add_derived(const std::string& name, DType dtype);
  Row make_row() const;

  // Decodes one record into row. Returns "" on success, else what is wrong with it
  // ("column 3 (pickuplat): cannot parse 'abc' as float32").
  std::string decode(std::string_view line, Row& row, std::string& scratch) const;

 private:
  std::string decode_field(int f, std::string_view v, Row& row) const;
  std::vector<ColumnSpec> columns_;
  std::vector<int> file_to_column_;  // for each field of a record: its column
  int num_file_columns_ = 0;
  std::vector<double> real_defaults_;
  std::vector<int64_t> int_defaults_;
};

// Column types read off a CSV file's first rows (at most max_rows): a column every non-empty
// field of which is a number is float32, else string. With header, the first line names the
// columns; without one they are named column_1, column_2, ... Throws tg::Error naming the file
// when it is empty.
std::vector<ColumnSpec> infer_columns(const std::string& path, bool header, int max_rows = 200);
// Whether a record looks like a header line: none of its fields is a number, and at least one
// is not empty.
bool looks_like_header(std::string_view record);
// Whether a field (surrounding spaces aside) is a number.
bool is_number(std::string_view field);

// Splits a record into fields (quote-aware; "" inside quotes is a quote). Fields that needed
// unquoting point into `scratch`. Returns false for an unterminated quote.
bool split_fields(std::string_view line, std::vector<std::string_view>& fields, std::string& scratch);

}  // namespace tg::data
