// tg train: the packaged trainer, with the flags of TensorFlow 1.x trainers run by
// `gcloud ml-engine local train`.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <cmath>

#include "base/log.h"
#include "estimator/train_and_evaluate.h"
#include "graph/ops.h"
#include "runtime/checkpoint.h"
#include "runtime/communicator.h"
#include "tools/tg/commands.h"
#include "tools/tg/model_dir.h"
#include "tools/tg/progress.h"

namespace tg::cli {

using namespace tg::estimator;

namespace {

struct TrainFlags {
  std::vector<std::string> train_paths, eval_paths;
  std::string output_dir, hidden_units = "128 64 32", optimizer, model = "dnn", task = "regression";
  std::string label_column, columns, features, spec_file, device, activation = "relu", export_dir;
  std::string precision = "f32";
  std::string eval_metric, learning_rate_decay = "none";
  int64_t num_epochs = -1, train_steps = -1, batch_size = 128, eval_every_steps = 1000, n_classes = 2;
  int64_t log_every_steps = 100, early_stopping_patience = 0, seed = 42, decay_steps = 1000;
  double learning_rate = -1, dropout = 0, allreduce_bucket_mb = 4, threshold = 0.5, eval_every_secs = 0;
  double l1 = 0, l2 = 0, decay_rate = 0.96, clip_norm = 0;
  std::vector<int64_t> lr_boundaries;
  std::vector<double> lr_values;
  bool header = false, overwrite = false, scale_learning_rate = false, batch_norm = false, staircase = false;
};

std::vector<int64_t> parse_units(const std::string& s) {
  std::vector<int64_t> r;
  std::istringstream in(s);
  std::string tok;
  while (in >> tok) {
    for (auto& c : tok)
      if (c == ',') c = ' ';
    std::istringstream parts(tok);
    int64_t v;
    while (parts >> v) {
      TG_CHECK(v > 0, "--hidden_units: ", v, " is not a positive width");
      r.push_back(v);
    }
  }
  TG_CHECK(!r.empty(), "--hidden_units: no widths in '", s, "'");
  return r;
}

// Fails early, in one line, when the output directory cannot be written.
void check_writable(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TG_CHECK(!ec, "cannot create the output directory '", dir, "': ", ec.message());
  std::string probe = dir + "/.tg_write_test";
  std::ofstream f(probe);
  TG_CHECK(f.good(), "the output directory '", dir, "' is not writable");
  f.close();
  std::filesystem::remove(probe);
}

// A rerun of `tg train` continues the model in --output_dir. These settings make the model what
// it is; a run asking for other values would train another model over it.
const char* kModelSettings[] = {"type", "task", "n_classes", "hidden_units", "activation", "dropout",
                                "linear_optimizer", "dnn_optimizer", "batch_norm"};

std::string shorten(const std::string& s) { return s.size() <= 120 ? s : s.substr(0, 117) + "..."; }

// The first place where two JSON values differ: "model.hidden_units: [128,64,32] in the output
// directory, [64,32] now".
std::string first_difference(const Json& was, const Json& now, const std::string& path) {
  if (was == now) return "";
  if (was.is_object() && now.is_object()) {
    for (const auto& [k, v] : was.items())
      if (auto d = first_difference(v, now.contains(k) ? now[k] : Json(), path + "." + k); !d.empty()) return d;
    for (const auto& [k, v] : now.items())
      if (!was.contains(k)) return first_difference(Json(), v, path + "." + k);
  }
  // Into lists of features or columns; a list of numbers is shown whole.
  auto structured = [](const Json& a) { return !a.empty() && a[0].is_structured(); };
  if (was.is_array() && now.is_array() && was.size() == now.size() && structured(was))
    for (size_t i = 0; i < was.size(); ++i)
      if (auto d = first_difference(was[i], now[i], cat(path, "[", i, "]")); !d.empty()) return d;
  auto show = [](const Json& j) { return j.is_null() ? std::string("absent") : shorten(j.dump()); };
  return cat(path, ": ", show(was), " in the output directory, ", show(now), " now");
}

// How the model asked for differs from the one saved in the output directory ("" when it is the
// same). Normalizer statistics are the saved model's own, not a difference.
std::string model_difference(const Json& saved, const Json& wanted) {
  Json was = saved.value("spec", Json::object()), now = wanted["spec"];
  was.erase("baseline");  // what the model is compared with, not the model
  now.erase("baseline");
  if (was.contains("features") && now.contains("features") && was["features"].size() == now["features"].size())
    for (size_t i = 0; i < now["features"].size(); ++i)
      if (!now["features"][i].contains("mean")) {
        was["features"][i].erase("mean");
        was["features"][i].erase("stddev");
      }
  if (auto d = first_difference(was, now, "spec"); !d.empty()) return d;
  Json old_model = saved.value("model", Json::object());
  for (const char* k : kModelSettings)
    if (auto d = first_difference(old_model.value(k, Json()), wanted["model"].value(k, Json()), cat("model.", k)); !d.empty())
      return d;
  return "";
}

// What differs between the variables of the model asked for and the newest checkpoint's ("" when
// nothing does, or it cannot be told).
std::string variable_difference(const Json& wanted, const std::string& dir) {
  try {
    Json alone = wanted;
    alone["model"]["distribute"] = false;  // a probe on rank 0 alone: no collectives
    Estimator probe = make_estimator(alone, "");
    auto steps = CheckpointManager(dir).steps();
    if (steps.empty()) return "";
    return checkpoint_mismatch(read_checkpoint(CheckpointManager(dir).path_for(steps.back())), probe.graph().variables());
  } catch (const Error&) {
    return "";
  }
}

[[noreturn]] void refuse(const std::string& dir, const std::string& problem) {
  fail("the output directory '", dir, "' holds a model this run cannot continue: ", problem,
       ". Train into a new --output_dir, or pass --overwrite to replace that model");
}

// Rank 0's part of setting up: the spec (columns resolved, normalizers fitted), the model, and
// whether the output directory's model can be continued. Returns what tg_spec.json holds.
Json prepare_model(TrainFlags& f, int ranks) {
  check_writable(f.output_dir);
  TG_CHECK(f.spec_file.empty() || std::filesystem::is_regular_file(f.spec_file), "--spec: '", f.spec_file,
           "' does not exist");
  Json spec = f.spec_file.empty() ? inline_spec(f.columns, f.label_column, f.features, f.header) : load_spec_file(f.spec_file);
  if (!f.label_column.empty()) spec["label"] = f.label_column;
  TG_CHECK(spec.contains("label") && !spec["label"].get<std::string>().empty(), "no label column: pass --label_column");
  if (f.header) spec["header"] = true;
  resolve_columns(spec, f.train_paths);
  if (f.task != "regression") {
    for (auto& c : spec["columns"])
      if (c["name"] == spec["label"] && !c.contains("dtype"))
        c["dtype"] = f.task == "multiclass" && spec.value("label_vocabulary", Json::array()).empty() ? "int64" : "float32";
  }

  bool linear = f.model == "linear";
  std::string opt = f.optimizer.empty() ? (linear ? "ftrl" : "adagrad") : f.optimizer;
  double lr = f.learning_rate > 0 ? f.learning_rate : (opt == "ftrl" ? 0.2 : opt == "adam" ? 1e-3 : 0.05);
  // The global batch is ranks x --batch_size; linear scaling (Goyal et al.) keeps the step per
  // example when asked to.
  if (f.scale_learning_rate) lr *= ranks;
  Json model{{"type", f.model}, {"task", f.task}, {"n_classes", f.n_classes}, {"seed", f.seed},
             {"activation", f.activation}, {"dropout", f.dropout}, {"log_every_steps", Progress::on_terminal() ? 0 : f.log_every_steps},
             {"save_checkpoints_steps", f.eval_every_steps}, {"device", f.device}, {"precision", f.precision},
             {"allreduce_bucket_bytes", static_cast<int64_t>(f.allreduce_bucket_mb * (1 << 20))}};
  if (!linear) model["hidden_units"] = parse_units(f.hidden_units);
  if (f.task == "binary") model["threshold"] = f.threshold;
  if (f.l1 > 0) model["l1"] = f.l1;
  if (f.l2 > 0) model["l2"] = f.l2;
  if (f.clip_norm > 0) model["clip_norm"] = f.clip_norm;
  if (f.batch_norm) model["batch_norm"] = true;
  if (f.learning_rate_decay == "exponential") {
    model["learning_rate_decay"] = {{"type", "exponential"}, {"decay_steps", f.decay_steps}, {"decay_rate", f.decay_rate},
                                    {"staircase", f.staircase}};
  } else if (f.learning_rate_decay == "piecewise_constant") {
    TG_CHECK(f.lr_values.size() == f.lr_boundaries.size() + 1, "--learning_rate_decay piecewise_constant: ",
             f.lr_values.size(), " --lr_values for ", f.lr_boundaries.size(), " --lr_boundaries (need one more value)");
    model["learning_rate_decay"] = {{"type", "piecewise_constant"}, {"boundaries", f.lr_boundaries}, {"values", f.lr_values}};
  }
  // The chosen optimizer drives the deep part; a wide part keeps FTRL unless it is linear only.
  model[linear ? "linear_optimizer" : "dnn_optimizer"] = opt;
  model[linear ? "linear_learning_rate" : "dnn_learning_rate"] = lr;
  Json saved{{"spec", spec}, {"model", model}};

  // An output directory with checkpoints holds a model: continue it (with the normalizers it
  // was trained with), refuse another one, or replace it when asked to.
  std::string spec_path = f.output_dir + "/tg_spec.json";
  bool has_model = !CheckpointManager(f.output_dir).steps().empty();
  if (has_model && !f.overwrite && std::filesystem::exists(spec_path)) {
    Json old = read_json_file(spec_path);
    if (std::string d = model_difference(old, saved); !d.empty()) {
      std::string v = variable_difference(saved, f.output_dir);
      refuse(f.output_dir, v.empty() ? d : cat(d, " (in its newest checkpoint, ", v, ")"));
    }
    saved["spec"] = old["spec"];
    spec = saved["spec"];
  } else {
    fit_normalizers(spec, csv_files(spec, f.train_paths, 4096, 1, false, 0));
    saved["spec"] = spec;
  }
  if (f.overwrite)
    for (const char* name : {"history.json", "metrics.json", "details.json"})
      std::filesystem::remove(f.output_dir + "/" + name);
  return saved;
}

// The baselines of a regression, as the course's benchmarks to beat: the training labels' mean,
// and (when the spec has "baseline": {"type": "distance", "inputs": [lon1, lat1, lon2, lat2]})
// the distance heuristic, a rate per unit of distance fitted on the training data. Returns
// (name, RMSE on the evaluation data) pairs.
std::vector<std::pair<std::string, double>> regression_baselines(const Json& spec, const InputFn& train,
                                                                 const InputFn& eval) {
  std::string label = spec["label"];
  std::vector<std::string> dist_inputs;
  if (spec.contains("baseline") && spec["baseline"].is_object()) {
    const Json& b = spec["baseline"];
    TG_CHECK(b.value("type", "") == "distance", "the spec's \"baseline\" has type '", b.value("type", ""),
             "'; the one known is \"distance\"");
    dist_inputs = b.value("inputs", std::vector<std::string>{});
    TG_CHECK(dist_inputs.size() == 4, "the spec's distance baseline needs 4 \"inputs\": lon1, lat1, lon2, lat2");
  }
  auto column = [](const data::Batch& b, const std::string& name, int64_t i) {
    const Tensor& t = b[name];
    return t.dtype() == DType::Float32 ? static_cast<double>(t.data<float>()[i]) : convert_column(t, DType::Float64, name).data<double>()[i];
  };
  auto distance = [&](const data::Batch& b, int64_t i) {
    double dx = column(b, dist_inputs[2], i) - column(b, dist_inputs[0], i);
    double dy = column(b, dist_inputs[3], i) - column(b, dist_inputs[1], i);
    return std::sqrt(dx * dx + dy * dy);
  };
  double sum = 0, dist_sum = 0;
  int64_t n = 0;
  auto stream = train();
  while (auto b = stream->next())
    for (int64_t i = 0; i < b->rows; ++i) {
      sum += column(*b, label, i);
      if (!dist_inputs.empty()) dist_sum += distance(*b, i);
      ++n;
    }
  if (n == 0) return {};
  double mean = sum / static_cast<double>(n), rate = dist_sum > 0 ? sum / dist_sum : 0;
  double sq_mean = 0, sq_dist = 0;
  int64_t m = 0;
  auto es = eval();
  while (auto b = es->next())
    for (int64_t i = 0; i < b->rows; ++i) {
      double y = column(*b, label, i);
      sq_mean += (y - mean) * (y - mean);
      if (!dist_inputs.empty()) sq_dist += (y - rate * distance(*b, i)) * (y - rate * distance(*b, i));
      ++m;
    }
  if (m == 0) return {};
  std::vector<std::pair<std::string, double>> r{{"training mean", std::sqrt(sq_mean / static_cast<double>(m))}};
  if (!dist_inputs.empty()) r.emplace_back("distance heuristic", std::sqrt(sq_dist / static_cast<double>(m)));
  return r;
}

int train_into(TrainFlags& f) {
  // Several processes (mpirun, srun): rank 0 prepares the model and alone writes the output
  // directory; every rank trains on its shard of the data (docs/distributed.md).
  Communicator& world = Communicator::world();
  int rank = world.rank(), ranks = world.size();
  bool chief = rank == 0;
  Json saved = chief ? prepare_model(f, ranks) : Json();
  if (ranks > 1) saved = Json::parse(world.broadcast(chief ? saved.dump() : std::string()));
  Json spec = saved["spec"];
  std::string spec_path = f.output_dir + "/tg_spec.json";
  if (chief && ranks > 1)
    log_info(ranks, " ranks x batch ", f.batch_size, " = a global batch of ", ranks * f.batch_size,
             f.scale_learning_rate ? cat(", learning rate scaled by ", ranks) : std::string());
  Estimator est = make_estimator(saved, f.output_dir, f.overwrite);
  try {
    est.global_step();  // restores the latest checkpoint
  } catch (const ModelDirError& e) {
    refuse(f.output_dir, e.problem());
  }
  if (chief) write_json_file(spec_path, saved);
  int64_t epochs = f.num_epochs > 0 ? f.num_epochs : (f.train_steps > 0 ? -1 : 10);
  // Each rank reads its shard, shuffled with its own seed.
  InputFn train = csv_files(spec, f.train_paths, f.batch_size, epochs, true, static_cast<uint64_t>(f.seed + rank), true,
                            rank, ranks);
  InputFn eval = csv_files(spec, f.eval_paths, 4096, 1, false, 0, true, rank, ranks);
  auto [metric, higher] = selection_metric(f.task, f.eval_metric);
  int64_t start_step = est.global_step();
  std::optional<Progress> progress;
  if (chief) progress.emplace(start_step, f.train_steps, epochs);
  Json history{{"metric", metric}, {"train", Json::array()}, {"eval", Json::array()}};
  // The learning curve records the mean training loss of windows of steps: at least two
  // points per evaluation interval, and less noisy than single batches.
  int64_t window = std::max<int64_t>(1, std::min(f.log_every_steps, f.eval_every_steps / 2));
  TrainSpec ts{train, f.train_steps,
               [&](int64_t step, double loss, const data::Batch& b) {
                 if (progress) progress->update(step, b.epoch, loss, b.rows * ranks);
               },
               window};
  // Every --eval_every_steps, every --eval_every_secs, and at the end of every epoch: small
  // data gets an evaluation an epoch, so that the best model and early stopping act.
  EvalSpec es{.input = eval, .steps = -1, .every_steps = f.eval_every_steps, .every_secs = f.eval_every_secs,
              .every_epoch = true, .metric = metric, .higher_is_better = higher,
              .early_stopping_patience = static_cast<int>(f.early_stopping_patience)};
  auto result = train_and_evaluate(est, ts, es);
  if (progress) progress->finish();
  int64_t last_step = est.global_step();
  // The best model is the best evaluation's checkpoint, step included: its step is the one the
  // final metrics, the eval_best point, the export and its metadata carry.
  if (chief && !result.best_checkpoint.empty()) est.restore(result.best_checkpoint);
  EvalResult final_eval = est.evaluate(eval, -1, "best");
  if (!chief) return 0;  // rank 0 writes the results
  if (start_step > 0 && last_step == start_step)
    std::printf("the run in %s had finished at step %ld: nothing left to train\n", f.output_dir.c_str(),
                static_cast<long>(start_step));
  for (const auto& [step, loss] : result.losses) history["train"].push_back({step, loss});
  for (const auto& e : result.history) {
    Json m;
    for (const auto& [k, v] : e.result.metrics) m[k] = v;
    history["eval"].push_back({{"step", e.step}, {"seconds", e.seconds}, {"metrics", m}});
  }
  history["best_step"] = result.best.step;
  history["last_step"] = last_step;
  history["stopped_early"] = result.stopped_early;
  write_json_file(f.output_dir + "/history.json", history);

  std::vector<std::pair<std::string, double>> baselines;
  if (f.task == "regression")
    baselines = regression_baselines(spec, csv_files(spec, f.train_paths, 4096, 1, false, 0),
                                     ranks > 1 ? csv_files(spec, f.eval_paths, 4096, 1, false, 0) : eval);
  Json metrics;
  for (const auto& [k, v] : final_eval.metrics) metrics[k] = v;
  metrics["best_step"] = result.best.step;
  for (const auto& [name, v] : baselines) metrics["baseline_rmse/" + std::string(name == "training mean" ? "training_mean" : "distance")] = v;
  write_json_file(f.output_dir + "/metrics.json", metrics);
  write_details(f.output_dir, f.task, final_eval, est, ranks > 1 ? csv_files(spec, f.eval_paths, 4096, 1, false, 0) : eval);
  if (!f.export_dir.empty()) {
    MetricMap exported_metrics = final_eval.metrics;
    std::string version = est.export_model(f.export_dir, exported_metrics);
    // The columns of the training files, so that tg predict reads files without a header alike.
    write_json_file(version + "/tg_spec.json", saved);
    std::printf("exported the best model (step %ld) to %s\n", static_cast<long>(result.best.step), version.c_str());
  }
  std::printf("best model at step %ld of %ld (by %s)%s; its metrics on %s:", static_cast<long>(result.best.step),
              static_cast<long>(last_step), metric.c_str(), result.stopped_early ? " (stopped early)" : "",
              f.eval_paths[0].c_str());
  print_metrics(final_eval);
  if (!baselines.empty()) {
    std::printf("\n%-24s %14s\n", "baseline", "rmse");
    for (const auto& [name, v] : baselines) std::printf("%-24s %14.6g\n", name.c_str(), v);
    std::printf("%-24s %14.6g\n", "this model", final_eval["rmse"]);
  }
  std::printf("\nwritten to %s (metrics.json, checkpoints, TensorBoard runs train/ and eval/)\n", f.output_dir.c_str());
  return 0;
}

// A failed run leaves the output directory as it found it: a directory it created is removed
// unless a checkpoint was written (a run to continue), and a tg_spec.json it wrote without any
// checkpoint beside it is removed (it would make the directory look like a trained model).
int run_train(TrainFlags& f) {
  namespace fs = std::filesystem;
  bool chief = Communicator::world().rank() == 0;
  std::error_code ec;
  bool existed = fs::exists(f.output_dir, ec);
  std::string spec_path = f.output_dir + "/tg_spec.json";
  bool had_spec = fs::exists(spec_path, ec);
  try {
    return train_into(f);
  } catch (...) {
    if (chief) {
      bool has_checkpoint = fs::is_directory(f.output_dir, ec) && !CheckpointManager(f.output_dir).steps().empty();
      if (!has_checkpoint && !existed) fs::remove_all(f.output_dir, ec);
      else if (!has_checkpoint && !had_spec) fs::remove(spec_path, ec);
    }
    throw;
  }
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto* c = app.add_subcommand("train", "Train a model from CSV files, evaluating and keeping the best");
  c->option_defaults()->always_capture_default();
  c->add_option("--train_data_paths", f->train_paths, "training CSV files or glob patterns")->required()->expected(1, -1);
  c->add_option("--eval_data_paths", f->eval_paths, "evaluation CSV files or glob patterns")->required()->expected(1, -1);
  c->add_option("--output_dir,--job-dir", f->output_dir, "checkpoints, TensorBoard runs, metrics and the spec")->required();
  c->add_option("--num_epochs", f->num_epochs, "passes over the training data (-1: 10 without --train_steps, else until --train_steps)");
  c->add_option("--train_steps", f->train_steps, "stop at this global step (-1: when the epochs end)");
  c->add_option("--batch_size", f->batch_size, "examples per step")->check(CLI::PositiveNumber);
  c->add_option("--hidden_units", f->hidden_units, "hidden layer widths, e.g. \"128 64 32\"");
  c->add_option("--learning_rate", f->learning_rate, "learning rate (-1: the optimizer's usual: ftrl 0.2, adam 0.001, others 0.05)");
  c->add_option("--optimizer", f->optimizer, "sgd, momentum, adagrad, adam, rmsprop or ftrl (default: adagrad; ftrl for --model linear)")
      ->check(CLI::IsMember({"sgd", "momentum", "adagrad", "adam", "rmsprop", "ftrl"}));
  c->add_option("--model", f->model, "linear, dnn or wide_deep")->check(CLI::IsMember({"linear", "dnn", "wide_deep"}));
  c->add_option("--task", f->task, "regression, binary or multiclass")->check(CLI::IsMember({"regression", "binary", "multiclass"}));
  c->add_option("--n_classes", f->n_classes, "classes of a multiclass task")->check(CLI::Range(2, 100000));
  c->add_option("--label_column", f->label_column, "the column to predict");
  c->add_option("--columns", f->columns,
                "CSV columns in order: name[:dtype][:default=V|:skip],... (with --header: only the columns to change)");
  c->add_option("--features", f->features, "numeric feature columns, comma separated (default: all numeric)");
  c->add_option("--spec", f->spec_file, "a JSON column and feature specification (docs/spec.md)");
  c->add_flag("--header", f->header,
              "the CSV files start with a header line naming the columns (types are read off the first rows)");
  c->add_option("--eval_every_steps", f->eval_every_steps,
                "evaluate (and checkpoint) every N steps; there is also an evaluation at the end of every epoch")
      ->check(CLI::PositiveNumber);
  c->add_option("--eval_every_secs", f->eval_every_secs, "also evaluate when this many seconds have passed (0: never)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--eval_metric", f->eval_metric,
                "the metric that picks the best model and drives early stopping: rmse, mae, mse, loss, average_loss, "
                "auc, auc_precision_recall, accuracy, precision, recall, ... (default: rmse for regression, auc for "
                "binary, accuracy for multiclass)");
  c->add_option("--threshold", f->threshold, "binary: class 1 when P(1) > threshold (precision, recall, accuracy)")
      ->check(CLI::Range(0.0, 1.0));
  c->add_option("--early_stopping_patience", f->early_stopping_patience, "stop after N evaluations without improvement (0: never)");
  c->add_option("--log_every_steps", f->log_every_steps, "log a line every N steps when not on a terminal")->check(CLI::PositiveNumber);
  c->add_option("--activation", f->activation, "hidden activation")
      ->check(CLI::IsMember(ops::activation_names()));
  c->add_option("--dropout", f->dropout, "dropout rate of hidden units")->check(CLI::Range(0.0, 0.99));
  c->add_flag("--batch_norm", f->batch_norm, "batch normalization after each hidden layer's weights");
  c->add_option("--l1", f->l1, "L1 regularization of the weights (not biases)")->check(CLI::NonNegativeNumber);
  c->add_option("--l2", f->l2, "L2 regularization of the weights (not biases)")->check(CLI::NonNegativeNumber);
  c->add_option("--clip_norm", f->clip_norm, "clip the gradients to this global norm (0: no clipping)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--learning_rate_decay", f->learning_rate_decay, "none, exponential or piecewise_constant")
      ->check(CLI::IsMember({"none", "exponential", "piecewise_constant"}));
  c->add_option("--decay_steps", f->decay_steps, "exponential decay: the rate is multiplied by --decay_rate every N steps")
      ->check(CLI::PositiveNumber);
  c->add_option("--decay_rate", f->decay_rate, "exponential decay: the factor per --decay_steps")->check(CLI::PositiveNumber);
  c->add_flag("--staircase", f->staircase, "exponential decay in steps rather than continuously");
  c->add_option("--lr_boundaries", f->lr_boundaries, "piecewise_constant: the steps where the rate changes, e.g. 1000,5000")
      ->delimiter(',');
  c->add_option("--lr_values", f->lr_values,
                "piecewise_constant: factors of --learning_rate, one more than the boundaries, e.g. 1,0.1,0.01")
      ->delimiter(',');
  c->add_option("--seed", f->seed, "random seed");
  c->add_option("--export_dir", f->export_dir, "also export the best model to EXPORT_DIR/<its step>/ for tg serve");
  c->add_option("--device", f->device, "device for the model: /cpu:0 or /gpu:0 (falls back to the CPU; default: placement decides)");
  c->add_option("--precision", f->precision,
                "matrix products: f32, or bf16 / tf32 inputs with f32 accumulation (weights stay f32)")
      ->check(CLI::IsMember({"f32", "tf32", "bf16"}))
      ->capture_default_str();
  c->add_flag("--scale_learning_rate", f->scale_learning_rate,
              "under an MPI launcher, multiply the learning rate by the number of ranks (the global batch is "
              "ranks x --batch_size); off by default");
  c->add_option("--allreduce_bucket_mb", f->allreduce_bucket_mb,
                "under an MPI launcher, gradients are all-reduced in buckets of at most this many MB")
      ->check(CLI::NonNegativeNumber);
  c->add_flag("--overwrite", f->overwrite,
              "replace the model in --output_dir (its checkpoints, best model, event files and results) "
              "instead of continuing it; without it, a different model there is an error");
  return [c, f] { return c->parsed() ? run_train(*f) : -1; };
}

}  // namespace tg::cli
