#include "estimator/head.h"

#include "graph/ops.h"
#include "graph/ops/feature.h"

namespace tg::estimator {

Head Head::regression() { return Head{}; }

Head Head::binary(double threshold, std::vector<double> metric_thresholds) {
  TG_CHECK(threshold > 0 && threshold < 1, "binary head: threshold must be in (0, 1)");
  Head h;
  h.kind_ = Kind::Binary;
  h.threshold_ = threshold;
  h.metric_thresholds_ = std::move(metric_thresholds);
  return h;
}

Head Head::multi_class(int64_t n_classes, std::vector<std::string> vocabulary) {
  TG_CHECK(n_classes >= 2, "multi-class head: n_classes must be at least 2");
  TG_CHECK(vocabulary.empty() || static_cast<int64_t>(vocabulary.size()) == n_classes,
           "multi-class head: ", vocabulary.size(), " labels in the vocabulary for ", n_classes, " classes");
  Head h;
  h.kind_ = Kind::MultiClass;
  h.n_classes_ = n_classes;
  h.vocabulary_ = std::move(vocabulary);
  return h;
}

DType Head::label_dtype() const {
  if (kind_ == Kind::MultiClass) return vocabulary_.empty() ? DType::Int64 : DType::String;
  return DType::Float32;
}

HeadOutputs Head::build(Graph& g, Output logits, Output raw_labels, Output weights) const {
  auto scope = g.name_scope("head");
  HeadOutputs o;
  TG_CHECK(logits.shape().rank() == 2 && logits.shape().dim(1) == logits_dimension(), "head: logits of shape ",
           logits.shape().to_string(), " for a head of dimension ", logits_dimension());
  if (kind_ == Kind::MultiClass) {
    o.labels = vocabulary_.empty() ? ops::check_ids(raw_labels, n_classes_, -1, "label_ids")
                                   : ops::vocabulary_lookup(raw_labels, vocabulary_, 0, "label_ids");
    o.losses = ops::sparse_softmax_cross_entropy_with_logits(o.labels, logits, "losses");
    o.probabilities = ops::softmax(logits, "probabilities");
    o.class_ids = ops::argmax(logits, 1, "class_ids");
  } else {
    Output x = ops::reshape(logits, {-1}, "logits_flat");
    o.labels = raw_labels;
    if (kind_ == Kind::Regression) {
      o.predictions = ops::identity(x, "predictions");
      o.losses = ops::square(ops::sub(x, raw_labels), "losses");
    } else {
      o.losses = ops::sigmoid_cross_entropy_with_logits(raw_labels, x, "losses");
      o.probabilities = ops::sigmoid(x, "probabilities");
      o.class_ids = ops::cast(ops::greater(o.probabilities, ops::scalar(g, threshold_)), DType::Int64, "class_ids");
    }
  }
  if (weights) {
    o.loss = ops::div(ops::reduce_sum(ops::mul(o.losses, weights)), ops::reduce_sum(weights), "loss");
  } else {
    o.loss = ops::reduce_mean(o.losses, {}, false, "loss");
  }
  return o;
}

MetricAccumulator Head::metrics() const {
  switch (kind_) {
    case Kind::Regression: return MetricAccumulator(MetricAccumulator::Kind::Regression);
    case Kind::Binary: return MetricAccumulator(MetricAccumulator::Kind::Binary, 2, metric_thresholds_);
    case Kind::MultiClass: return MetricAccumulator(MetricAccumulator::Kind::MultiClass, n_classes_);
  }
  return MetricAccumulator(MetricAccumulator::Kind::Regression);
}

}  // namespace tg::estimator
