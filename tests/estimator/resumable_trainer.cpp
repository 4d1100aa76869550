// A training process for the kill-and-resume test: trains a DNNRegressor on a taxi CSV with
// checkpoints in model_dir up to max_steps (resuming from the latest checkpoint when one
// exists), then writes the global step and the RMSE on the same file as JSON.
//   resumable_trainer MODEL_DIR DATA_CSV MAX_STEPS RESULT_JSON
#include <cstdio>
#include <fstream>

#include "estimator/estimator.h"

using namespace tg;
using namespace tg::estimator;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: resumable_trainer MODEL_DIR DATA_CSV MAX_STEPS RESULT_JSON\n");
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
    cfg.save_checkpoints_steps = 200;
    cfg.log_step_count_steps = 0;
    Estimator est(s, cfg);
    est.train(input(-1, true), -1, std::stoll(argv[3]));
    EvalResult r = est.evaluate(input(1, false));
    std::ofstream(argv[4]) << "{\"global_step\": " << est.global_step() << ", \"rmse\": " << r["rmse"] << "}\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
