// Embedding tensorgraph: a graph trained a few steps, an estimator trained from a CSV file and
// evaluated, then its export loaded and asked for predictions. Built against the installed
// package only (CMake's find_package(tensorgraph), or pkg-config). Exits non-zero when a
// result is wrong.
//   embed WORK_DIR
#include <tensorgraph/estimator/estimator.h>
#include <tensorgraph/graph/ops.h>
#include <tensorgraph/graph/optimizers.h>
#include <tensorgraph/runtime/session.h>
#include <tensorgraph/serving/predictor.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace {

bool check(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
  return ok;
}

// y = 3x - 2 fitted by gradient descent on a placeholder-fed graph.
bool graph_trains() {
  using namespace tg;
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 1}, "x");
  Output y = ops::placeholder(g, DType::Float32, {-1, 1}, "y");
  Output w = ops::variable(g, {1, 1}, DType::Float32, ops::Initializer::zeros(), "w");
  Output b = ops::variable(g, {1}, DType::Float32, ops::Initializer::zeros(), "b");
  Output loss = ops::mean_squared_error(y, ops::bias_add(ops::matmul(x, w), b));
  GradientDescentOptimizer sgd(ops::scalar(g, 0.1, DType::Float32));
  Node* train = sgd.minimize(loss);
  std::vector<float> xs, ys;
  for (int i = 0; i < 64; ++i) {
    xs.push_back(static_cast<float>(i) / 32.0f - 1.0f);
    ys.push_back(3 * xs.back() - 2);
  }
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  FeedList feeds{{x, Tensor::from_vector<float>({64, 1}, xs)}, {y, Tensor::from_vector<float>({64, 1}, ys)}};
  double first = s.run(feeds, {loss})[0].scalar_as_double();
  for (int step = 0; step < 300; ++step) s.run(feeds, {}, {train});
  double last = s.run(feeds, {loss})[0].scalar_as_double();
  double wv = s.variable_value(w).to_vector<float>()[0];
  std::printf("graph: loss %.4f -> %.6f, w = %.4f\n", first, last, wv);
  return check(last < first * 1e-3 && std::abs(wv - 3) < 0.01, "a graph trains in a session");
}

// label = 2a - b + noise, from a CSV file with a header.
std::string write_csv(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::string path = (dir / "train.csv").string();
  std::ofstream out(path);
  out << "a,b,label\n";
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  std::normal_distribution<double> noise(0, 0.01);
  for (int i = 0; i < 2000; ++i) {
    double a = u(rng), b = u(rng);
    out << a << "," << b << "," << 2 * a - b + noise(rng) << "\n";
  }
  return path;
}

bool estimator_trains_and_serves(const std::filesystem::path& work) {
  using namespace tg;
  using namespace tg::estimator;
  std::string csv = write_csv(work);
  data::DatasetOptions o;
  o.files = {csv};
  o.header = true;
  o.batch_size = 32;
  o.epochs = 20;
  o.shuffle_buffer = 1000;
  data::CsvSchema schema({{.name = "a"}, {.name = "b"}, {.name = "label"}});
  InputFn train = csv_input(data::CsvDataset(o, schema));
  o.epochs = 1;
  o.shuffle_buffer = 0;
  InputFn eval = csv_input(data::CsvDataset(o, schema));

  RunConfig config;
  config.model_dir = (work / "model").string();
  config.overwrite = true;
  Estimator est = LinearRegressor({numeric_column("a"), numeric_column("b")}, config);
  est.train(train);
  double rmse = est.evaluate(eval).metrics.at("rmse");
  std::printf("estimator: rmse %.4f after %lld steps\n", rmse, static_cast<long long>(est.global_step()));
  bool ok = check(rmse < 0.1, "an estimator trains from a CSV file");

  std::string version = est.export_model((work / "export").string());
  auto predictor = serving::Predictor::load(version);
  auto out = predictor->predict({{"a", Tensor::from_vector<float>({2}, {0.5f, -0.25f})},
                                 {"b", Tensor::from_vector<float>({2}, {0.0f, 0.5f})}});
  auto it = out.find("predictions");
  ok = check(it != out.end(), "the export predicts") && ok;
  if (it != out.end()) {
    auto p = it->second.to_vector<float>();
    std::printf("export: predictions %.3f %.3f (expected 1.0 -1.0)\n", p[0], p[1]);
    ok = check(std::abs(p[0] - 1.0) < 0.1 && std::abs(p[1] + 1.0) < 0.1, "the export's predictions are right") && ok;
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: embed WORK_DIR\n");
    return 2;
  }
  try {
    bool ok = graph_trains();
    ok = estimator_trains_and_serves(argv[1]) && ok;
    return ok ? 0 : 1;
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "error (%s): %s\n", tg::error_code_name(e.code()), e.what());
    return 1;
  }
}
