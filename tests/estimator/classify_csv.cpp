// Trains a canned estimator on a CSV with a header (feature columns, then the label), then
// writes its test-set predictions and its own metrics, for the Python checks against
// scikit-learn (tests/python/).
//   classify_csv --train T.csv --test E.csv --task binary|multiclass|regression [--n_classes N]
//                --predictions P.csv --metrics M.json [--epochs 40]
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>

#include "base/log.h"
#include "estimator/estimator.h"

using namespace tg;
using namespace tg::estimator;

int main(int argc, char** argv) {
  CLI::App app{"train a canned estimator on a CSV and write predictions and metrics"};
  std::string train_f, test_f, task, pred_f, metrics_f;
  int64_t n_classes = 2;
  int epochs = 40;
  app.add_option("--train", train_f)->required();
  app.add_option("--test", test_f)->required();
  app.add_option("--task", task)->required()->check(CLI::IsMember({"binary", "multiclass", "regression"}));
  app.add_option("--n_classes", n_classes);
  app.add_option("--predictions", pred_f)->required();
  app.add_option("--metrics", metrics_f)->required();
  app.add_option("--epochs", epochs);
  CLI11_PARSE(app, argc, argv);
  try {
    set_log_level(LogLevel::Warn);
    auto names = data::read_header(train_f);
    std::vector<data::ColumnSpec> cols;
    for (size_t i = 0; i + 1 < names.size(); ++i) cols.push_back({names[i], DType::Float32});
    cols.push_back({names.back(), task == "multiclass" ? DType::Int64 : DType::Float32});
    auto input = [&](const std::string& f, int64_t batch, int64_t ep, bool shuffle) {
      data::DatasetOptions o;
      o.files = {f};
      o.header = true;
      o.batch_size = batch;
      o.epochs = ep;
      o.shuffle_buffer = shuffle ? 10000 : 0;
      o.seed = 3;
      return csv_input(data::CsvDataset(o, data::CsvSchema(cols)));
    };
    std::vector<std::string> features(names.begin(), names.end() - 1);
    auto norms = compute_normalizers(input(train_f, 4096, 1, false), features);
    std::vector<Column> columns;
    for (const auto& f : features) columns.push_back(numeric_column(f, norms[f]));
    ModelSpec s;
    s.head = task == "regression" ? Head::regression() : task == "binary" ? Head::binary() : Head::multi_class(n_classes);
    s.dnn_columns = columns;
    s.hidden_units = {64, 32};
    s.dnn_optimizer = "adam";
    s.dnn_learning_rate = 1e-3;
    s.label_column = names.back();
    RunConfig cfg;
    cfg.log_step_count_steps = 0;
    Estimator est(s, cfg);
    est.train(input(train_f, 32, epochs, true));
    EvalResult r = est.evaluate(input(test_f, 128, 1, false));
    auto preds = est.predict(input(test_f, 128, 1, false));
    std::ofstream p(pred_f);
    p << "value,class_id,probability\n";
    for (const auto& x : preds)
      p << x.value << "," << x.class_id << "," << (x.probabilities.size() == 2 ? x.probabilities[1] : 0.f) << "\n";
    nlohmann::json j;
    for (const auto& [k, v] : r.metrics) j["metrics"][k] = v;
    j["confusion"] = r.confusion;
    std::ofstream(metrics_f) << j.dump(2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
