// Streaming evaluation metrics, accumulated over batches on the host from the fetched
// predictions. Curves and AUCs are exact: scores are kept until the end of the evaluation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../base/tensor.h"

namespace tg::estimator {

using MetricMap = std::map<std::string, double>;

struct CurvePoint {
  double threshold, x, y;  // ROC: x = false positive rate, y = true positive rate;
                           // PR: x = recall, y = precision
};

struct EvalResult {
  MetricMap metrics;
  std::vector<std::vector<int64_t>> confusion;  // [actual][predicted]
  std::vector<CurvePoint> roc, pr;              // binary classification only
  double operator[](const std::string& name) const;
};

// What a head hands the accumulator per batch: labels, per-example loss and its outputs.
struct BatchOutputs {
  const Tensor* labels = nullptr;         // float32 [n] (regression, binary) or int64 [n]
  const Tensor* weights = nullptr;        // float32 [n] or null
  const Tensor* losses = nullptr;         // float32 [n]
  const Tensor* predictions = nullptr;    // regression: float32 [n]
  const Tensor* probabilities = nullptr;  // binary: [n] of P(1); multi-class: [n, C]
  const Tensor* class_ids = nullptr;      // classification: int64 [n]
};

class MetricAccumulator {
 public:
  enum class Kind { Regression, Binary, MultiClass };
  // thresholds: for binary heads, extra "precision_at_T" / "recall_at_T" metrics.
  MetricAccumulator(Kind kind, int64_t n_classes = 2, std::vector<double> thresholds = {});
  void add(const BatchOutputs& b);
  EvalResult result() const;

  // For an evaluation sharded over processes (estimator/distributed.h): the additive state
  // (sums, counts, the confusion matrix) as numbers to sum over the processes, and the binary
  // head's scores, labels and weights to gather (exact curves and AUCs need all of them).
  std::vector<double> sums() const;
  void set_sums(const std::vector<double>& sums);
  struct Scores {
    std::vector<double> scores, labels, weights;
  };
  const Scores& scores() const { return kept_; }
  void set_scores(Scores s) { kept_ = std::move(s); }

 private:
  Kind kind_;
  int64_t n_classes_;
  std::vector<double> thresholds_;
  double weight_sum_ = 0, loss_sum_ = 0, sq_err_ = 0, abs_err_ = 0, label_sum_ = 0, pred_sum_ = 0;
  int64_t batches_ = 0;
  double batch_loss_sum_ = 0;
  std::vector<std::vector<int64_t>> confusion_;
  Scores kept_;  // binary
};

// Whether a higher value of a metric is better: true for auc, auc_precision_recall, accuracy,
// precision, recall (and their _macro and _at_T forms); false for loss, average_loss, mse, rmse,
// mae; nullopt for one it does not know.
std::optional<bool> higher_is_better(const std::string& metric);

// Pure functions over arrays, shared by the accumulator and its tests.
// The ROC curve at every distinct score, from (0, 0) to (1, 1), and its area (trapezoids).
std::vector<CurvePoint> roc_curve(const std::vector<double>& scores, const std::vector<double>& labels,
                                  const std::vector<double>& weights, double* auc);
// The precision-recall curve and the average precision (step-wise area, as scikit-learn's).
std::vector<CurvePoint> pr_curve(const std::vector<double>& scores, const std::vector<double>& labels,
                                 const std::vector<double>& weights, double* average_precision);

}  // namespace tg::estimator
