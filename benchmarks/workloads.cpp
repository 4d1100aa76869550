#include "workloads.h"

#include "graph/ops.h"
#include "graph/distributed_optimizer.h"
#include "graph/optimizers.h"

namespace tg::bench {

double Workload::train_flops_per_sample() const {
  double weights = 0;
  for (size_t i = 0; i + 1 < layers.size(); ++i) weights += static_cast<double>(layers[i] * layers[i + 1]);
  return 6 * weights;
}

Workload workload(const std::string& name) {
  if (name == "taxi-S") return {name, {6, 128, 64, 32, 1}, 512};
  if (name == "taxi-L") return {name, {6, 1024, 512, 256, 1}, 1024};
  if (name == "digits-M") return {name, {64, 512, 256, 10}, 256, true};
  if (name == "wide") return {name, {1024, 1024, 1024, 1024, 1}, 1024};
  fail("unknown workload '", name, "' (expected taxi-S, taxi-L, digits-M or wide)");
}

MlpGraph build_mlp(Graph& g, const Workload& w, double lr, int64_t allreduce_bucket_bytes) {
  MlpGraph m;
  int64_t in = w.layers.front(), out = w.layers.back();
  m.x = ops::placeholder(g, DType::Float32, {-1, in}, "x");
  m.y = w.softmax ? ops::placeholder(g, DType::Int64, {-1}, "y")
                  : ops::placeholder(g, DType::Float32, {-1, out}, "y");
  Output h = m.x;
  for (size_t i = 1; i < w.layers.size(); ++i) {
    auto scope = g.name_scope("dense_" + std::to_string(i));
    Output k = ops::variable(g, {w.layers[i - 1], w.layers[i]}, DType::Float32,
                             ops::Initializer::glorot_uniform(static_cast<int64_t>(i)), "kernel");
    Output b = ops::variable(g, {w.layers[i]}, DType::Float32, ops::Initializer::zeros(), "bias");
    h = ops::bias_add(ops::matmul(h, k), b);
    if (i + 1 < w.layers.size()) h = ops::relu(h);
  }
  m.prediction = h;
  m.loss = w.softmax ? ops::reduce_mean(ops::sparse_softmax_cross_entropy_with_logits(m.y, h))
                     : ops::mean_squared_error(m.y, h);
  if (allreduce_bucket_bytes >= 0) {
    DistributedOptimizer adam(std::make_unique<AdamOptimizer>(ops::scalar(g, lr)),
                              AllReduceOptions{allreduce_bucket_bytes, "mean"});
    m.train = adam.minimize(m.loss);
  } else {
    AdamOptimizer adam(ops::scalar(g, lr));
    m.train = adam.minimize(m.loss);
  }
  m.init = ops::global_variables_initializer(g);
  return m;
}

}  // namespace tg::bench
