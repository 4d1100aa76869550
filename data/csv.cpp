#include "data/csv.h"

#include <fast_float/fast_float.h>

#include <charconv>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "base/error.h"
#include "base/quote.h"
#include "base/timestamp.h"
#include "data/line_reader.h"

namespace tg::data {

namespace {

bool parse_real(std::string_view s, double& v) {
  auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec == std::errc() && r.ptr == s.data() + s.size()) return true;
  // Rare: surrounding spaces.
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_int(std::string_view s, int64_t& v) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Parses [-]digits[.digits] with at most 15 significant digits starting at p, the form of
// nearly every number in these files. Such a mantissa and its power of ten are exact doubles,
// so one division rounds correctly (Clinger's fast path). Returns the end of the number, or
// nullptr when the text needs the general parser.
const char* parse_simple_decimal(const char* p, const char* end, double& v) {
  static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  bool neg = p < end && *p == '-';
  if (neg) ++p;
  uint64_t m = 0;
  int digits = 0, frac = 0;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) {
    m = m * 10 + static_cast<unsigned>(*p++ - '0');
    ++digits;
  }
  if (p < end && *p == '.') {
    ++p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) {
      m = m * 10 + static_cast<unsigned>(*p++ - '0');
      ++digits;
      ++frac;
    }
  }
  if (digits == 0 || digits > 15 || (p < end && *p != ',')) return nullptr;
  double x = static_cast<double>(m) / kPow10[frac];
  v = neg ? -x : x;
  return p;
}

}  // namespace

CsvSchema::CsvSchema(std::vector<ColumnSpec> columns) : columns_(std::move(columns)) {
  TG_CHECK(!columns_.empty(), "a CSV schema needs at least one column");
  for (size_t i = 0; i < columns_.size(); ++i) {
    const ColumnSpec& c = columns_[i];
    TG_CHECK(c.dtype != DType::Bool, "column '", c.name, "': bool columns are not supported");
    for (size_t j = 0; j < i; ++j)
      TG_CHECK(columns_[j].name != c.name, "column '", c.name, "' appears twice");
    double r = 0;
    int64_t n = 0;
    if (c.default_value && !c.skip) {
      if (is_floating(c.dtype))
        TG_CHECK(parse_real(*c.default_value, r), "column '", c.name, "': default '",
                 *c.default_value, "' is not a number");
      if (is_integer(c.dtype))
        TG_CHECK(parse_int(*c.default_value, n), "column '", c.name, "': default '",
                 *c.default_value, "' is not an integer");
    }
    real_defaults_.push_back(r);
    int_defaults_.push_back(n);
    if (!c.derived) file_to_column_.push_back(static_cast<int>(i));
  }
  num_file_columns_ = static_cast<int>(file_to_column_.size());
}

int CsvSchema::index(const std::string& name) const {
  for (size_t i = 0; i < columns_.size(); ++i)
    if (columns_[i].name == name) return static_cast<int>(i);
  std::string known;
  for (const auto& c : columns_) known += (known.empty() ? "" : ", ") + c.name;
  fail("no column named '", name, "' (columns: ", known, ")");
}

int CsvSchema::add_derived(const std::string& name, DType dtype) {
  ColumnSpec c{name, dtype};
  c.derived = true;
  for (const auto& e : columns_) TG_CHECK(e.name != name, "column '", name, "' exists already");
  columns_.push_back(c);
  real_defaults_.push_back(0);
  int_defaults_.push_back(0);
  return static_cast<int>(columns_.size()) - 1;
}

Row CsvSchema::make_row() const {
  Row r;
  r.real.resize(columns_.size());
  r.integer.resize(columns_.size());
  r.text.resize(columns_.size());
  return r;
}

bool split_fields(std::string_view line, std::vector<std::string_view>& fields,
                  std::string& scratch) {
  fields.clear();
  if (std::memchr(line.data(), '"', line.size()) == nullptr) {
    size_t start = 0;
    while (true) {
      const void* comma = std::memchr(line.data() + start, ',', line.size() - start);
      if (!comma) {
        fields.push_back(line.substr(start));
        return true;
      }
      size_t at = static_cast<size_t>(static_cast<const char*>(comma) - line.data());
      fields.push_back(line.substr(start, at - start));
      start = at + 1;
    }
  }
  // Quoted fields: unquote into scratch, reserved up front so views stay valid.
  scratch.clear();
  scratch.reserve(line.size());
  std::vector<std::pair<size_t, size_t>> spans;  // into scratch
  size_t i = 0;
  while (true) {
    size_t begin = scratch.size();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            scratch += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        scratch += line[i++];
      }
      while (i < line.size() && line[i] != ',') scratch += line[i++];  // text after the quote
    } else {
      while (i < line.size() && line[i] != ',') scratch += line[i++];
    }
    spans.emplace_back(begin, scratch.size() - begin);
    if (i >= line.size()) break;
    ++i;  // the comma
  }
  for (auto [b, n] : spans) fields.push_back(std::string_view(scratch).substr(b, n));
  return true;
}

// Decodes field f into row; returns "" or what is wrong with it.
std::string CsvSchema::decode_field(int f, std::string_view v, Row& row) const {
  int c = file_to_column_[static_cast<size_t>(f)];
  const ColumnSpec& spec = columns_[static_cast<size_t>(c)];
  if (spec.skip) return {};
  size_t uc = static_cast<size_t>(c);
  if (v.empty()) {
    if (!spec.default_value)
      return cat("column ", f + 1, " (", spec.name, "): empty field and no default");
    if (spec.dtype == DType::String) row.text[uc] = *spec.default_value;
    else if (is_floating(spec.dtype)) row.real[uc] = real_defaults_[uc];
    else row.integer[uc] = int_defaults_[uc];
    return {};
  }
  if (spec.dtype == DType::String) {
    if (spec.timestamp && !parse_timestamp(v))
      return cat("column ", f + 1, " (", spec.name, "): ", quote(v),
                 " is not a timestamp (\"2011-01-28 20:42:59 UTC\", ISO 8601 or unix seconds)");
    row.text[uc].assign(v.data(), v.size());
  } else if (is_floating(spec.dtype)) {
    if (!parse_real(v, row.real[uc]))
      return cat("column ", f + 1, " (", spec.name, "): cannot parse ", quote(v), " as ",
                 dtype_name(spec.dtype));
    if (spec.finite && !std::isfinite(row.real[uc]))
      return cat("column ", f + 1, " (", spec.name, "): ", quote(v), " is not a finite number");
    // Finite as a double but infinite once stored as float32: as bad as a NaN for training.
    if (spec.finite && spec.dtype == DType::Float32 && std::fabs(row.real[uc]) > FLT_MAX)
      return cat("column ", f + 1, " (", spec.name, "): ", quote(v), " overflows float32");
  } else {
    if (!parse_int(v, row.integer[uc]))
      return cat("column ", f + 1, " (", spec.name, "): cannot parse ", quote(v), " as ",
                 dtype_name(spec.dtype));
    if (spec.dtype == DType::Int32 && (row.integer[uc] > INT32_MAX || row.integer[uc] < INT32_MIN))
      return cat("column ", f + 1, " (", spec.name, "): ", quote(v), " does not fit int32");
  }
  return {};
}

std::string CsvSchema::decode(std::string_view line, Row& row, std::string& scratch) const {
  if (std::memchr(line.data(), '"', line.size()) == nullptr) {
    // The common case, in one pass: each field is decoded as soon as its comma is found, and
    // simple decimals are parsed on the way to it.
    int f = 0;
    size_t start = 0;
    const char* end_of_line = line.data() + line.size();
    while (true) {
      if (f < num_file_columns_) {
        size_t c = static_cast<size_t>(file_to_column_[static_cast<size_t>(f)]);
        const ColumnSpec& spec = columns_[c];
        if (is_floating(spec.dtype) && !spec.skip) {
          const char* e = parse_simple_decimal(line.data() + start, end_of_line, row.real[c]);
          if (e != nullptr) {
            ++f;
            if (e == end_of_line) break;
            start = static_cast<size_t>(e - line.data()) + 1;
            continue;
          }
        }
      }
      const void* comma = std::memchr(line.data() + start, ',', line.size() - start);
      size_t end = comma ? static_cast<size_t>(static_cast<const char*>(comma) - line.data()) : line.size();
      if (f < num_file_columns_) {
        std::string err = decode_field(f, line.substr(start, end - start), row);
        if (!err.empty()) return err;
      }
      ++f;
      if (!comma) break;
      start = end + 1;
    }
    if (f != num_file_columns_) return cat("expected ", num_file_columns_, " fields, found ", f);
    return {};
  }
  thread_local std::vector<std::string_view> fields;
  if (!split_fields(line, fields, scratch)) return "unterminated quoted field";
  if (static_cast<int>(fields.size()) != num_file_columns_)
    return cat("expected ", num_file_columns_, " fields, found ", fields.size());
  for (int f = 0; f < num_file_columns_; ++f) {
    std::string err = decode_field(f, fields[static_cast<size_t>(f)], row);
    if (!err.empty()) return err;
  }
  return {};
}

bool is_number(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
  if (v.empty()) return false;
  if (v.front() == '+') v.remove_prefix(1);
  double d;
  auto r = fast_float::from_chars(v.data(), v.data() + v.size(), d);
  return r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool looks_like_header(std::string_view record) {
  std::vector<std::string_view> fields;
  std::string scratch;
  if (!split_fields(record, fields, scratch)) return false;
  bool any = false;
  for (auto f : fields) {
    if (is_number(f)) return false;
    any = any || !f.empty();
  }
  return any;
}

std::vector<ColumnSpec> infer_columns(const std::string& path, bool header, int max_rows) {
  LineReader r(path, 1 << 16);
  std::string_view line;
  std::vector<std::string_view> fields;
  std::string scratch;
  std::vector<ColumnSpec> cols;
  TG_CHECK(r.next(line), "'", path, "' is empty");
  auto width = [&](size_t n, int64_t line_no) {
    if (cols.empty())
      for (size_t i = 0; i < n; ++i) cols.push_back({cat("column_", i + 1), DType::Float32});
    TG_CHECK(n == cols.size(), path, ":", line_no, ": expected ", cols.size(), " fields, found ", n);
  };
  std::vector<bool> numeric, seen;
  int64_t line_no = 1;
  bool have = true;  // line holds a record not yet looked at
  if (header) {
    TG_CHECK(split_fields(line, fields, scratch), path, ":1: unterminated quote in the header");
    for (auto f : fields) cols.push_back({std::string(f), DType::Float32});
    have = r.next(line);
    ++line_no;
  }
  for (int n = 0; have && n < max_rows; ++n, have = r.next(line), ++line_no) {
    if (line.empty()) continue;
    if (!split_fields(line, fields, scratch)) break;
    width(fields.size(), line_no);
    numeric.resize(cols.size(), true);
    seen.resize(cols.size(), false);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].empty()) continue;
      seen[i] = true;
      if (!is_number(fields[i])) numeric[i] = false;
    }
  }
  for (size_t i = 0; i < cols.size() && i < numeric.size(); ++i)
    if (seen[i] && !numeric[i]) cols[i].dtype = DType::String;
  return cols;
}

}  // namespace tg::data
