// train_and_evaluate, after tf.estimator's: train, evaluate on validation data every so many
// steps with the live weights (no graph rebuild, no checkpoint reload), keep the checkpoint of
// the best evaluation, and stop early when the chosen metric stops improving.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "estimator/estimator.h"

namespace tg::estimator {

struct TrainSpec {
  InputFn input;
  int64_t max_steps = -1;  // -1: until the input ends
  // Called after every training step with the global step, the loss and the batch (progress).
  std::function<void(int64_t step, double loss, const data::Batch& batch)> on_step;
};

struct EvalSpec {
  InputFn input;
  int64_t steps = -1;               // batches per evaluation (-1: the whole input)
  int64_t every_steps = 1000;       // evaluate after this many training steps
  double every_secs = 0;            // > 0: also evaluate when this much time has passed
  std::string metric = "loss";      // the metric that picks the best model
  bool higher_is_better = false;    // true for accuracy or auc, false for loss or rmse
  int early_stopping_patience = 0;  // stop after this many evaluations without improvement (0: never)
};

struct Evaluation {
  int64_t step;
  EvalResult result;
  double seconds = 0;  // since train_and_evaluate started
};

struct TrainAndEvaluateResult {
  std::vector<Evaluation> history;
  Evaluation best;
  std::string best_checkpoint;  // "" without a model_dir
  bool stopped_early = false;
};

// When it returns, the estimator holds the best evaluation's weights. With a model_dir, the
// best checkpoint is kept in <model_dir>/best/ beside <model_dir>/best/metrics.json.
TrainAndEvaluateResult train_and_evaluate(Estimator& estimator, const TrainSpec& train,
                                          const EvalSpec& eval);

}  // namespace tg::estimator
