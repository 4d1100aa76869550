// The taxi-fare lab from end to end, as the course runs it with TensorFlow 1.x:
//   clean and split the data; a distance heuristic as the benchmark to beat; a linear model;
//   a DNN on the five raw features; the DNN with engineered features; the choice by
//   validation RMSE; the test RMSE last.
// Data: --train/--valid/--test files (no header, the course's column order), or with
// --generate N the project's own generator writes N rides into --work_dir, then cleans and
// splits them. --json writes the figures for tests and reports.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/log.h"
#include "data/split.h"
#include "data/taxi_generator.h"
#include "estimator/train_and_evaluate.h"
#include "graph/ops.h"

using namespace tg;
using namespace tg::estimator;

namespace {

const char* kFeatures[] = {"pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers"};

data::CsvSchema taxi_schema() {
  std::vector<data::ColumnSpec> c{{"fare_amount", DType::Float32}};
  for (const char* f : kFeatures) c.push_back({f, DType::Float32, f == std::string("passengers") ? std::optional<std::string>("1") : std::nullopt});
  data::ColumnSpec key{"key", DType::Int64};
  key.skip = true;
  c.push_back(key);
  return data::CsvSchema(c);
}

InputFn taxi_input(const std::string& files, int64_t batch, int64_t epochs, bool shuffle) {
  data::DatasetOptions o;
  o.files = {files};
  o.batch_size = batch;
  o.epochs = epochs;
  o.shuffle_files = shuffle;
  o.shuffle_buffer = shuffle ? 10000 : 0;
  o.seed = 7;
  o.on_epoch_end = [](const data::EpochStats&) {};
  return csv_input(data::CsvDataset(o, taxi_schema()));
}

// The course's heuristic: fare = rate x distance, rate = mean fare / mean distance on train,
// the distance being the great circle in degrees x 60 x 1.515 x 1.609344.
double heuristic_km(float lon1, float lat1, float lon2, float lat2) {
  double degrees = data::haversine_km(lon1, lat1, lon2, lat2) / 6371.0 * 180.0 / M_PI;
  return degrees * 60 * 1.515 * 1.609344;
}

double heuristic_rate(const InputFn& train) {
  double fares = 0, km = 0;
  auto s = train();
  while (auto b = s->next())
    for (int64_t i = 0; i < b->rows; ++i) {
      fares += (*b)["fare_amount"].data<float>()[i];
      km += heuristic_km((*b)["pickuplon"].data<float>()[i], (*b)["pickuplat"].data<float>()[i],
                         (*b)["dropofflon"].data<float>()[i], (*b)["dropofflat"].data<float>()[i]);
    }
  return fares / km;
}

double heuristic_rmse(const InputFn& input, double rate) {
  double se = 0;
  int64_t n = 0;
  auto s = input();
  while (auto b = s->next())
    for (int64_t i = 0; i < b->rows; ++i, ++n) {
      double p = rate * heuristic_km((*b)["pickuplon"].data<float>()[i], (*b)["pickuplat"].data<float>()[i],
                                     (*b)["dropofflon"].data<float>()[i], (*b)["dropofflat"].data<float>()[i]);
      se += std::pow(p - (*b)["fare_amount"].data<float>()[i], 2);
    }
  return std::sqrt(se / static_cast<double>(n));
}

std::vector<Column> raw_columns(const InputFn& train) {
  std::vector<std::string> names(std::begin(kFeatures), std::end(kFeatures));
  auto norms = compute_normalizers(train, names);
  std::vector<Column> cols;
  for (const auto& n : names) cols.push_back(numeric_column(n, norms[n]));
  return cols;
}

// Longitude and latitude deltas and the euclidean distance, computed by graph ops.
std::vector<Column> engineered_columns(const InputFn& train) {
  std::vector<Column> cols = raw_columns(train);
  auto add = [&](const std::string& name, std::vector<std::string> in,
                 std::function<Output(Graph&, const std::vector<Output>&)> fn) {
    Column plain = derived_column(name, in, fn);
    cols.push_back(derived_column(name, in, fn, fit_normalizer(train, plain)));
  };
  add("londiff", {"pickuplon", "dropofflon"}, [](Graph&, const std::vector<Output>& x) { return x[1] - x[0]; });
  add("latdiff", {"pickuplat", "dropofflat"}, [](Graph&, const std::vector<Output>& x) { return x[1] - x[0]; });
  add("euclidean", {"pickuplon", "pickuplat", "dropofflon", "dropofflat"}, [](Graph&, const std::vector<Output>& x) {
    return ops::sqrt(ops::square(x[2] - x[0]) + ops::square(x[3] - x[1]));
  });
  return cols;
}

struct Result {
  std::string model;
  double valid, test;
  int64_t best_step;
};

Result fit(const std::string& name, Estimator est, const InputFn& train, const InputFn& valid, const InputFn& test,
           int64_t steps_per_epoch, int epochs) {
  EvalSpec e{.input = valid, .steps = -1, .every_steps = steps_per_epoch, .every_secs = 0, .metric = "rmse", .higher_is_better = false, .early_stopping_patience = 15};
  auto r = train_and_evaluate(est, TrainSpec{train, steps_per_epoch * epochs}, e);
  // The best model at its own step: the test point of TensorBoard's eval_test run is there.
  if (!r.best_checkpoint.empty()) est.restore(r.best_checkpoint);
  double t = est.evaluate(test, -1, "test")["rmse"];  // its own TensorBoard run: eval_test
  std::printf("  %-34s best at step %6ld: valid RMSE %.3f\n", name.c_str(), static_cast<long>(r.best.step),
              r.best.result["rmse"]);
  return {name, r.best.result["rmse"], t, r.best.step};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The taxi-fare lab: heuristic, linear model, DNN, engineered features"};
  std::string train_f, valid_f, test_f, work_dir = "taxi-work", json_path;
  int64_t generate = 0, batch = 128;
  int epochs = 60;
  app.add_option("--train", train_f, "training CSV files (glob)");
  app.add_option("--valid", valid_f, "validation CSV files (glob)");
  app.add_option("--test", test_f, "test CSV files (glob)");
  app.add_option("--generate", generate, "generate this many rides instead, then clean and split them");
  app.add_option("--work_dir", work_dir, "where generated data and models go");
  app.add_option("--epochs", epochs, "training epochs at most (early stopping may end sooner)");
  app.add_option("--batch_size", batch, "batch size");
  app.add_option("--json", json_path, "write the results as JSON here");
  CLI11_PARSE(app, argc, argv);
  try {
    set_log_level(LogLevel::Warn);
    std::filesystem::create_directories(work_dir);
    if (generate > 0) {
      data::TaxiGeneratorOptions g;
      g.rows = generate;
      g.dirty_fraction = 0.02;
      std::string raw = work_dir + "/taxi-raw.csv";
      data::generate_taxi_csv(raw, g);
      data::SplitOptions so;
      so.keep = data::taxi_row_filter();
      auto s = data::split_csv(raw, work_dir + "/taxi", so);
      std::printf("generated %ld rides, kept %ld after cleaning: %ld train, %ld valid, %ld test\n",
                  static_cast<long>(generate), static_cast<long>(s.rows[0] + s.rows[1] + s.rows[2]),
                  static_cast<long>(s.rows[0]), static_cast<long>(s.rows[1]), static_cast<long>(s.rows[2]));
      train_f = s.paths[0], valid_f = s.paths[1], test_f = s.paths[2];
    }
    if (train_f.empty() || valid_f.empty() || test_f.empty()) {
      std::fprintf(stderr, "give --train, --valid and --test, or --generate N\n");
      return 2;
    }
    InputFn train_once = taxi_input(train_f, 4096, 1, false);
    InputFn train = taxi_input(train_f, batch, -1, true);
    InputFn valid = taxi_input(valid_f, 4096, 1, false), test = taxi_input(test_f, 4096, 1, false);
    int64_t rows = 0;
    for (auto s = train_once(); auto b = s->next();) rows += b->rows;
    int64_t steps_per_epoch = (rows + batch - 1) / batch;

    double rate = heuristic_rate(train_once);
    // The heuristic is fitted, not trained: it has no step (-1).
    std::vector<Result> results{{"distance heuristic", heuristic_rmse(valid, rate), heuristic_rmse(test, rate), -1}};
    std::printf("heuristic rate: $%.3f per km\ntraining (%ld rows, %ld steps per epoch, up to %d epochs):\n", rate,
                static_cast<long>(rows), static_cast<long>(steps_per_epoch), epochs);
    RunConfig cfg;
    cfg.save_checkpoints_steps = 0;
    cfg.log_step_count_steps = 100;  // TensorBoard scalars in <model_dir>/train
    cfg.model_dir = work_dir + "/linear";
    std::filesystem::remove_all(cfg.model_dir);
    results.push_back(fit("LinearRegressor, raw features", LinearRegressor(raw_columns(train_once), cfg, "fare_amount"),
                          train, valid, test, steps_per_epoch, epochs));
    auto dnn = [&](const std::string& name, std::vector<Column> cols, const std::string& dir) {
      ModelSpec s;
      s.dnn_columns = std::move(cols);
      s.hidden_units = {128, 64, 32};
      s.dnn_optimizer = "adam";
      s.dnn_learning_rate = 1e-3;
      s.label_column = "fare_amount";
      cfg.model_dir = work_dir + "/" + dir;
      std::filesystem::remove_all(cfg.model_dir);
      results.push_back(fit(name, Estimator(s, cfg), train, valid, test, steps_per_epoch, epochs));
    };
    dnn("DNNRegressor [128 64 32], raw", raw_columns(train_once), "dnn_raw");
    dnn("DNNRegressor [128 64 32], engineered", engineered_columns(train_once), "dnn_engineered");

    const Result* best = &results[0];
    for (const auto& r : results) if (r.valid < best->valid) best = &r;
    std::printf("\n%-38s %12s %12s %10s\n", "model", "valid RMSE", "test RMSE", "best step");
    for (const auto& r : results)
      std::printf("%-38s %12.3f %12.3f %10s\n", r.model.c_str(), r.valid, r.test,
                  r.best_step < 0 ? "-" : std::to_string(r.best_step).c_str());
    std::printf("\nchosen by validation RMSE: %s, test RMSE $%.2f\n", best->model.c_str(), best->test);
    if (!json_path.empty()) {
      nlohmann::json j;
      for (const auto& r : results) j["models"].push_back({{"model", r.model}, {"valid_rmse", r.valid}, {"test_rmse", r.test}, {"best_step", r.best_step < 0 ? nlohmann::json() : nlohmann::json(r.best_step)}});
      j["chosen"] = best->model;
      j["rows"] = generate;  // 0 when the rides came from files
      std::ofstream(json_path) << j.dump(2);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
