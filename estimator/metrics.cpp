#include "estimator/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace tg::estimator {

double EvalResult::operator[](const std::string& name) const {
  auto it = metrics.find(name);
  TG_CHECK(it != metrics.end(), "no metric named '", name, "'");
  return it->second;
}

namespace {

double at(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::Float32: return t.data<float>()[i];
    case DType::Float64: return t.data<double>()[i];
    case DType::Int32: return t.data<int32_t>()[i];
    case DType::Int64: return static_cast<double>(t.data<int64_t>()[i]);
    default: fail("metrics: unexpected dtype ", dtype_name(t.dtype()));
  }
}

// Walks scores from the highest down, calling f(threshold, tp, fp) after each distinct score.
template <class F>
void sweep(const std::vector<double>& s, const std::vector<double>& l, const std::vector<double>& w, F f) {
  std::vector<size_t> order(s.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  double tp = 0, fp = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    size_t i = order[k];
    (l[i] > 0.5 ? tp : fp) += w[i];
    if (k + 1 == order.size() || s[order[k + 1]] != s[i]) f(s[i], tp, fp);
  }
}

std::string threshold_name(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", t);
  return buf;
}

}  // namespace

std::vector<CurvePoint> roc_curve(const std::vector<double>& s, const std::vector<double>& l,
                                  const std::vector<double>& w, double* auc) {
  double pos = 0, neg = 0;
  for (size_t i = 0; i < s.size(); ++i) (l[i] > 0.5 ? pos : neg) += w[i];
  std::vector<CurvePoint> r{{INFINITY, 0, 0}};
  double area = 0;
  sweep(s, l, w, [&](double t, double tp, double fp) {
    CurvePoint p{t, neg > 0 ? fp / neg : 0, pos > 0 ? tp / pos : 0};
    area += (p.x - r.back().x) * (p.y + r.back().y) / 2;
    r.push_back(p);
  });
  if (auc) *auc = (pos > 0 && neg > 0) ? area : NAN;
  return r;
}

std::vector<CurvePoint> pr_curve(const std::vector<double>& s, const std::vector<double>& l,
                                 const std::vector<double>& w, double* ap) {
  double pos = 0;
  for (size_t i = 0; i < s.size(); ++i) pos += l[i] > 0.5 ? w[i] : 0;
  std::vector<CurvePoint> r;
  double area = 0, last_recall = 0;
  sweep(s, l, w, [&](double t, double tp, double fp) {
    double recall = pos > 0 ? tp / pos : 0, precision = tp + fp > 0 ? tp / (tp + fp) : 1;
    area += (recall - last_recall) * precision;
    last_recall = recall;
    r.push_back({t, recall, precision});
  });
  if (ap) *ap = pos > 0 ? area : NAN;
  return r;
}

MetricAccumulator::MetricAccumulator(Kind kind, int64_t n_classes, std::vector<double> thresholds)
    : kind_(kind), n_classes_(n_classes), thresholds_(std::move(thresholds)) {
  if (kind_ != Kind::Regression)
    confusion_.assign(static_cast<size_t>(n_classes_), std::vector<int64_t>(static_cast<size_t>(n_classes_), 0));
}

void MetricAccumulator::add(const BatchOutputs& b) {
  int64_t n = b.losses->num_elements();
  double batch_loss = 0, batch_w = 0;
  for (int64_t i = 0; i < n; ++i) {
    double w = b.weights ? at(*b.weights, i) : 1.0;
    double y = at(*b.labels, i);
    batch_loss += w * at(*b.losses, i);
    batch_w += w;
    label_sum_ += w * y;
    if (kind_ == Kind::Regression) {
      double p = at(*b.predictions, i);
      sq_err_ += w * (p - y) * (p - y);
      abs_err_ += w * std::abs(p - y);
      pred_sum_ += w * p;
      continue;
    }
    int64_t cls = b.class_ids->data<int64_t>()[i], actual = static_cast<int64_t>(std::llround(y));
    TG_CHECK(actual >= 0 && actual < n_classes_, "label ", y, " is not a class in [0, ", n_classes_, ")");
    ++confusion_[static_cast<size_t>(actual)][static_cast<size_t>(cls)];
    if (kind_ == Kind::Binary) {
      double score = at(*b.probabilities, i);
      kept_.scores.push_back(score);
      kept_.labels.push_back(y);
      kept_.weights.push_back(w);
      pred_sum_ += w * score;
    }
  }
  loss_sum_ += batch_loss;
  weight_sum_ += batch_w;
  if (batch_w > 0) {
    batch_loss_sum_ += batch_loss / batch_w;
    ++batches_;
  }
}

std::vector<double> MetricAccumulator::sums() const {
  std::vector<double> s{weight_sum_, loss_sum_, sq_err_, abs_err_, label_sum_, pred_sum_,
                        static_cast<double>(batches_), batch_loss_sum_};
  for (const auto& row : confusion_)
    for (int64_t v : row) s.push_back(static_cast<double>(v));
  return s;
}

void MetricAccumulator::set_sums(const std::vector<double>& s) {
  TG_CHECK(s.size() == 8 + static_cast<size_t>(n_classes_ * n_classes_) * !confusion_.empty(),
           "metrics: a state of ", s.size(), " numbers does not fit this accumulator");
  weight_sum_ = s[0], loss_sum_ = s[1], sq_err_ = s[2], abs_err_ = s[3], label_sum_ = s[4], pred_sum_ = s[5];
  batches_ = static_cast<int64_t>(s[6]);
  batch_loss_sum_ = s[7];
  size_t k = 8;
  for (auto& row : confusion_)
    for (int64_t& v : row) v = static_cast<int64_t>(std::llround(s[k++]));
}

EvalResult MetricAccumulator::result() const {
  EvalResult r;
  MetricMap& m = r.metrics;
  TG_CHECK(weight_sum_ > 0, "no examples were evaluated");
  m["loss"] = batch_loss_sum_ / static_cast<double>(batches_);
  m["average_loss"] = loss_sum_ / weight_sum_;
  m["label/mean"] = label_sum_ / weight_sum_;
  if (kind_ == Kind::Regression) {
    m["mse"] = sq_err_ / weight_sum_;
    m["rmse"] = std::sqrt(sq_err_ / weight_sum_);
    m["mae"] = abs_err_ / weight_sum_;
    m["prediction/mean"] = pred_sum_ / weight_sum_;
    return r;
  }
  r.confusion = confusion_;
  int64_t total = 0, correct = 0;
  double precision_sum = 0, recall_sum = 0;
  for (int64_t c = 0; c < n_classes_; ++c) {
    int64_t tp = confusion_[static_cast<size_t>(c)][static_cast<size_t>(c)], predicted = 0, actual = 0;
    for (int64_t k = 0; k < n_classes_; ++k) {
      predicted += confusion_[static_cast<size_t>(k)][static_cast<size_t>(c)];
      actual += confusion_[static_cast<size_t>(c)][static_cast<size_t>(k)];
      total += confusion_[static_cast<size_t>(c)][static_cast<size_t>(k)];
    }
    correct += tp;
    precision_sum += predicted ? static_cast<double>(tp) / static_cast<double>(predicted) : 0;
    recall_sum += actual ? static_cast<double>(tp) / static_cast<double>(actual) : 0;
  }
  m["accuracy"] = static_cast<double>(correct) / static_cast<double>(total);
  if (kind_ == Kind::MultiClass) {
    m["precision_macro"] = precision_sum / static_cast<double>(n_classes_);
    m["recall_macro"] = recall_sum / static_cast<double>(n_classes_);
    return r;
  }
  double tp = static_cast<double>(confusion_[1][1]), fp = static_cast<double>(confusion_[0][1]),
         fn = static_cast<double>(confusion_[1][0]);
  m["precision"] = tp + fp > 0 ? tp / (tp + fp) : 0;
  m["recall"] = tp + fn > 0 ? tp / (tp + fn) : 0;
  m["prediction/mean"] = pred_sum_ / weight_sum_;
  m["accuracy_baseline"] = std::max(m["label/mean"], 1 - m["label/mean"]);
  double auc = 0, ap = 0;
  r.roc = roc_curve(kept_.scores, kept_.labels, kept_.weights, &auc);
  r.pr = pr_curve(kept_.scores, kept_.labels, kept_.weights, &ap);
  m["auc"] = auc;
  m["auc_precision_recall"] = ap;
  for (double t : thresholds_) {
    double tpt = 0, fpt = 0, fnt = 0;
    const Scores& k = kept_;
    for (size_t i = 0; i < k.scores.size(); ++i) {
      bool pred = k.scores[i] > t, actual = k.labels[i] > 0.5;
      tpt += pred && actual ? k.weights[i] : 0;
      fpt += pred && !actual ? k.weights[i] : 0;
      fnt += !pred && actual ? k.weights[i] : 0;
    }
    m["precision_at_" + threshold_name(t)] = tpt + fpt > 0 ? tpt / (tpt + fpt) : 0;
    m["recall_at_" + threshold_name(t)] = tpt + fnt > 0 ? tpt / (tpt + fnt) : 0;
  }
  return r;
}

std::optional<bool> higher_is_better(const std::string& metric) {
  auto starts = [&](const char* p) { return metric.rfind(p, 0) == 0; };
  if (metric == "auc" || metric == "auc_precision_recall" || starts("accuracy") || starts("precision") || starts("recall"))
    return true;
  if (metric == "loss" || metric == "average_loss" || metric == "mse" || metric == "rmse" || metric == "mae") return false;
  return std::nullopt;
}

}  // namespace tg::estimator
