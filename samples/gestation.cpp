// Linear regression of gestation weeks on four causes, trained by gradient descent:
//   gw = w0*age + w1*cigarettes + w2*alcohol + w3*weight_gain + b
// The sample generates its own data from known weights plus noise, trains a linear model on
// standardized inputs, maps the weights back to raw units and checks that it recovered the
// weights it generated with (within 1%). Exit status 0 when it did.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/session.h"

int main() {
  using namespace tg;
  const int n = 2000, features = 4;
  const double true_w[features] = {-0.08, -0.15, -0.25, 0.12};
  const double true_b = 39.0;
  const char* names[features] = {"age", "cigarettes", "alcohol", "weight_gain"};

  // Mothers aged 18-45, 0-20 cigarettes and 0-10 drinks a week, 5-25 kg gained.
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> age(18, 45), cig(0, 20), alc(0, 10), gain(5, 25);
  std::normal_distribution<double> noise(0, 0.05);
  std::vector<double> x(n * features), y(n);
  for (int i = 0; i < n; ++i) {
    double row[features] = {age(rng), cig(rng), alc(rng), gain(rng)};
    double gw = true_b + noise(rng);
    for (int j = 0; j < features; ++j) {
      x[i * features + j] = row[j];
      gw += true_w[j] * row[j];
    }
    y[i] = gw;
  }
  // Standardize each column so that one learning rate suits every weight.
  double mean[features] = {}, sd[features] = {};
  for (int j = 0; j < features; ++j) {
    for (int i = 0; i < n; ++i) mean[j] += x[i * features + j] / n;
    for (int i = 0; i < n; ++i) sd[j] += std::pow(x[i * features + j] - mean[j], 2) / n;
    sd[j] = std::sqrt(sd[j]);
    for (int i = 0; i < n; ++i) x[i * features + j] = (x[i * features + j] - mean[j]) / sd[j];
  }

  Graph g;
  Output inputs = ops::placeholder(g, DType::Float64, {-1, features}, "inputs");
  Output labels = ops::placeholder(g, DType::Float64, {-1, 1}, "labels");
  Output w = ops::variable(g, {features, 1}, DType::Float64, ops::Initializer::zeros(), "w");
  Output b = ops::variable(g, {1}, DType::Float64, ops::Initializer::zeros(), "b");
  Output predicted = ops::bias_add(ops::matmul(inputs, w), b, "predicted_gw");
  Output loss = ops::mean_squared_error(labels, predicted);
  GradientDescentOptimizer sgd(ops::scalar(g, 0.2, DType::Float64));
  Node* train = sgd.minimize(loss);

  Session sess(g);
  sess.run(ops::global_variables_initializer(g));
  FeedList feeds{{inputs, Tensor::from_vector<double>({n, features}, x)},
                 {labels, Tensor::from_vector<double>({n, 1}, y)}};
  for (int step = 1; step <= 500; ++step) {
    auto out = sess.run(feeds, {loss}, {train});
    if (step % 100 == 0) std::printf("step %4d  mse %.6f\n", step, out[0].scalar_as_double());
  }

  auto wv = sess.variable_value(w).to_vector<double>();
  double bv = sess.variable_value(b).to_vector<double>()[0];
  bool ok = true;
  std::printf("\n%-12s %10s %10s %8s\n", "weight", "true", "learned", "error");
  for (int j = 0; j < features; ++j) {
    double raw = wv[j] / sd[j];  // undo the standardization
    bv -= wv[j] * mean[j] / sd[j];
    double rel = std::abs(raw - true_w[j]) / std::abs(true_w[j]);
    ok = ok && rel < 0.01;
    std::printf("%-12s %10.4f %10.4f %7.3f%%\n", names[j], true_w[j], raw, 100 * rel);
  }
  double rel_b = std::abs(bv - true_b) / std::abs(true_b);
  ok = ok && rel_b < 0.01;
  std::printf("%-12s %10.4f %10.4f %7.3f%%\n", "intercept", true_b, bv, 100 * rel_b);
  std::printf("\n%s\n", ok ? "recovered every weight within 1%" : "FAILED to recover the weights");
  return ok ? 0 : 1;
}
