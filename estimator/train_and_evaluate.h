// train_and_evaluate, after tf.estimator's: train, evaluate on validation data every so many
// steps with the live weights (no graph rebuild, no checkpoint reload), keep the checkpoint of
// the best evaluation, and stop early when the chosen metric stops improving.
//
// With a model_dir, a run started again (after a kill, or once finished) continues the one
// there: from the latest checkpoint, with the training input where it stood, the evaluations
// so far, the patience count, and the best evaluation of model_dir/best to beat. A finished
// run started again trains and evaluates nothing and hands back its result.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "estimator.h"

namespace tg::estimator {

struct TrainSpec {
  InputFn input;
  int64_t max_steps = -1;  // -1: until the input ends
  // Called after every training step with the global step, the loss and the batch (progress).
  std::function<void(int64_t step, double loss, const data::Batch& batch)> on_step;
  // > 0: the result's loss curve holds the mean training loss of every window of this many steps.
  int64_t loss_window = 0;
};

struct EvalSpec {
  InputFn input;
  int64_t steps = -1;               // batches per evaluation (-1: the whole input)
  int64_t every_steps = 1000;       // evaluate after this many training steps
  double every_secs = 0;            // > 0: also evaluate when this much time has passed
  bool every_epoch = false;         // also evaluate at the end of each pass over the training input
  std::string metric = "loss";      // the metric that picks the best model
  bool higher_is_better = false;    // true for accuracy or auc, false for loss or rmse
  int early_stopping_patience = 0;  // stop after this many evaluations without improvement (0: never)
};

struct Evaluation {
  int64_t step;
  EvalResult result;
  double seconds = 0;  // of training and evaluation so far, the runs continued included
};

struct TrainAndEvaluateResult {
  std::vector<Evaluation> history;  // every evaluation, those of the runs continued included
  std::vector<std::pair<int64_t, double>> losses;  // (step, mean loss), see TrainSpec::loss_window
  Evaluation best;
  std::string best_checkpoint;  // "" without a model_dir
  bool stopped_early = false;
};

// When it returns, the estimator holds the best evaluation's weights. With a model_dir, the
// best checkpoint is kept in <model_dir>/best/ beside <model_dir>/best/metrics.json.
TrainAndEvaluateResult train_and_evaluate(Estimator& estimator, const TrainSpec& train,
                                          const EvalSpec& eval);

}  // namespace tg::estimator
