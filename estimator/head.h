// Heads, after tf.estimator's: from logits and labels to the loss, the predictions and the
// metrics of one kind of task.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "metrics.h"
#include "../graph/graph.h"

namespace tg::estimator {

struct HeadOutputs {
  Output loss;            // scalar: the weighted mean of the per-example losses
  Output losses;          // [n] per-example losses
  Output predictions;     // regression: [n] values
  Output probabilities;   // binary: [n] P(class 1); multi-class: [n, C]
  Output class_ids;       // classification: int64 [n]
  Output labels;          // the labels as the metrics read them (float32 [n] or int64 [n])
};

class Head {
 public:
  enum class Kind { Regression, Binary, MultiClass };
  // Regression: mean squared error.
  static Head regression();
  // Binary classification: sigmoid cross-entropy; class 1 when P(1) > threshold.
  static Head binary(double threshold = 0.5, std::vector<double> metric_thresholds = {});
  // Multi-class: softmax cross-entropy over n_classes; labels are ids, or strings of a
  // vocabulary when one is given.
  static Head multi_class(int64_t n_classes, std::vector<std::string> label_vocabulary = {});

  Kind kind() const { return kind_; }
  int64_t logits_dimension() const { return kind_ == Kind::MultiClass ? n_classes_ : 1; }
  int64_t n_classes() const { return kind_ == Kind::Regression ? 0 : n_classes_; }
  // The dtype of the raw label column the model's label placeholder takes.
  DType label_dtype() const;
  const std::vector<std::string>& label_vocabulary() const { return vocabulary_; }
  double threshold() const { return threshold_; }

  // Builds the head's nodes. weights may be null (every example counts once).
  HeadOutputs build(Graph& g, Output logits, Output raw_labels, Output weights) const;
  MetricAccumulator metrics() const;

 private:
  Kind kind_ = Kind::Regression;
  int64_t n_classes_ = 2;
  double threshold_ = 0.5;
  std::vector<double> metric_thresholds_;
  std::vector<std::string> vocabulary_;
};

}  // namespace tg::estimator
