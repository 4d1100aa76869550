// Why accuracy misleads on an unbalanced class. A city watches 1,000 parking spaces; at any
// moment about 990 are taken. A model that always answers "taken" is 99% accurate and finds no
// free space at all. This sample trains a classifier for "free", shows its accuracy beside
// that baseline, reports precision and recall, and then picks the threshold on the
// precision-recall curve that reaches a target recall (finding 80% of the free spaces).
#include <cmath>
#include <cstdio>
#include <random>

#include "base/log.h"
#include "estimator/estimator.h"

using namespace tg;
using namespace tg::estimator;

namespace {

// Observations of spaces: hour of day, distance to the centre (km), weekend or not, and the
// minutes since the space was last seen free. Free spaces are rare, likelier far out, at
// night, at weekends, and soon after one was last seen.
MemoryData observations(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0, 1);
  Tensor hour(DType::Float32, {n}), dist(DType::Float32, {n}), weekend(DType::Float32, {n}), since(DType::Float32, {n}),
      free(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    float h = 24 * u(rng), d = 5 * u(rng) * u(rng), w = u(rng) < 2.f / 7 ? 1.f : 0.f, s = -30 * std::log(u(rng) + 1e-6f);
    float night = (h < 6 || h > 22) ? 1.f : 0.f;
    double logit = -7.4 + 1.2 * d + 2.2 * night + 1.0 * w - 0.08 * s;
    hour.data<float>()[i] = h;
    dist.data<float>()[i] = d;
    weekend.data<float>()[i] = w;
    since.data<float>()[i] = s;
    free.data<float>()[i] = u(rng) < 1 / (1 + std::exp(-logit)) ? 1.f : 0.f;
  }
  return {{"hour", "distance_km", "weekend", "minutes_since_free", "free"}, {hour, dist, weekend, since, free}};
}

}  // namespace

int main() {
  set_log_level(LogLevel::Warn);
  MemoryData train = observations(200000, 1), test = observations(50000, 2);
  double free_share = 0;
  for (float v : test["free"].flat<float>()) free_share += v / static_cast<double>(test.rows());
  std::printf("%.1f%% of the observed spaces are free\n\n", 100 * free_share);

  ModelSpec s;
  s.head = Head::binary();
  s.dnn_columns = {bucketized_column("hour", {6, 10, 16, 22}), numeric_column("distance_km", Normalizer{1.25, 1.1}),
                   numeric_column("weekend"), numeric_column("minutes_since_free", Normalizer{30, 30})};
  s.hidden_units = {32, 16};
  s.dnn_optimizer = "adam";
  s.dnn_learning_rate = 3e-3;
  s.label_column = "free";
  RunConfig cfg;
  cfg.log_step_count_steps = 0;
  Estimator est(s, cfg);
  est.train(memory_input(train, 512, 3, true, 3));
  EvalResult r = est.evaluate(memory_input(test, 4096));

  std::printf("%-44s %8s\n", "", "value");
  std::printf("%-44s %7.2f%%\n", "accuracy of always answering \"taken\"", 100 * r["accuracy_baseline"]);
  std::printf("%-44s %7.2f%%\n", "accuracy of the model at threshold 0.5", 100 * r["accuracy"]);
  std::printf("%-44s %7.2f%%\n", "precision for \"free\" at 0.5", 100 * r["precision"]);
  std::printf("%-44s %7.2f%%\n", "recall for \"free\" at 0.5", 100 * r["recall"]);
  std::printf("%-44s %8.4f\n", "ROC AUC", r["auc"]);
  std::printf("\nAccuracy barely moves from the baseline: it cannot tell whether free spaces are found.\n");

  // The precision-recall curve runs from high thresholds down; the first point reaching the
  // target recall gives the highest threshold that finds that many free spaces.
  const double target = 0.8;
  double found_recall = 0, found_precision = 0;
  for (const CurvePoint& p : r.pr) {
    if (p.x < target) continue;
    found_recall = p.x;
    found_precision = p.y;
    std::printf("\nTo find %.0f%% of the free spaces, flag a space free when P(free) > %.4f:\n", 100 * target, p.threshold);
    std::printf("  recall %.1f%%, precision %.1f%% (one flagged space in %.1f is really free)\n", 100 * p.x, 100 * p.y,
                1 / std::max(p.y, 1e-9));
    break;
  }
  // The sample's claims, checked: accuracy stays within a point of the baseline, yet the model
  // ranks well (AUC), and the chosen threshold reaches the target recall with a precision far
  // above the share of free spaces (what flagging at random would give).
  bool held = std::abs(r["accuracy"] - r["accuracy_baseline"]) < 0.01 && r["auc"] >= 0.8 &&
              found_recall >= target && found_precision >= 3 * free_share;
  if (!held) std::printf("NOT SHOWN: the model did not separate free from taken spaces as expected\n");
  return held ? 0 : 1;
}
