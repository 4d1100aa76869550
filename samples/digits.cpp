// Handwritten digits (8x8 grey levels, ten classes) with a softmax DNNClassifier. The data is
// scikit-learn's copy of the UCI digits, read from the file the package ships:
//   sample_digits --data "$(python3 -c 'import sklearn.datasets as d, os;
//                  print(os.path.join(os.path.dirname(d.__file__), "data", "digits.csv.gz"))')"
// (64 pixel columns then the digit, no header; gzip or plain CSV).
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <random>
#include <sstream>

#include "base/log.h"
#include "estimator/estimator.h"

using namespace tg;
using namespace tg::estimator;

namespace {

std::string read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  TG_CHECK(f != nullptr, "cannot open '", path, "'");
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(f);
  TG_CHECK(n == 0, "'", path, "' is not readable gzip or text");
  return out;
}

// Rows shuffled with a seed, the last `test_share` kept apart.
std::pair<MemoryData, MemoryData> load(const std::string& path, double test_share) {
  std::istringstream in(read_gz(path));  // gzread passes plain files through unchanged
  std::vector<std::vector<float>> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<float> r;
    std::istringstream fields(line);
    std::string v;
    while (std::getline(fields, v, ',')) r.push_back(std::stof(v));
    TG_CHECK(r.size() == 65, path, ":", rows.size() + 1, ": expected 65 fields, found ", r.size());
    rows.push_back(r);
  }
  std::shuffle(rows.begin(), rows.end(), std::mt19937_64(7));
  auto part = [&](size_t from, size_t to) {
    MemoryData d;
    int64_t n = static_cast<int64_t>(to - from);
    for (int p = 0; p < 64; ++p) {
      Tensor t(DType::Float32, {n});
      for (int64_t i = 0; i < n; ++i) t.data<float>()[i] = rows[from + static_cast<size_t>(i)][static_cast<size_t>(p)] / 16.f;
      d.names.push_back("pixel" + std::to_string(p));
      d.columns.push_back(t);
    }
    Tensor label(DType::Int64, {n});
    for (int64_t i = 0; i < n; ++i) label.data<int64_t>()[i] = static_cast<int64_t>(rows[from + static_cast<size_t>(i)][64]);
    d.names.push_back("digit");
    d.columns.push_back(label);
    return d;
  };
  size_t cut = static_cast<size_t>(static_cast<double>(rows.size()) * (1 - test_share));
  return {part(0, cut), part(cut, rows.size())};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"handwritten digits with a softmax DNN classifier"};
  std::string path;
  app.add_option("--data", path, "scikit-learn's digits.csv.gz (or a plain CSV of the same columns)")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    set_log_level(LogLevel::Warn);
    auto [train, test] = load(path, 0.25);
    std::vector<Column> pixels;
    for (int p = 0; p < 64; ++p) pixels.push_back(numeric_column("pixel" + std::to_string(p)));
    ModelSpec s;
    s.head = Head::multi_class(10);
    s.dnn_columns = pixels;
    s.hidden_units = {128, 64};
    s.dnn_optimizer = "adam";
    s.dnn_learning_rate = 2e-3;
    s.label_column = "digit";
    RunConfig cfg;
    cfg.log_step_count_steps = 0;
    Estimator est(s, cfg);
    est.train(memory_input(train, 32, 40, true, 1));
    EvalResult r = est.evaluate(memory_input(test, 512));
    std::printf("%ld training and %ld test images; test accuracy %.2f%%\n\nconfusion matrix (rows: actual digit)\n",
                static_cast<long>(train.rows()), static_cast<long>(test.rows()), 100 * r["accuracy"]);
    std::printf("    ");
    for (int c = 0; c < 10; ++c) std::printf("%4d", c);
    std::printf("\n");
    for (int a = 0; a < 10; ++a) {
      std::printf("%4d", a);
      for (int c = 0; c < 10; ++c) std::printf("%4ld", static_cast<long>(r.confusion[static_cast<size_t>(a)][static_cast<size_t>(c)]));
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
