#include "estimator/feature_columns.h"

#include <algorithm>
#include <cmath>

#include "graph/ops.h"
#include "graph/ops/feature.h"
#include "runtime/session.h"

namespace tg::estimator {

namespace {

Output as_column(Output x) { return ops::reshape(ops::cast(x, DType::Float32), {-1, 1}); }

Output normalized(Graph& g, Output x, const std::optional<Normalizer>& n) {
  if (!n) return x;
  TG_CHECK(n->stddev > 0, "a normalizer needs a positive standard deviation");
  return (x - ops::scalar(g, n->mean)) / ops::scalar(g, n->stddev);
}

class NumericColumn : public FeatureColumn {
 public:
  NumericColumn(std::string name, std::optional<Normalizer> n) : name_(std::move(name)), norm_(n) {}
  std::string name() const override { return name_; }
  std::vector<RawInput> raw_inputs() const override { return {{name_, DType::Float32}}; }
  Output dense(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name_);
    return normalized(g, as_column(raw.at(name_)), norm_);
  }
  int64_t dimension() const override { return 1; }

 private:
  std::string name_;
  std::optional<Normalizer> norm_;
};

class DerivedColumn : public FeatureColumn {
 public:
  DerivedColumn(std::string name, std::vector<std::string> inputs,
                std::function<Output(Graph&, const std::vector<Output>&)> fn, std::optional<Normalizer> n)
      : name_(std::move(name)), inputs_(std::move(inputs)), fn_(std::move(fn)), norm_(n) {}
  std::string name() const override { return name_; }
  std::vector<RawInput> raw_inputs() const override {
    std::vector<RawInput> r;
    for (const auto& i : inputs_) r.push_back({i, DType::Float32});
    return r;
  }
  Output dense(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name_);
    std::vector<Output> xs;
    for (const auto& i : inputs_) xs.push_back(raw.at(i));
    Output v = fn_(g, xs);
    TG_CHECK(v.dtype() == DType::Float32, "derived column '", name_, "' must compute float32");
    return normalized(g, ops::reshape(v, {-1, 1}), norm_);
  }
  int64_t dimension() const override { return 1; }

 private:
  std::string name_;
  std::vector<std::string> inputs_;
  std::function<Output(Graph&, const std::vector<Output>&)> fn_;
  std::optional<Normalizer> norm_;
};

// A timestamp part's value (an int64 tensor), under the part's name scope.
std::string part_name(const std::string& input, const std::string& part) { return input + "_" + part; }

class BucketizedColumn : public CategoricalColumn {
 public:
  BucketizedColumn(std::string input, std::vector<double> b, std::string part = "")
      : input_(std::move(input)), bounds_(std::move(b)), part_(std::move(part)) {}
  std::string name() const override { return (part_.empty() ? input_ : part_name(input_, part_)) + "_bucketized"; }
  std::vector<RawInput> raw_inputs() const override { return {{input_, part_.empty() ? DType::Float32 : DType::String}}; }
  Output ids(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name());
    Output x = part_.empty() ? raw.at(input_) : ops::timestamp_part(raw.at(input_), part_);
    return ops::bucketize(x, bounds_);
  }
  int64_t num_buckets() const override { return static_cast<int64_t>(bounds_.size()) + 1; }

 private:
  std::string input_;
  std::vector<double> bounds_;
  std::string part_;
};

class TimestampPartColumn : public CategoricalColumn {
 public:
  TimestampPartColumn(std::string input, std::string part) : input_(std::move(input)), part_(std::move(part)) {}
  std::string name() const override { return part_name(input_, part_); }
  std::vector<RawInput> raw_inputs() const override { return {{input_, DType::String}}; }
  Output ids(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name());
    return ops::timestamp_part(raw.at(input_), part_);
  }
  int64_t num_buckets() const override { return ops::timestamp_part_buckets(part_); }

 private:
  std::string input_, part_;
};

class TimestampNumericColumn : public FeatureColumn {
 public:
  TimestampNumericColumn(std::string input, std::string part, std::optional<Normalizer> n)
      : input_(std::move(input)), part_(std::move(part)), norm_(n) {}
  std::string name() const override { return part_name(input_, part_); }
  std::vector<RawInput> raw_inputs() const override { return {{input_, DType::String}}; }
  Output dense(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name());
    return normalized(g, as_column(ops::timestamp_part(raw.at(input_), part_)), norm_);
  }
  int64_t dimension() const override { return 1; }

 private:
  std::string input_, part_;
  std::optional<Normalizer> norm_;
};

class VocabularyColumn : public CategoricalColumn {
 public:
  VocabularyColumn(std::string name, std::vector<std::string> v, int64_t oov)
      : name_(std::move(name)), vocab_(std::move(v)), oov_(oov) {}
  std::string name() const override { return name_; }
  std::vector<RawInput> raw_inputs() const override { return {{name_, DType::String}}; }
  Output ids(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name_);
    return ops::vocabulary_lookup(raw.at(name_), vocab_, oov_);
  }
  int64_t num_buckets() const override { return static_cast<int64_t>(vocab_.size()) + oov_; }

 private:
  std::string name_;
  std::vector<std::string> vocab_;
  int64_t oov_;
};

class IdentityColumn : public CategoricalColumn {
 public:
  IdentityColumn(std::string name, int64_t n, int64_t d) : name_(std::move(name)), n_(n), default_(d) {}
  std::string name() const override { return name_; }
  std::vector<RawInput> raw_inputs() const override { return {{name_, DType::Int64}}; }
  Output ids(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name_);
    return ops::check_ids(raw.at(name_), n_, default_);
  }
  int64_t num_buckets() const override { return n_; }

 private:
  std::string name_;
  int64_t n_, default_;
};

class HashColumn : public CategoricalColumn {
 public:
  HashColumn(std::string name, int64_t n) : name_(std::move(name)), n_(n) {}
  std::string name() const override { return name_; }
  std::vector<RawInput> raw_inputs() const override { return {{name_, DType::String}}; }
  Output ids(Graph& g, const RawInputs& raw) const override {
    auto scope = g.name_scope(name_);
    return ops::hash_bucket(raw.at(name_), n_);
  }
  int64_t num_buckets() const override { return n_; }

 private:
  std::string name_;
  int64_t n_;
};

class CrossedColumn : public CategoricalColumn {
 public:
  CrossedColumn(std::vector<Categorical> cols, int64_t n) : cols_(std::move(cols)), n_(n) {}
  std::string name() const override {
    std::string r;
    for (const auto& c : cols_) r += (r.empty() ? "" : "_X_") + c->name();
    return r;
  }
  std::vector<RawInput> raw_inputs() const override {
    std::vector<RawInput> r;
    for (const auto& c : cols_)
      for (const auto& i : c->raw_inputs()) r.push_back(i);
    return r;
  }
  Output ids(Graph& g, const RawInputs& raw) const override {
    std::vector<Output> parts;
    for (const auto& c : cols_) parts.push_back(c->ids(g, raw));
    auto scope = g.name_scope(name());
    return ops::cross_hash(parts, n_);
  }
  int64_t num_buckets() const override { return n_; }

 private:
  std::vector<Categorical> cols_;
  int64_t n_;
};

class EmbeddingColumn : public FeatureColumn {
 public:
  EmbeddingColumn(Categorical c, int64_t dim) : cat_(std::move(c)), dim_(dim) {}
  std::string name() const override { return cat_->name() + "_embedding"; }
  std::vector<RawInput> raw_inputs() const override { return cat_->raw_inputs(); }
  Output dense(Graph& g, const RawInputs& raw) const override {
    Output ids = cat_->ids(g, raw);
    auto scope = g.name_scope(name());
    Output table = ops::variable(g, {cat_->num_buckets(), dim_}, DType::Float32,
                                 ops::Initializer::truncated_normal(0, 1 / std::sqrt(static_cast<double>(dim_))),
                                 "embedding_weights");
    return ops::gather(table, ids);
  }
  int64_t dimension() const override { return dim_; }

 private:
  Categorical cat_;
  int64_t dim_;
};

class IndicatorColumn : public FeatureColumn {
 public:
  explicit IndicatorColumn(Categorical c) : cat_(std::move(c)) {}
  std::string name() const override { return cat_->name() + "_indicator"; }
  std::vector<RawInput> raw_inputs() const override { return cat_->raw_inputs(); }
  Output dense(Graph& g, const RawInputs& raw) const override { return cat_->dense(g, raw); }
  int64_t dimension() const override { return cat_->num_buckets(); }

 private:
  Categorical cat_;
};

}  // namespace

Output CategoricalColumn::dense(Graph& g, const RawInputs& raw) const {
  Output i = ids(g, raw);
  return ops::one_hot(i, num_buckets(), 1, 0, DType::Float32);
}

Column numeric_column(const std::string& name, std::optional<Normalizer> n) {
  return std::make_shared<NumericColumn>(name, n);
}
Column derived_column(const std::string& name, std::vector<std::string> inputs,
                      std::function<Output(Graph&, const std::vector<Output>&)> fn, std::optional<Normalizer> n) {
  TG_CHECK(!inputs.empty(), "derived column '", name, "' reads no input");
  return std::make_shared<DerivedColumn>(name, std::move(inputs), std::move(fn), n);
}
Categorical bucketized_column(const std::string& input, std::vector<double> boundaries) {
  TG_CHECK(!boundaries.empty() && std::is_sorted(boundaries.begin(), boundaries.end()),
           "bucketized column '", input, "' needs sorted boundaries");
  return std::make_shared<BucketizedColumn>(input, std::move(boundaries));
}
Categorical timestamp_part_column(const std::string& input, const std::string& part) {
  TG_CHECK(ops::timestamp_part_buckets(part) > 0, "timestamp part '", part, "' of '", input,
           "' is not categorical: use it as a number or bucketize it");
  return std::make_shared<TimestampPartColumn>(input, part);
}
Column timestamp_numeric_column(const std::string& input, const std::string& part, std::optional<Normalizer> n) {
  ops::timestamp_part_buckets(part);
  return std::make_shared<TimestampNumericColumn>(input, part, n);
}
Categorical bucketized_timestamp_column(const std::string& input, const std::string& part, std::vector<double> boundaries) {
  ops::timestamp_part_buckets(part);
  TG_CHECK(!boundaries.empty() && std::is_sorted(boundaries.begin(), boundaries.end()),
           "bucketized column '", part_name(input, part), "' needs sorted boundaries");
  return std::make_shared<BucketizedColumn>(input, std::move(boundaries), part);
}
Categorical categorical_column_with_vocabulary_list(const std::string& name, std::vector<std::string> v, int64_t oov) {
  TG_CHECK(!v.empty(), "column '", name, "' has an empty vocabulary");
  return std::make_shared<VocabularyColumn>(name, std::move(v), oov);
}
Categorical categorical_column_with_identity(const std::string& name, int64_t n, int64_t d) {
  TG_CHECK(n > 0, "column '", name, "' needs num_buckets > 0");
  return std::make_shared<IdentityColumn>(name, n, d);
}
Categorical categorical_column_with_hash_bucket(const std::string& name, int64_t n) {
  TG_CHECK(n > 0, "column '", name, "' needs hash_bucket_size > 0");
  return std::make_shared<HashColumn>(name, n);
}
Categorical crossed_column(std::vector<Categorical> cols, int64_t n) {
  TG_CHECK(cols.size() >= 2, "a crossed column needs at least two columns");
  TG_CHECK(n > 0, "a crossed column needs hash_bucket_size > 0");
  return std::make_shared<CrossedColumn>(std::move(cols), n);
}
Column embedding_column(Categorical c, int64_t dim) {
  TG_CHECK(dim > 0, "embedding dimension must be positive");
  return std::make_shared<EmbeddingColumn>(std::move(c), dim);
}
Column indicator_column(Categorical c) { return std::make_shared<IndicatorColumn>(std::move(c)); }

RawInputs make_raw_inputs(Graph& g, const std::vector<Column>& columns) {
  RawInputs raw;
  auto scope = g.name_scope("inputs");
  for (const auto& c : columns)
    for (const auto& in : c->raw_inputs()) {
      auto it = raw.find(in.name);
      if (it == raw.end()) raw[in.name] = ops::placeholder(g, in.dtype, {-1}, in.name);
      else TG_CHECK(it->second.dtype() == in.dtype, "input column '", in.name, "' is read as ",
                    dtype_name(it->second.dtype()), " and as ", dtype_name(in.dtype));
    }
  return raw;
}

Output input_layer(Graph& g, const RawInputs& raw, const std::vector<Column>& columns) {
  TG_CHECK(!columns.empty(), "input_layer: no feature columns");
  std::vector<Output> parts;
  for (const auto& c : columns) parts.push_back(c->dense(g, raw));
  return parts.size() == 1 ? parts[0] : ops::concat(parts, 1, "input_layer");
}

namespace {

// Mean and standard deviation accumulated around the first value seen (a shift), so that
// columns with a large mean and a small spread, such as longitudes, keep their variance's digits.
struct Moments {
  double shift = 0, sum = 0, sq = 0;
  int64_t n = 0;
  void add(double v) {
    if (n++ == 0) shift = v;
    double d = v - shift;
    sum += d;
    sq += d * d;
  }
  Normalizer normalizer() const {
    double mean = sum / static_cast<double>(n), var = std::max(0.0, sq / static_cast<double>(n) - mean * mean);
    return {mean + shift, var > 0 ? std::sqrt(var) : 1.0};
  }
};

}  // namespace

Normalizer fit_normalizer(const InputFn& input, const Column& column) {
  TG_CHECK(column->dimension() == 1, "fit_normalizer: column '", column->name(), "' is not one-dimensional");
  Graph g;
  RawInputs raw = make_raw_inputs(g, {column});
  Output value = column->dense(g, raw);
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  Moments m;
  auto stream = input();
  while (auto b = stream->next()) {
    FeedList f;
    for (const auto& [name, ph] : raw) {
      const Tensor& t = (*b)[name];
      TG_CHECK(t.dtype() == ph.dtype(), "fit_normalizer: column '", name, "' is ", dtype_name(t.dtype()));
      f.emplace_back(ph, t);
    }
    Tensor v = s.run(f, {value})[0];
    for (int64_t i = 0; i < v.num_elements(); ++i) m.add(v.data<float>()[i]);
  }
  TG_CHECK(m.n > 1, "fit_normalizer: ", stream->source(), " holds ", m.n, " rows; a normalizer needs at least 2");
  return m.normalizer();
}

std::map<std::string, Normalizer> compute_normalizers(const InputFn& input, const std::vector<std::string>& names) {
  std::vector<Moments> m(names.size());
  auto stream = input();
  while (auto b = stream->next()) {
    for (size_t k = 0; k < names.size(); ++k) {
      const Tensor& t = (*b)[names[k]];
      TG_CHECK(is_numeric(t.dtype()), "compute_normalizers: column '", names[k], "' is not numeric");
      visit_dtype(t.dtype(), [&](auto z) {
        using T = decltype(z);
        for (int64_t i = 0; i < t.num_elements(); ++i) m[k].add(static_cast<double>(t.data<T>()[i]));
      });
    }
  }
  TG_CHECK(!m.empty() && m[0].n > 1, "compute_normalizers: ", stream->source(), " holds ", m.empty() ? 0 : m[0].n,
           " rows; a normalizer needs at least 2");
  std::map<std::string, Normalizer> r;
  for (size_t k = 0; k < names.size(); ++k) r[names[k]] = m[k].normalizer();
  return r;
}

}  // namespace tg::estimator
