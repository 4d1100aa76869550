// A training process for the kill-and-resume test: train_and_evaluate of a DNNRegressor on a
// taxi CSV for EPOCHS epochs, checkpointed every 50 steps in MODEL_DIR and evaluated on the same
// file every 100 (continuing the run there when one exists), sleeping STEP_DELAY_MS after each
// step so that a run lasts at least that long per step whatever the machine. Writes the global
// step, the best model's RMSE, its step and the number of evaluations as JSON.
//   resumable_trainer MODEL_DIR DATA_CSV EPOCHS RESULT_JSON STEP_DELAY_MS
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>

#include "estimator/train_and_evaluate.h"

using namespace tg;
using namespace tg::estimator;

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: resumable_trainer MODEL_DIR DATA_CSV EPOCHS RESULT_JSON STEP_DELAY_MS\n");
    return 2;
  }
  try {
    const char* names[] = {"fare_amount", "pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers", "key"};
    std::vector<data::ColumnSpec> cols;
    for (const char* n : names) cols.push_back({n, std::string(n) == "key" ? DType::Int64 : DType::Float32});
    auto input = [&](int64_t epochs, bool shuffle) {
      data::DatasetOptions o;
      o.files = {argv[2]};
      o.batch_size = 128;
      o.epochs = epochs;
      o.shuffle_buffer = shuffle ? 5000 : 0;
      o.seed = 7;
      o.on_epoch_end = [](const data::EpochStats&) {};
      return csv_input(data::CsvDataset(o, data::CsvSchema(cols)));
    };
    std::vector<std::string> features{"pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers"};
    auto norms = compute_normalizers(input(1, false), features);
    std::vector<Column> columns;
    for (const auto& f : features) columns.push_back(numeric_column(f, norms[f]));
    ModelSpec s;
    s.dnn_columns = columns;
    s.hidden_units = {128, 64};
    s.dnn_optimizer = "adam";
    s.dnn_learning_rate = 1e-3;
    s.label_column = "fare_amount";
    RunConfig cfg;
    cfg.model_dir = argv[1];
    cfg.save_checkpoints_steps = 50;
    cfg.log_step_count_steps = 0;
    Estimator est(s, cfg);
    auto delay = std::chrono::milliseconds(std::stoll(argv[5]));
    TrainSpec train{input(std::stoll(argv[3]), true), -1,
                    [&](int64_t, double, const data::Batch&) { std::this_thread::sleep_for(delay); }};
    EvalSpec eval{.input = input(1, false), .steps = -1, .every_steps = 100, .every_secs = 0, .metric = "rmse", .higher_is_better = false, .early_stopping_patience = 0};
    auto r = train_and_evaluate(est, train, eval);
    std::ofstream(argv[4]) << "{\"global_step\": " << est.global_step() << ", \"best_rmse\": " << r.best.result["rmse"]
                           << ", \"best_step\": " << r.best.step << ", \"evaluations\": " << r.history.size() << "}\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
