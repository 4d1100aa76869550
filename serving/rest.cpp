#include "serving/rest.h"

namespace tg::serving {

namespace {

void put(Tensor& t, int64_t i, const Json& v, const std::string& name, int64_t row) {
  auto where = [&] { return cat("feature '", name, "'", row >= 0 ? cat(" of instance ", row) : std::string(), ": "); };
  switch (t.dtype()) {
    case DType::String:
      TG_CHECK(v.is_string(), where(), "expected a string, got ", v.dump());
      t.data<std::string>()[i] = v.get<std::string>();
      break;
    case DType::Float32:
    case DType::Float64:
      TG_CHECK(v.is_number(), where(), "expected a number, got ", v.dump());
      if (t.dtype() == DType::Float32) t.data<float>()[i] = v.get<float>();
      else t.data<double>()[i] = v.get<double>();
      break;
    case DType::Int32:
    case DType::Int64:
      TG_CHECK(v.is_number_integer(), where(), "expected an integer, got ", v.dump());
      if (t.dtype() == DType::Int32) t.data<int32_t>()[i] = v.get<int32_t>();
      else t.data<int64_t>()[i] = v.get<int64_t>();
      break;
    default:
      fail(where(), "unsupported dtype");
  }
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

}  // namespace

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
      TG_CHECK(inputs.size() == 1, "instance ", r, " must be an object of features, got ", row.dump());
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
      TG_CHECK(known, "instance ", r, " has an unknown feature '", k, "'");
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
    TG_CHECK(col.is_array(), "feature '", s.name, "' must be a list of values, got ", col.dump().substr(0, 80));
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
    TG_CHECK(known, "\"inputs\" has an unknown feature '", k, "'");
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
