// Estimators, after tf.estimator: a model (linear, DNN, or both: wide and deep) with a head,
// trained, evaluated and asked for predictions from input functions, with its variables
// checkpointed in a model directory and restored from there when it is built again.
//
// Beyond tf.estimator, a checkpoint also records where the training input stood (epoch and
// records taken, see data::Position), so that a restarted run trains on the same data in total
// as an uninterrupted one, and a model directory holding another model is an error, never a
// reason to start afresh over it.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "feature_columns.h"
#include "head.h"
#include "input.h"
#include "../runtime/session.h"

namespace tg::estimator {

struct ModelGraph;

// A learning-rate schedule over the global step (graph/optimizers.h): "" (constant),
// "exponential" (rate^(step / decay_steps), floored when staircase) or "piecewise_constant"
// (values[i] while step <= boundaries[i], then the last value).
struct LearningRateDecay {
  std::string type;
  int64_t decay_steps = 0;
  double decay_rate = 1;
  bool staircase = false;
  std::vector<int64_t> boundaries;
  std::vector<double> values;  // one more than boundaries; multiplies the learning rate
};

// A metric of the user's, streaming over an evaluation: update() sees each batch's predictions
// (regression: float32 [n] values; binary: float32 [n] P(1); multi-class: float32 [n, C]
// probabilities), labels (float32 [n], or int64 [n] class ids) and weights (float32 [n], or
// null); result() gives the value reported under its name beside the built-in metrics.
class StreamingMetric {
 public:
  virtual ~StreamingMetric() = default;
  virtual void update(const Tensor& predictions, const Tensor& labels, const Tensor* weights) = 0;
  virtual double result() const = 0;
};
// Makes a fresh accumulator for each evaluation.
using MetricFactory = std::function<std::unique_ptr<StreamingMetric>()>;
// A metric from two functions over a state of doubles: update(state, prediction, label,
// weight) per example, result(state) at the end.
MetricFactory make_metric(std::function<void(std::vector<double>&, double prediction, double label, double weight)> update,
                          std::function<double(const std::vector<double>&)> result, size_t state_size = 2);

struct ModelSpec {
  Head head = Head::regression();
  std::vector<Column> linear_columns;  // the linear (wide) part; empty for a pure DNN
  std::vector<Column> dnn_columns;     // the deep part; empty for a pure linear model
  std::vector<int64_t> hidden_units;   // e.g. {128, 64, 32}
  std::string activation = "relu";     // relu, leaky_relu, elu, sigmoid, tanh, softplus
  double dropout = 0;                  // probability of dropping a hidden unit while training
  // TensorFlow's defaults: FTRL for linear parts, Adagrad for deep ones.
  std::string linear_optimizer = "ftrl";
  double linear_learning_rate = 0.2;
  std::string dnn_optimizer = "adagrad";
  double dnn_learning_rate = 0.05;
  std::string label_column = "label";
  std::string weight_column;           // "" = every example counts once
  // L1 and L2 penalties added to the loss: l1 * sum|w| + l2 * sum w^2 over the weights (hidden
  // and logit kernels, linear weights, embedding tables; not biases).
  double l1 = 0, l2 = 0;
  LearningRateDecay learning_rate_decay;  // applied to both parts' learning rates
  double clip_norm = 0;                // > 0: gradients scaled down to this global norm
  bool batch_norm = false;             // batch normalization after each hidden layer's matmul
  // Metrics of the user's, evaluated beside the head's (not reduced over processes).
  std::vector<std::pair<std::string, MetricFactory>> metrics;
};

struct RunConfig {
  std::string model_dir;               // "" = no checkpoints
  // How the model's float32 matrix products compute (SessionOptions::precision): bf16 or tf32
  // inputs with f32 accumulation; weights and optimizer state stay float32.
  MathPrecision precision = MathPrecision::Float32;
  int64_t save_checkpoints_steps = 1000;
  double save_checkpoints_secs = 0;    // > 0: also save when this much time has passed
  int keep_checkpoint_max = 5;
  int64_t log_step_count_steps = 100;
  int64_t seed = 42;
  int num_threads = 0;
  std::string device;                  // "" (placement decides), "/cpu:0", "/gpu:0", ...
  // With a model_dir: TensorBoard event files in model_dir/train (loss, learning rate,
  // examples per second, weight histograms, the graph) and model_dir/eval (every metric).
  bool summaries = true;
  // Start afresh: delete model_dir's checkpoints, best model and event files when the model is
  // built. Without it, checkpoints that do not fit the model (or none of which loads) are an
  // error (ModelDirError), and matching ones are resumed.
  bool overwrite = false;
  // When several processes train the model together (started by an MPI launcher, see
  // estimator/distributed.h and docs/distributed.md), gradients are all-reduced in buckets of
  // at most this many bytes.
  int64_t allreduce_bucket_bytes = 4 << 20;
  // false: this estimator works alone even in a process of such a job (no collectives).
  bool distribute = true;
};

// model_dir holds checkpoints that cannot be restored into this model: another model's (a
// variable it lacks, or of another shape or dtype) or none that loads. Nothing there was
// changed. what() names the problem and the ways out; problem() is the problem alone.
class ModelDirError : public Error {
 public:
  ModelDirError(const std::string& model_dir, const std::string& problem);
  const std::string& problem() const { return problem_; }

 private:
  std::string problem_;
};

struct Prediction {
  double value = 0;                    // regression
  int64_t class_id = -1;               // classification
  std::string class_label;             // with a label vocabulary
  std::vector<float> probabilities;    // classification: one per class
  std::vector<float> logits;
};

class Estimator {
 public:
  Estimator(ModelSpec spec, RunConfig config = {});
  ~Estimator();
  Estimator(Estimator&&) noexcept;
  Estimator& operator=(Estimator&&) noexcept;

  // Trains until the input ends, `steps` more steps are done, or the global step reaches
  // max_steps (-1: no such limit). Saves a checkpoint at the end when there is a model_dir.
  void train(const InputFn& input, int64_t steps = -1, int64_t max_steps = -1);
  // Metrics over the input (at most `steps` batches) with the current weights; with summaries,
  // also written to model_dir/eval (or model_dir/eval_<name>).
  EvalResult evaluate(const InputFn& input, int64_t steps = -1, const std::string& name = "");
  std::vector<Prediction> predict(const InputFn& input);

  // One training step on a batch; returns its loss. Throws tg::Error when the loss is NaN or
  // infinite, naming the step.
  double train_batch(const data::Batch& batch);
  int64_t global_step();
  // Saves a checkpoint of every variable (global step and optimizer slots included) and, beside
  // it (ckpt-<step>.json), the training input's position after the last batch trained on and
  // `progress`: JSON that train_and_evaluate uses to continue (its evaluations and best).
  void save_checkpoint(const std::string& progress = "");
  // The progress saved with the checkpoint restored when the model was built ("" if none).
  const std::string& restored_progress();
  // A pass over the training input. The first one after a restore continues where the
  // checkpoint's pass stood (when the input is the same data); later ones start afresh.
  std::unique_ptr<BatchStream> training_input(const InputFn& input);
  // Restores the weights of a checkpoint file into the live session.
  void restore(const std::string& checkpoint_path);

  // Writes a versioned export (export_dir/<global step>/): the prediction graph with its
  // feature transformations, the weights, the signature and metadata (see docs/export-format.md).
  // Returns the version directory.
  std::string export_model(const std::string& export_dir, const MetricMap& metrics = {});

  const ModelSpec& spec() const;
  const RunConfig& config() const;
  // The model's graph pieces (inputs, logits, head outputs), built on first use.
  const ModelGraph& model_graph();
  Graph& graph();
  Session& session();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The canned estimators with TensorFlow's defaults.
Estimator LinearRegressor(std::vector<Column> columns, RunConfig config = {}, std::string label_column = "label");
Estimator LinearClassifier(std::vector<Column> columns, int64_t n_classes = 2, RunConfig config = {},
                           std::string label_column = "label");
Estimator DNNRegressor(std::vector<int64_t> hidden_units, std::vector<Column> columns, RunConfig config = {},
                       std::string label_column = "label");
Estimator DNNClassifier(std::vector<int64_t> hidden_units, std::vector<Column> columns, int64_t n_classes = 2,
                        RunConfig config = {}, std::string label_column = "label");
// Wide and deep: a linear part over linear_columns plus a DNN over dnn_columns, logits added.
Estimator DNNLinearCombinedRegressor(std::vector<Column> linear_columns, std::vector<Column> dnn_columns,
                                     std::vector<int64_t> hidden_units, RunConfig config = {},
                                     std::string label_column = "label");
Estimator DNNLinearCombinedClassifier(std::vector<Column> linear_columns, std::vector<Column> dnn_columns,
                                      std::vector<int64_t> hidden_units, int64_t n_classes = 2,
                                      RunConfig config = {}, std::string label_column = "label");

// Converts a batch column to the dtype a placeholder takes (numbers to numbers only).
Tensor convert_column(const Tensor& t, DType to, const std::string& name);

}  // namespace tg::estimator
