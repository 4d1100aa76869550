// The training workflow as a user meets it, through the tg program: data with a header and a
// timestamp, one contract for predictions, the best model's step, model selection, messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_tg.h"
#include "tensorboard.pb.h"  // generated from estimator/proto/tensorboard.proto
#include "test_dirs.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using tg::test::Result;

Result tg(const std::string& args) { return tg::test::run_tg(args); }

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
Json json_of(const fs::path& p) { return Json::parse(slurp(p)); }
void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> r;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) r.push_back(l);
  return r;
}
bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// The (step, value) points of a scalar in a TensorBoard run's event files.
std::vector<std::pair<int64_t, float>> scalar_points(const fs::path& run, const std::string& tag) {
  std::vector<std::pair<int64_t, float>> r;
  for (const auto& e : fs::directory_iterator(run)) {
    std::string data = slurp(e.path());
    for (size_t at = 0; at + 12 <= data.size();) {
      uint64_t n;
      std::memcpy(&n, data.data() + at, 8);
      if (at + 12 + n + 4 > data.size()) break;
      tg::tensorboard::Event ev;
      if (ev.ParseFromArray(data.data() + at + 12, static_cast<int>(n)) && ev.has_summary())
        for (const auto& v : ev.summary().value())
          if (v.tag() == tag) r.emplace_back(ev.step(), v.simple_value());
      at += 12 + n + 4;
    }
  }
  return r;
}

// Generated rides with a header and a pickup timestamp, split 80/20, once per process.
const fs::path& timed_files() {
  static fs::path d = [] {
    fs::path dir = tg::test::fresh_dir("workflow_timed");
    Result g = tg("generate-taxi --rows 8000 --seed 21 --header --timestamps --output " + q(dir / "all.csv"));
    EXPECT_EQ(g.status, 0) << g.output;
    Result s = tg("split " + q(dir / "all.csv") + " --header --taxi_filters --fractions 0.8,0.2 --seed 2 --output_prefix " +
                  q(dir / "taxi"));
    EXPECT_EQ(s.status, 0) << s.output;
    return dir;
  }();
  return d;
}

// Item 3: the generator's header and timestamps.
TEST(TgWorkflow, GeneratorWritesAHeaderAndTimestamps) {
  const fs::path& d = timed_files();
  auto lines = lines_of(slurp(d / "all.csv"));
  ASSERT_GT(lines.size(), 8000u);
  EXPECT_EQ(lines[0], "fare_amount,pickup_datetime,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key");
  EXPECT_TRUE(has(lines[1], " UTC,")) << lines[1];
  // Without the options the file is the course's: no header, no timestamp.
  fs::path plain = d / "plain.csv";
  ASSERT_EQ(tg("generate-taxi --rows 5 --output " + q(plain)).status, 0);
  auto p = lines_of(slurp(plain));
  EXPECT_EQ(std::count(p[0].begin(), p[0].end(), ','), 6);
  EXPECT_FALSE(has(p[0], "UTC"));
}

// Item 4: split by column name with a header, the header in every output, fractions with a comma,
// and a header line never shuffled into the data.
TEST(TgWorkflow, SplitWithAHeader) {
  const fs::path& d = timed_files();
  auto train = lines_of(slurp(d / "taxi-train.csv")), valid = lines_of(slurp(d / "taxi-valid.csv"));
  EXPECT_FALSE(fs::exists(d / "taxi-test.csv"));
  ASSERT_GT(train.size(), 6000u);  // the filters kept the rows (they dropped every one before)
  EXPECT_GT(valid.size(), 1500u);
  EXPECT_EQ(train[0], valid[0]);
  EXPECT_TRUE(has(train[0], "fare_amount"));
  for (size_t i = 1; i < train.size(); ++i) ASSERT_FALSE(has(train[i], "fare_amount")) << i;
  Result r = tg("split " + q(d / "all.csv") + " --output_prefix " + q(d / "noheader"));
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(has(r.output, "starts with a header line")) << r.output;
  EXPECT_TRUE(has(r.output, "--header")) << r.output;
  // A header without the taxi columns is named.
  write(d / "other.csv", "a,b\n1,2\n");
  r = tg("split " + q(d / "other.csv") + " --header --taxi_filters --output_prefix " + q(d / "other"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "no column 'fare_amount' (its columns: a, b)")) << r.output;
}

std::string train_args(const fs::path& d, const fs::path& out) {
  return "train --train_data_paths " + q(d / "taxi-train.csv") + " --eval_data_paths " + q(d / "taxi-valid.csv") +
         " --output_dir " + q(out) + " --label_column fare_amount --optimizer adam --learning_rate 0.01 --hidden_units '32 16'"
         " --batch_size 64";
}

// Item 2: --header infers numbers and strings; --columns changes only the columns it names;
// a missing label lists the columns read.
TEST(TgWorkflow, HeaderInfersColumnTypes) {
  const fs::path& d = timed_files();
  fs::path out = d / "header_model";
  Result t = tg(train_args(d, out) + " --header --columns key:skip --num_epochs 1");
  ASSERT_EQ(t.status, 0) << t.output;
  Json saved = json_of(out / "tg_spec.json");
  Json cols = saved["spec"]["columns"];
  ASSERT_EQ(cols.size(), 8u);
  EXPECT_EQ(cols[1]["name"], "pickup_datetime");
  EXPECT_EQ(cols[1]["dtype"], "string");
  EXPECT_EQ(cols[7]["skip"], true);
  EXPECT_FALSE(cols[2].contains("dtype"));  // float32
  std::vector<std::string> features;
  for (const auto& f : saved["spec"]["features"]) features.push_back(f["name"]);
  EXPECT_EQ(features, (std::vector<std::string>{"pickuplon", "pickuplat", "dropofflon", "dropofflat", "passengers"}));
  std::string args = train_args(d, d / "nolabel");
  args.replace(args.find("--label_column fare_amount"), 26, "--label_column fare");
  Result r = tg(args + " --header");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "'fare' is not among the columns read: fare_amount, pickup_datetime, pickuplon")) << r.output;
  EXPECT_FALSE(fs::exists(d / "nolabel"));
}

std::string spec_json(bool time_features) {
  Json spec = {{"header", true},
               {"columns", {{{"name", "key"}, {"skip", true}}}},
               {"label", "fare_amount"},
               {"baseline", {{"type", "distance"}, {"inputs", {"pickuplon", "pickuplat", "dropofflon", "dropofflat"}}}},
               {"features",
                {{{"type", "numeric"}, {"name", "pickuplon"}},
                 {{"type", "numeric"}, {"name", "pickuplat"}},
                 {{"type", "numeric"}, {"name", "dropofflon"}},
                 {{"type", "numeric"}, {"name", "dropofflat"}},
                 {{"type", "euclidean"}, {"name", "dist"}, {"inputs", {"pickuplon", "pickuplat", "dropofflon", "dropofflat"}}}}}};
  if (time_features) {
    spec["features"].push_back({{"type", "datetime"}, {"name", "pickup_datetime"}, {"parts", {"hour", "dayofweek"}}});
    spec["features"].push_back(
        {{"type", "crossed"}, {"buckets", 168}, {"embedding", 4},
         {"columns", {{{"type", "datetime"}, {"name", "pickup_datetime"}, {"part", "dayofweek"}},
                      {{"type", "datetime"}, {"name", "pickup_datetime"}, {"part", "hour"}}}}});
  }
  return spec.dump(2);
}

// Items 1 and 8: on data whose fares depend on the hour, the time features lower the
// validation RMSE; both runs print the baselines beside the model.
TEST(TgWorkflow, TimeFeaturesLowerTheValidationRmse) {
  const fs::path& d = timed_files();
  write(d / "spec_plain.json", spec_json(false));
  write(d / "spec_time.json", spec_json(true));
  double rmse[2];
  for (int k = 0; k < 2; ++k) {
    fs::path out = d / (k ? "time_model" : "plain_model");
    Result t = tg(train_args(d, out) + " --spec " + q(d / (k ? "spec_time.json" : "spec_plain.json")) + " --num_epochs 12");
    ASSERT_EQ(t.status, 0) << t.output;
    EXPECT_TRUE(has(t.output, "training mean")) << t.output;
    EXPECT_TRUE(has(t.output, "distance heuristic")) << t.output;
    Json m = json_of(out / "metrics.json");
    rmse[k] = m["rmse"];
    EXPECT_LT(rmse[k], m["baseline_rmse/training_mean"].get<double>());
  }
  std::printf("validation RMSE without time features %.4f, with %.4f\n", rmse[0], rmse[1]);
  EXPECT_LT(rmse[1], rmse[0] - 0.1) << rmse[0] << " " << rmse[1];
  // The export takes the raw timestamp string, and the ONNX export refuses it by name.
  fs::path exp = d / "time_export";
  Result t = tg(train_args(d, d / "time_model") + " --spec " + q(d / "spec_time.json") + " --num_epochs 12 --export_dir " + q(exp));
  ASSERT_EQ(t.status, 0) << t.output;
  Result p = tg("predict --model_dir " + q(exp) + " --input " + q(d / "taxi-valid.csv") + " --format json --key_column key");
  ASSERT_EQ(p.status, 0) << p.output;
  EXPECT_TRUE(has(p.output, "\"predictions\":")) << p.output.substr(0, 300);
  Result o = tg("export-onnx --model_dir " + q(exp) + " --output " + q(d / "time.onnx"));
  EXPECT_EQ(o.status, 1);
  EXPECT_TRUE(has(o.output, "pickup_datetime_hour/TimestampPart' (op TimestampPart")) << o.output;
  // A bad timestamp while training names the file, the line and the column.
  std::string bad = slurp(d / "taxi-valid.csv");
  size_t at = bad.find(" UTC", bad.find('\n') + 1);
  size_t start = bad.rfind(',', at) + 1;
  bad.replace(start, at + 4 - start, "soon");
  write(d / "bad-valid.csv", bad);
  Result b = tg("train --train_data_paths " + q(d / "taxi-train.csv") + " --eval_data_paths " + q(d / "bad-valid.csv") +
                " --output_dir " + q(d / "bad_model") + " --label_column fare_amount --spec " + q(d / "spec_time.json") +
                " --num_epochs 1");
  EXPECT_EQ(b.status, 1);
  EXPECT_TRUE(has(b.output, "bad-valid.csv:2: column 2 (pickup_datetime): 'soon' is not a timestamp")) << b.output;
  EXPECT_FALSE(fs::exists(d / "bad_model"));
}

// Item 5: the same input, the same output names, for a training directory and an export.
TEST(TgWorkflow, PredictTakesTheSameInputFromATrainingDirectoryAndAnExport) {
  fs::path d = tg::test::fresh_dir("workflow_predict");
  ASSERT_EQ(tg("generate-taxi --rows 3000 --seed 4 --output " + q(d / "all.csv")).status, 0);
  ASSERT_EQ(tg("split " + q(d / "all.csv") + " --fractions 0.8,0.2 --output_prefix " + q(d / "taxi")).status, 0);
  Result t = tg(train_args(d, d / "model") + " --columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key:skip"
                " --num_epochs 2 --export_dir " + q(d / "export"));
  ASSERT_EQ(t.status, 0) << t.output;
  // The same rows: without a header, with the label; without the label; with a header in
  // another column order and an extra column.
  auto rows = lines_of(slurp(d / "taxi-valid.csv"));
  rows.resize(5);
  std::string with_label, without_label, named = "key,extra,passengers,dropofflat,dropofflon,pickuplat,pickuplon\n";
  for (const auto& r : rows) {
    std::vector<std::string> f;
    std::stringstream in(r);
    for (std::string x; std::getline(in, x, ',');) f.push_back(x);
    with_label += r + "\n";
    without_label += r.substr(r.find(',') + 1) + "\n";
    named += f[6] + ",x," + f[5] + "," + f[4] + "," + f[3] + "," + f[2] + "," + f[1] + "\n";
  }
  write(d / "with_label.csv", with_label);
  write(d / "without_label.csv", without_label);
  write(d / "named.csv", named);
  std::string first;
  for (const char* model : {"model", "export"})
    for (const char* input : {"with_label.csv", "without_label.csv", "named.csv"})
      for (const char* format : {"csv", "json"}) {
        Result p = tg("predict --model_dir " + q(d / model) + " --input " + q(d / input) + " --key_column key --format " + format);
        ASSERT_EQ(p.status, 0) << model << " " << input << "\n" << p.output;
        auto out = lines_of(p.output);
        std::vector<std::string> csv;
        for (const auto& l : out)
          if (l.rfind("[tg ", 0) != 0) csv.push_back(l);
        if (std::string(format) == "csv") {
          ASSERT_EQ(csv.size(), 6u) << p.output;
          EXPECT_EQ(csv[0], "key,predictions");
          // Keys pass through; predictions agree (to float printing) whatever the source.
          std::string key = csv[1].substr(0, csv[1].find(','));
          EXPECT_EQ(key, rows[0].substr(rows[0].rfind(',') + 1));
          std::string value = csv[1].substr(csv[1].find(',') + 1);
          if (first.empty()) first = value;
          EXPECT_NEAR(std::stod(value), std::stod(first), 1e-4) << model << " " << input;
        } else {
          ASSERT_EQ(csv.size(), 5u) << p.output;
          Json j = Json::parse(csv[0]);
          EXPECT_TRUE(j.contains("predictions") && j.contains("key")) << csv[0];
          EXPECT_EQ(j.size(), 2u) << csv[0];
        }
      }
}

// Items 6 and 7: the best model's step everywhere; evaluate and predict leave the training
// run's TensorBoard folders alone, and evaluate logs the checkpoint it restored.
TEST(TgWorkflow, TheBestModelsStepIsItsStepEverywhere) {
  fs::path d = tg::test::fresh_dir("workflow_best");
  ASSERT_EQ(tg("generate-taxi --rows 2000 --seed 6 --output " + q(d / "all.csv")).status, 0);
  ASSERT_EQ(tg("split " + q(d / "all.csv") + " --output_prefix " + q(d / "taxi")).status, 0);
  fs::path out = d / "model", exp = d / "export";
  // A learning rate that jumps after step 60 spoils the later models: the best is an early one.
  Result t = tg(train_args(d, out) + " --columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key:skip"
                " --num_epochs 8 --eval_every_steps 20 --learning_rate_decay piecewise_constant --lr_boundaries 60"
                " --lr_values 1,100 --export_dir " + q(exp));
  ASSERT_EQ(t.status, 0) << t.output;
  Json m = json_of(out / "metrics.json"), h = json_of(out / "history.json");
  int64_t best = m["best_step"];
  EXPECT_EQ(m["global_step"].get<int64_t>(), best);
  EXPECT_EQ(h["best_step"].get<int64_t>(), best);
  EXPECT_GT(h["last_step"].get<int64_t>(), best) << t.output;
  EXPECT_TRUE(has(t.output, "best model at step " + std::to_string(best) + " of " + std::to_string(h["last_step"].get<int64_t>())))
      << t.output;
  EXPECT_TRUE(fs::is_directory(exp / std::to_string(best))) << t.output;
  Json model = json_of(exp / std::to_string(best) / "model.json");
  EXPECT_EQ(model["metadata"]["global_step"].get<int64_t>(), best);
  EXPECT_TRUE(has(t.output, "exported the best model (step " + std::to_string(best) + ")"));
  // TensorBoard's eval_best run: one point, at the best step, with its RMSE.
  auto points = scalar_points(out / "eval_best", "rmse");
  ASSERT_EQ(points.size(), 1u);
  EXPECT_EQ(points[0].first, best);
  EXPECT_NEAR(points[0].second, m["rmse"].get<double>(), 1e-4);

  auto listing = [&] {
    std::vector<std::string> r;
    for (const auto& e : fs::recursive_directory_iterator(out)) r.push_back(e.path().string());
    std::sort(r.begin(), r.end());
    return r;
  };
  auto before = listing();
  Result e = tg("evaluate --model_dir " + q(out) + " --eval_data_paths " + q(d / "taxi-test.csv"));
  ASSERT_EQ(e.status, 0) << e.output;
  EXPECT_TRUE(has(e.output, "using the best model, step " + std::to_string(best) + ": ")) << e.output;
  EXPECT_TRUE(has(e.output, "/best/ckpt-" + std::to_string(best))) << e.output;
  Result p = tg("predict --model_dir " + q(out) + " --input " + q(d / "taxi-test.csv"));
  ASSERT_EQ(p.status, 0) << p.output;
  EXPECT_EQ(listing(), before);
}

// Item 8: model selection by any metric, with its direction, and a binary threshold.
TEST(TgWorkflow, ModelSelectionByAnyMetric) {
  fs::path d = tg::test::fresh_dir("workflow_metric");
  std::string text;
  uint64_t s = 7;
  for (int i = 0; i < 1200; ++i) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double a = static_cast<double>(s >> 40) / (1 << 24) * 4 - 2;
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    double b = static_cast<double>(s >> 40) / (1 << 24) * 4 - 2;
    int label = a + 0.5 * b + 0.3 * ((i % 7) - 3) / 3.0 > 0.4 ? 1 : 0;
    char line[64];
    std::snprintf(line, sizeof line, "%.4f,%.4f,%d\n", a, b, label);
    text += line;
  }
  write(d / "data.csv", "a,b,label\n" + text);
  std::string base = "train --train_data_paths " + q(d / "data.csv") + " --eval_data_paths " + q(d / "data.csv") +
                     " --header --label_column label --task binary --hidden_units 8 --num_epochs 3 --output_dir ";
  Result r = tg(base + q(d / "recall") + " --eval_metric recall --threshold 0.3");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "(by recall)")) << r.output;
  Json h = json_of(d / "recall" / "history.json");
  EXPECT_EQ(h["metric"], "recall");
  EXPECT_EQ(json_of(d / "recall" / "tg_spec.json")["model"]["threshold"], 0.3);
  double best = 0;
  for (const auto& e : h["eval"]) best = std::max(best, e["metrics"]["recall"].get<double>());
  EXPECT_DOUBLE_EQ(json_of(d / "recall" / "best" / "metrics.json")["metrics"]["recall"].get<double>(), best);
  Result bad = tg(base + q(d / "bad") + " --eval_metric rmse");
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(has(bad.output, "a binary model reports no 'rmse'; it can be one of auc, ")) << bad.output;
  EXPECT_FALSE(fs::exists(d / "bad"));
}

// Item 9: regularization, learning-rate decay, clipping and batch normalization from the CLI.
TEST(TgWorkflow, RegularizationDecayClippingAndBatchNorm) {
  const fs::path& d = timed_files();
  fs::path out = d / "regularized";
  Result t = tg(train_args(d, out) + " --header --num_epochs 2 --l1 0.0001 --l2 0.001 --clip_norm 5 --batch_norm"
                " --learning_rate_decay exponential --decay_steps 50 --decay_rate 0.5");
  ASSERT_EQ(t.status, 0) << t.output;
  Json m = json_of(out / "tg_spec.json")["model"];
  EXPECT_EQ(m["l1"], 0.0001);
  EXPECT_EQ(m["l2"], 0.001);
  EXPECT_EQ(m["clip_norm"], 5.0);
  EXPECT_EQ(m["batch_norm"], true);
  EXPECT_EQ(m["learning_rate_decay"]["type"], "exponential");
  Result e = tg("evaluate --model_dir " + q(out) + " --eval_data_paths " + q(d / "taxi-valid.csv"));
  ASSERT_EQ(e.status, 0) << e.output;
  Result bad = tg(train_args(d, d / "bad_decay") + " --header --learning_rate_decay piecewise_constant --lr_boundaries 10,20 --lr_values 1");
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(has(bad.output, "1 --lr_values for 2 --lr_boundaries")) << bad.output;
}

// Item 10: small data is evaluated every epoch by default, and --help shows every default.
TEST(TgWorkflow, DefaultsEvaluateEveryEpochAndAreShown) {
  fs::path d = tg::test::fresh_dir("workflow_defaults");
  ASSERT_EQ(tg("generate-taxi --rows 1500 --seed 8 --output " + q(d / "all.csv")).status, 0);
  ASSERT_EQ(tg("split " + q(d / "all.csv") + " --output_prefix " + q(d / "taxi")).status, 0);
  Result t = tg(train_args(d, d / "model") + " --columns fare_amount,pickuplon,pickuplat,dropofflon,dropofflat,passengers,key:skip"
                " --num_epochs 4");
  ASSERT_EQ(t.status, 0) << t.output;
  EXPECT_EQ(json_of(d / "model" / "history.json")["eval"].size(), 4u);
  Result h = tg("train --help");
  for (const char* s : {"--eval_every_secs", "=1000", "=128", "=128 64 32", "=dnn", "=regression", "docs/spec.md",
                        "--eval_metric", "--threshold", "--l1", "--l2", "--clip_norm", "--batch_norm", "--learning_rate_decay"})
    EXPECT_TRUE(has(h.output, s)) << s << "\n" << h.output;
}

// Item 11: spec errors name the feature and the key; a failed run leaves nothing behind;
// exit codes are the README's.
TEST(TgWorkflow, ErrorsNameWhatIsWrongAndLeaveNothingBehind) {
  const fs::path& d = timed_files();
  write(d / "spec_bad.json", R"({"header": true, "label": "fare_amount", "features": [{"type": "bucketized", "boundaries": [40.7]}]})");
  Result r = tg(train_args(d, d / "spec_bad_model") + " --spec " + q(d / "spec_bad.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "a 'bucketized' feature has no \"input\"")) << r.output;
  EXPECT_FALSE(has(r.output, "json.exception")) << r.output;
  EXPECT_FALSE(fs::exists(d / "spec_bad_model"));
  write(d / "spec_bad2.json", R"({"header": true, "label": "fare_amount", "features": [{"type": "datetime", "name": "pickup_datetime", "parts": ["hour", "week"]}]})");
  r = tg(train_args(d, d / "spec_bad_model") + " --spec " + q(d / "spec_bad2.json"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "timestamp part 'week' is not one of hour, dayofweek")) << r.output;
  // An existing directory keeps what it held, and gets no tg_spec.json.
  fs::create_directories(d / "existing");
  write(d / "existing" / "notes.txt", "mine");
  std::string args = train_args(d, d / "existing");
  args.replace(args.find("--label_column fare_amount"), 26, "--label_column nope");
  r = tg(args + " --header");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(fs::exists(d / "existing" / "notes.txt"));
  EXPECT_FALSE(fs::exists(d / "existing" / "tg_spec.json"));
  for (const std::string& c : {"evaluate --model_dir /nonexistent/model --eval_data_paths x.csv",
                               "predict --model_dir /nonexistent/model --input x.csv", "report /nonexistent/model",
                               "split /nonexistent.csv --output_prefix /tmp/x"}) {
    Result m = tg(c);
    EXPECT_EQ(m.status, 1) << c << "\n" << m.output;
    EXPECT_TRUE(has(m.output, "nonexistent")) << m.output;
    EXPECT_EQ(std::count(m.output.begin(), m.output.end(), '\n'), 1) << m.output;
  }
}

// Item 13: the spec's documentation describes every feature type with an example; the README
// says where tg is after the build.
TEST(TgWorkflow, DocsDescribeEveryFeatureType) {
  std::string spec = slurp(fs::path(TG_SOURCE_DIR) / "docs" / "spec.md");
  for (const char* type : {"numeric", "difference", "euclidean", "datetime", "bucketized", "vocabulary", "hash", "identity",
                           "crossed"}) {
    EXPECT_TRUE(has(spec, std::string("### ") + type)) << type;
    EXPECT_TRUE(has(spec, std::string("{\"type\": \"") + type + "\"")) << type;
  }
  std::string readme = slurp(fs::path(TG_SOURCE_DIR) / "README.md");
  EXPECT_TRUE(has(readme, "build/tools/tg"));
  EXPECT_TRUE(has(readme, "PATH"));
  EXPECT_TRUE(has(readme, "docs/spec.md"));
}

}  // namespace
