// Feature columns, after tf.feature_column: how raw input columns become the dense tensor a
// model consumes. Every transformation is a graph op, so the graph applies exactly the same
// transformations at training, evaluation and prediction time.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "input.h"
#include "../graph/graph.h"

namespace tg::estimator {

// The raw inputs of a model: one placeholder of shape [-1] per input column, by name.
using RawInputs = std::map<std::string, Output>;

struct RawInput {
  std::string name;
  DType dtype;
};

class FeatureColumn {
 public:
  virtual ~FeatureColumn() = default;
  virtual std::string name() const = 0;
  virtual std::vector<RawInput> raw_inputs() const = 0;
  // The dense form, float32 [-1, dimension()].
  virtual Output dense(Graph& g, const RawInputs& raw) const = 0;
  virtual int64_t dimension() const = 0;
};

// A column of ids in [0, num_buckets). Its dense form is one-hot (as an indicator column).
class CategoricalColumn : public FeatureColumn {
 public:
  virtual Output ids(Graph& g, const RawInputs& raw) const = 0;
  virtual int64_t num_buckets() const = 0;
  Output dense(Graph& g, const RawInputs& raw) const override;
  int64_t dimension() const override { return num_buckets(); }
};

using Column = std::shared_ptr<const FeatureColumn>;
using Categorical = std::shared_ptr<const CategoricalColumn>;

// z-score normalization: (x - mean) / stddev.
struct Normalizer {
  double mean = 0, stddev = 1;
};

// A float32 input, optionally normalized.
Column numeric_column(const std::string& name, std::optional<Normalizer> normalizer = std::nullopt);
// A numeric feature computed by graph ops from float32 input columns (engineered features such
// as a distance), optionally normalized.
Column derived_column(const std::string& name, std::vector<std::string> inputs,
                      std::function<Output(Graph&, const std::vector<Output>&)> fn,
                      std::optional<Normalizer> normalizer = std::nullopt);
// Buckets of a numeric input's raw value by sorted boundaries (len + 1 buckets).
Categorical bucketized_column(const std::string& numeric_input, std::vector<double> boundaries);
// String categories by a vocabulary; unknown values go to num_oov_buckets extra ids.
Categorical categorical_column_with_vocabulary_list(const std::string& name,
                                                    std::vector<std::string> vocabulary,
                                                    int64_t num_oov_buckets = 1);
// Integer ids already in [0, num_buckets); others become default_value (or are an error).
Categorical categorical_column_with_identity(const std::string& name, int64_t num_buckets,
                                             int64_t default_value = -1);
// String categories hashed into hash_bucket_size ids.
Categorical categorical_column_with_hash_bucket(const std::string& name, int64_t hash_bucket_size);
// The combination of several categorical columns, hashed.
Categorical crossed_column(std::vector<Categorical> columns, int64_t hash_bucket_size);
// Parts of a timestamp string input (graph/ops/feature.h: "hour", "dayofweek", "dayofmonth",
// "month", "dayofyear", "epoch"), computed in the graph, so that a model reads the raw string:
// a categorical part as ids (hour: 24 ids; dayofweek: 7; dayofmonth: 32; month: 13;
// dayofyear: 367), any part as a number (optionally normalized), and buckets of a part's value.
Categorical timestamp_part_column(const std::string& input, const std::string& part);
Column timestamp_numeric_column(const std::string& input, const std::string& part,
                                std::optional<Normalizer> normalizer = std::nullopt);
Categorical bucketized_timestamp_column(const std::string& input, const std::string& part,
                                        std::vector<double> boundaries);
// A learned dense vector per id (initialized with truncated normal, stddev 1/sqrt(dimension)).
Column embedding_column(Categorical categorical, int64_t dimension);
// One-hot of the ids.
Column indicator_column(Categorical categorical);

// Placeholders for every raw input the columns read (shared by name).
RawInputs make_raw_inputs(Graph& g, const std::vector<Column>& columns);
// The columns' dense forms side by side: float32 [-1, sum of dimensions].
Output input_layer(Graph& g, const RawInputs& raw, const std::vector<Column>& columns);

// The mean and standard deviation of a one-dimensional column's dense values (a derived
// column's, say) over one pass of an input, computed by running the column's graph.
Normalizer fit_normalizer(const InputFn& input, const Column& column);

// Mean and standard deviation of numeric input columns over one pass of an input (the
// training files, typically), for z-score normalizers.
std::map<std::string, Normalizer> compute_normalizers(const InputFn& input,
                                                      const std::vector<std::string>& columns);

}  // namespace tg::estimator
