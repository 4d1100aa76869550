// tg train: the packaged trainer, with the flags of TensorFlow 1.x trainers run by
// `gcloud ml-engine local train`.
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

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
  int64_t num_epochs = -1, train_steps = -1, batch_size = 128, eval_every_steps = 1000, n_classes = 2;
  int64_t log_every_steps = 100, early_stopping_patience = 0, seed = 42;
  double learning_rate = -1, dropout = 0, allreduce_bucket_mb = 4;
  bool header = false, overwrite = false, scale_learning_rate = false;
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
                                "linear_optimizer", "dnn_optimizer"};

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

int run_train(TrainFlags& f) {
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
  auto [metric, higher] = selection_metric(f.task);
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
  EvalSpec es{.input = eval, .steps = -1, .every_steps = f.eval_every_steps, .every_secs = 0, .metric = metric, .higher_is_better = higher, .early_stopping_patience = static_cast<int>(f.early_stopping_patience)};
  auto result = train_and_evaluate(est, ts, es);
  EvalResult final_eval = est.evaluate(eval, -1, "best");
  if (!chief) return 0;  // rank 0 writes the results
  progress->finish();
  if (start_step > 0 && est.global_step() == start_step)
    std::printf("the run in %s had finished at step %ld: nothing left to train\n", f.output_dir.c_str(),
                static_cast<long>(start_step));
  for (const auto& [step, loss] : result.losses) history["train"].push_back({step, loss});
  for (const auto& e : result.history) {
    Json m;
    for (const auto& [k, v] : e.result.metrics) m[k] = v;
    history["eval"].push_back({{"step", e.step}, {"seconds", e.seconds}, {"metrics", m}});
  }
  history["best_step"] = result.best.step;
  history["stopped_early"] = result.stopped_early;
  write_json_file(f.output_dir + "/history.json", history);

  Json metrics;
  for (const auto& [k, v] : final_eval.metrics) metrics[k] = v;
  metrics["best_step"] = result.best.step;
  write_json_file(f.output_dir + "/metrics.json", metrics);
  write_details(f.output_dir, f.task, final_eval, est, ranks > 1 ? csv_files(spec, f.eval_paths, 4096, 1, false, 0) : eval);
  if (!f.export_dir.empty()) {
    MetricMap exported_metrics = final_eval.metrics;
    std::printf("exported the best model to %s\n", est.export_model(f.export_dir, exported_metrics).c_str());
  }
  std::printf("best model at step %ld of %ld%s; its metrics on %s:", static_cast<long>(result.best.step),
              static_cast<long>(est.global_step()), result.stopped_early ? " (stopped early)" : "",
              f.eval_paths[0].c_str());
  print_metrics(final_eval);
  std::printf("\nwritten to %s (metrics.json, checkpoints, TensorBoard runs train/ and eval/)\n", f.output_dir.c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  auto* c = app.add_subcommand("train", "Train a model from CSV files, evaluating and keeping the best");
  c->add_option("--train_data_paths", f->train_paths, "training CSV files or glob patterns")->required()->expected(1, -1);
  c->add_option("--eval_data_paths", f->eval_paths, "evaluation CSV files or glob patterns")->required()->expected(1, -1);
  c->add_option("--output_dir,--job-dir", f->output_dir, "checkpoints, TensorBoard runs, metrics and the spec")->required();
  c->add_option("--num_epochs", f->num_epochs, "passes over the training data (default 10 without --train_steps)");
  c->add_option("--train_steps", f->train_steps, "stop at this global step");
  c->add_option("--batch_size", f->batch_size, "examples per step")->check(CLI::PositiveNumber);
  c->add_option("--hidden_units", f->hidden_units, "hidden layer widths, e.g. \"128 64 32\"");
  c->add_option("--learning_rate", f->learning_rate, "learning rate (default: the optimizer's usual)");
  c->add_option("--optimizer", f->optimizer, "sgd, momentum, adagrad, adam, rmsprop or ftrl")
      ->check(CLI::IsMember({"sgd", "momentum", "adagrad", "adam", "rmsprop", "ftrl"}));
  c->add_option("--model", f->model, "linear, dnn or wide_deep")->check(CLI::IsMember({"linear", "dnn", "wide_deep"}));
  c->add_option("--task", f->task, "regression, binary or multiclass")->check(CLI::IsMember({"regression", "binary", "multiclass"}));
  c->add_option("--n_classes", f->n_classes, "classes of a multiclass task")->check(CLI::Range(2, 100000));
  c->add_option("--label_column", f->label_column, "the column to predict");
  c->add_option("--columns", f->columns, "CSV columns in order: name[:dtype][:default=V|:skip],...");
  c->add_option("--features", f->features, "numeric feature columns, comma separated (default: all numeric)");
  c->add_option("--spec", f->spec_file, "a JSON column and feature specification (see tg_spec in the docs)")
      ->check(CLI::ExistingFile);
  c->add_flag("--header", f->header, "the CSV files start with a header line naming the columns");
  c->add_option("--eval_every_steps", f->eval_every_steps, "evaluate (and checkpoint) every N steps")->check(CLI::PositiveNumber);
  c->add_option("--early_stopping_patience", f->early_stopping_patience, "stop after N evaluations without improvement");
  c->add_option("--log_every_steps", f->log_every_steps, "log a line every N steps when not on a terminal")->check(CLI::PositiveNumber);
  c->add_option("--activation", f->activation, "hidden activation")
      ->check(CLI::IsMember(ops::activation_names()));
  c->add_option("--dropout", f->dropout, "dropout rate of hidden units")->check(CLI::Range(0.0, 0.99));
  c->add_option("--seed", f->seed, "random seed");
  c->add_option("--export_dir", f->export_dir, "also export the best model to EXPORT_DIR/<global step>/ for tg serve");
  c->add_option("--device", f->device, "device for the model: /cpu:0 or /gpu:0 (falls back to the CPU)");
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
