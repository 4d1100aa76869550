#include "serving/rest.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tg::serving {

namespace {

// The longest prefix of at most max bytes that does not end inside a UTF-8 character.
size_t utf8_prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s.size();
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return max;
}

// A client's number must fit the feature's dtype: 1e39 would reach a float32 model as inf.
void put(Tensor& t, int64_t i, const Json& v, const std::string& name, int64_t row) {
  auto where = [&] { return cat("feature '", clip(name), "'", row >= 0 ? cat(" of instance ", row) : std::string(), ": "); };
  switch (t.dtype()) {
    case DType::String:
      TG_CHECK(v.is_string(), where(), "expected a string, got ", quote(v));
      t.data<std::string>()[i] = v.get<std::string>();
      break;
    case DType::Float32:
    case DType::Float64: {
      TG_CHECK(v.is_number(), where(), "expected a number, got ", quote(v));
      double d = v.get<double>();
      bool fits = t.dtype() == DType::Float32 ? std::isfinite(d) && std::fabs(d) <= std::numeric_limits<float>::max()
                                               : std::isfinite(d);
      TG_CHECK(fits, where(), quote(v), " is out of the range of ", dtype_name(t.dtype()));
      if (t.dtype() == DType::Float32) t.data<float>()[i] = static_cast<float>(d);
      else t.data<double>()[i] = d;
      break;
    }
    case DType::Int32:
    case DType::Int64: {
      TG_CHECK(v.is_number_integer(), where(), "expected an integer, got ", quote(v));
      // A positive literal is held unsigned; above int64's range it cannot be read signed.
      bool fits = !v.is_number_unsigned() || v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
      int64_t n = fits ? v.get<int64_t>() : 0;
      if (t.dtype() == DType::Int32)
        fits = fits && n >= std::numeric_limits<int32_t>::min() && n <= std::numeric_limits<int32_t>::max();
      TG_CHECK(fits, where(), quote(v), " is out of the range of ", dtype_name(t.dtype()));
      if (t.dtype() == DType::Int32) t.data<int32_t>()[i] = static_cast<int32_t>(n);
      else t.data<int64_t>()[i] = n;
      break;
    }
    default:
      fail(where(), "unsupported dtype");
  }
}

// nlohmann's message quotes the token it stopped in ("last read: '...'"), which may be a
// whole 15 MB string: keep its start only.
std::string parse_error_message(const std::string& what) {
  std::string m = what;
  if (m.rfind("[json.exception.", 0) == 0 && m.find("] ") != std::string::npos) m = m.substr(m.find("] ") + 2);
  auto at = m.find("; last read: '");
  if (at != std::string::npos) {
    std::string token = m.substr(at + 14, m.size() - at - 15);
    m = m.substr(0, at) + "; last read: '" + clip(token, 40) + "'";
  }
  return clip(m, 300);
}

Json value_at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return t.data<float>()[i];
    case DType::Float64: return t.data<double>()[i];
    case DType::Int32: return t.data<int32_t>()[i];
    case DType::Int64: return t.data<int64_t>()[i];
    case DType::String: return t.data<std::string>()[i];
    default: return nullptr;
  }
}

// Row i of an output: a scalar for [n], a list for [n, k].
Json row_of(const Tensor& t, int64_t i) {
  if (t.shape().rank() <= 1) return value_at(t, i);
  int64_t k = t.num_elements() / t.shape().dim(0);
  Json a = Json::array();
  for (int64_t j = 0; j < k; ++j) a.push_back(value_at(t, i * k + j));
  return a;
}

// Bounds checked on the bytes before parsing, in one pass: nesting (containers, [ and { outside
// strings) at most max_depth deep, so the parser never recurses past it, and strings no longer
// than max_string_bytes as written (escapes count as their characters), since the lexer would
// build a 100 MB one whole before anything could refuse it. A scan costs a fraction of a parser
// callback, which made a 100-row request's parse about 40% slower.
void check_bounds(std::string_view text, const JsonLimits& limits) {
  int depth = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      size_t start = ++i;
      while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;  // an escaped quote ends nothing
      size_t n = std::min(i, text.size()) - start;
      TG_CHECK(n <= limits.max_string_bytes, "a JSON string of ", n, " bytes exceeds the limit of ",
               limits.max_string_bytes, ": ",
               quote(Json(std::string(text.substr(start, utf8_prefix(text.substr(start), 100))))), "...");
    } else if (c == '[' || c == '{') {
      TG_CHECK(++depth <= limits.max_depth, "JSON nested deeper than ", limits.max_depth, " levels");
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
}

}  // namespace

Json parse_json(std::string_view text, const JsonLimits& limits) {
  check_bounds(text, limits);
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {
    fail("malformed JSON: ", parse_error_message(e.what()));
  }
}

Json parse_request_body(std::string_view body) { return parse_json(body, JsonLimits{64, SIZE_MAX}); }

std::string clip(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  return cat(s.substr(0, utf8_prefix(s, max)), "... (", s.size(), " bytes)");
}

std::string quote(const Json& v) {
  if (v.is_array()) return cat("a list of ", v.size(), " values");
  if (v.is_object()) return cat("an object of ", v.size(), " members");
  if (!v.is_string()) return v.dump();
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() <= 100) return dump_reply(v);
  return cat(dump_reply(Json(s.substr(0, utf8_prefix(s, 100)))), "... (", s.size(), " bytes)");
}

std::string dump_reply(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string error_body(std::string_view message) { return dump_reply(Json{{"error", clip(message, 1000)}}); }

int64_t rows_of(const Columns& c) { return c.empty() ? 0 : c.begin()->second.shape().dim(0); }

Columns columns_from_instances(const Json& instances, const std::vector<TensorSpec>& inputs) {
  TG_CHECK(instances.is_array(), "\"instances\" must be a list of rows");
  TG_CHECK(!instances.empty(), "empty batch: \"instances\" holds no rows");
  int64_t n = static_cast<int64_t>(instances.size());
  Columns c;
  for (const auto& s : inputs) c[s.name] = Tensor(s.dtype, Shape{n});
  for (int64_t r = 0; r < n; ++r) {
    const Json& row = instances[static_cast<size_t>(r)];
    if (!row.is_object()) {
      TG_CHECK(inputs.size() == 1, "instance ", r, " must be an object of features, got ", quote(row));
      put(c[inputs[0].name], r, row, inputs[0].name, r);
      continue;
    }
    for (const auto& s : inputs) {
      TG_CHECK(row.contains(s.name), "instance ", r, " lacks the feature '", s.name, "'");
      put(c[s.name], r, row[s.name], s.name, r);
    }
    for (const auto& [k, v] : row.items()) {
      bool known = false;
      for (const auto& s : inputs) known = known || s.name == k;
      TG_CHECK(known, "instance ", r, " has an unknown feature '", clip(k), "'");
    }
  }
  return c;
}

Columns columns_from_inputs(const Json& j, const std::vector<TensorSpec>& inputs) {
  TG_CHECK(j.is_object(), "\"inputs\" must be an object of columns");
  Columns c;
  int64_t n = -1;
  for (const auto& s : inputs) {
    TG_CHECK(j.contains(s.name), "\"inputs\" lacks the feature '", s.name, "'");
    const Json& col = j[s.name];
    TG_CHECK(col.is_array(), "feature '", s.name, "' must be a list of values, got ", quote(col));
    TG_CHECK(n < 0 || static_cast<int64_t>(col.size()) == n, "feature '", s.name, "' has ", col.size(),
             " values, the others ", n);
    n = static_cast<int64_t>(col.size());
    Tensor t(s.dtype, Shape{n});
    for (int64_t i = 0; i < n; ++i) put(t, i, col[static_cast<size_t>(i)], s.name, -1);
    c[s.name] = t;
  }
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const auto& s : inputs) known = known || s.name == k;
    TG_CHECK(known, "\"inputs\" has an unknown feature '", clip(k), "'");
  }
  TG_CHECK(n > 0, "empty batch: the columns hold no values");
  return c;
}

Columns columns_from_examples(const Json& examples, const std::vector<TensorSpec>& inputs) {
  TG_CHECK(examples.is_array(), "\"examples\" must be a list of rows");
  return columns_from_instances(examples, inputs);
}

Json rows_json(const Columns& out, const std::vector<TensorSpec>& specs) {
  Json a = Json::array();
  for (int64_t i = 0; i < rows_of(out); ++i) {
    Json row = Json::object();
    for (const auto& s : specs) row[s.name] = row_of(out.at(s.name), i);
    a.push_back(row);
  }
  return a;
}

Json columns_json(const Columns& out, const std::vector<TensorSpec>& specs) {
  Json o = Json::object();
  for (const auto& s : specs) {
    Json col = Json::array();
    for (int64_t i = 0; i < rows_of(out); ++i) col.push_back(row_of(out.at(s.name), i));
    o[s.name] = col;
  }
  return o;
}

Json regress_json(const Columns& out) {
  TG_CHECK(out.count("predictions"), "this model is not a regression: use :classify or :predict");
  Json a = Json::array();
  for (int64_t i = 0; i < rows_of(out); ++i) a.push_back(value_at(out.at("predictions"), i));
  return a;
}

Json classify_json(const Columns& out, const std::vector<std::string>& labels) {
  TG_CHECK(out.count("probabilities"), "this model is not a classifier: use :regress or :predict");
  const Tensor& p = out.at("probabilities");
  Json a = Json::array();
  for (int64_t i = 0; i < rows_of(out); ++i) {
    Json pairs = Json::array();
    if (p.shape().rank() == 1) {
      float p1 = p.data<float>()[i];
      pairs.push_back({"0", 1 - p1});
      pairs.push_back({"1", p1});
    } else {
      int64_t k = p.shape().dim(1);
      for (int64_t j = 0; j < k; ++j)
        pairs.push_back({static_cast<size_t>(j) < labels.size() ? labels[static_cast<size_t>(j)] : std::to_string(j),
                         p.data<float>()[i * k + j]});
    }
    a.push_back(pairs);
  }
  return a;
}

}  // namespace tg::serving
