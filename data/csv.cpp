#include "data/csv.h"

#include <fast_float/fast_float.h>

#include <charconv>
#include <cmath>
#include <cstring>

#include "base/error.h"

namespace tg::data {

namespace {

bool parse_real(std::string_view s, double& v) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  auto r = fast_float::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_int(std::string_view s, int64_t& v) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
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

std::string CsvSchema::decode(std::string_view line, Row& row, std::string& scratch) const {
  thread_local std::vector<std::string_view> fields;
  if (!split_fields(line, fields, scratch)) return "unterminated quoted field";
  if (static_cast<int>(fields.size()) != num_file_columns_)
    return cat("expected ", num_file_columns_, " fields, found ", fields.size());
  for (int f = 0; f < num_file_columns_; ++f) {
    int c = file_to_column_[static_cast<size_t>(f)];
    const ColumnSpec& spec = columns_[static_cast<size_t>(c)];
    if (spec.skip) continue;
    std::string_view v = fields[static_cast<size_t>(f)];
    size_t uc = static_cast<size_t>(c);
    if (v.empty()) {
      if (!spec.default_value)
        return cat("column ", f + 1, " (", spec.name, "): empty field and no default");
      if (spec.dtype == DType::String) row.text[uc] = *spec.default_value;
      else if (is_floating(spec.dtype)) row.real[uc] = real_defaults_[uc];
      else row.integer[uc] = int_defaults_[uc];
      continue;
    }
    if (spec.dtype == DType::String) {
      row.text[uc].assign(v.data(), v.size());
    } else if (is_floating(spec.dtype)) {
      if (!parse_real(v, row.real[uc]))
        return cat("column ", f + 1, " (", spec.name, "): cannot parse '", v, "' as ",
                   dtype_name(spec.dtype));
      if (spec.finite && !std::isfinite(row.real[uc]))
        return cat("column ", f + 1, " (", spec.name, "): '", v, "' is not a finite number");
    } else {
      if (!parse_int(v, row.integer[uc]))
        return cat("column ", f + 1, " (", spec.name, "): cannot parse '", v, "' as ",
                   dtype_name(spec.dtype));
      if (spec.dtype == DType::Int32 && (row.integer[uc] > INT32_MAX || row.integer[uc] < INT32_MIN))
        return cat("column ", f + 1, " (", spec.name, "): ", v, " does not fit int32");
    }
  }
  return {};
}

}  // namespace tg::data
