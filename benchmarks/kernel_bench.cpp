// Google Benchmark micro-benchmarks: each kernel family's main ops on the CPU at sizes of the
// MLP workloads, run through a session (so the numbers include the session's dispatch), and
// the session's per-op overhead on a chain of tiny ops, to explain the end-to-end figures.
#include <benchmark/benchmark.h>

#include <functional>
#include <random>

#include "graph/gradients.h"
#include "graph/ops.h"
#include "runtime/session.h"

namespace {

using namespace tg;

Tensor random_tensor(Shape s, uint32_t seed) {
  Tensor t(DType::Float32, s);
  std::mt19937 rng(seed);
  std::normal_distribution<float> z;
  for (auto& v : t.flat<float>()) v = z(rng);
  return t;
}

// Times one op built from two [rows, cols] and [cols, cols] inputs (or [cols] for vectors).
void run_op(benchmark::State& state, const std::function<Output(Output, Output, Output)>& build, bool fuse = true) {
  int64_t rows = state.range(0), cols = state.range(1);
  Graph g;
  Output a = ops::placeholder(g, DType::Float32, {rows, cols});
  Output w = ops::constant(g, random_tensor({cols, cols}, 2));
  Output v = ops::constant(g, random_tensor({cols}, 3));
  Output out = build(a, w, v);
  SessionOptions o;
  o.fuse_ops = fuse;
  Session s(g, o);
  FeedList feeds{{a, random_tensor({rows, cols}, 1)}};
  Node* target = ops::identity(out).node;
  for (auto _ : state) s.run(feeds, {}, {target});
  state.SetItemsProcessed(state.iterations() * rows * cols);
}

void BM_MatMul(benchmark::State& st) {
  run_op(st, [](Output a, Output w, Output) { return ops::matmul(a, w); });
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(st.range(0) * st.range(1) * st.range(1)) *
                                                  static_cast<double>(st.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}
void BM_MatMulBiasReluFused(benchmark::State& st) {
  run_op(st, [](Output a, Output w, Output v) { return ops::relu(ops::bias_add(ops::matmul(a, w), v)); });
}
void BM_MatMulBiasReluUnfused(benchmark::State& st) {
  run_op(st, [](Output a, Output w, Output v) { return ops::relu(ops::bias_add(ops::matmul(a, w), v)); }, false);
}
void BM_AddRowBroadcast(benchmark::State& st) { run_op(st, [](Output a, Output, Output v) { return ops::add(a, v); }); }
void BM_Mul(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::mul(a, a); }); }
void BM_Relu(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::relu(a); }); }
void BM_Sigmoid(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::sigmoid(a); }); }
void BM_Softmax(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::softmax(a); }); }
void BM_ReduceSumRows(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::reduce_sum(a, {0}); }); }
void BM_ReduceMeanAll(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::reduce_mean(a); }); }
void BM_Transpose(benchmark::State& st) { run_op(st, [](Output a, Output, Output) { return ops::transpose(a); }); }
void BM_ReluGradient(benchmark::State& st) {
  run_op(st, [](Output a, Output, Output) { return gradients({ops::reduce_sum(ops::relu(a))}, {a})[0]; });
}
void BM_SoftmaxCrossEntropy(benchmark::State& st) {
  run_op(st, [](Output a, Output, Output) { return ops::softmax_cross_entropy_with_logits(ops::softmax(a), a); });
}

// One Adam update of a [rows, cols] variable.
void BM_AdamUpdate(benchmark::State& st) {
  int64_t rows = st.range(0), cols = st.range(1);
  Graph g;
  Output var = ops::variable(g, {rows, cols}, DType::Float32, ops::Initializer::zeros());
  Output grad = ops::constant(g, random_tensor({rows, cols}, 4));
  Node* update = g.add_node("ApplyAdam", {var, ops::variable(g, {rows, cols}, DType::Float32, ops::Initializer::zeros()),
                                          ops::variable(g, {rows, cols}, DType::Float32, ops::Initializer::zeros()),
                                          ops::scalar(g, 1e-3), g.global_step(), grad},
                            {{"beta1", 0.9}, {"beta2", 0.999}, {"epsilon", 1e-8}});
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  for (auto _ : st) s.run(update);
  st.SetItemsProcessed(st.iterations() * rows * cols);
}

// A chain of n additions of scalars: the session's cost per op, with no arithmetic to speak of.
void BM_SessionPerOpOverhead(benchmark::State& st) {
  int64_t n = st.range(0);
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {});
  Output one = ops::scalar(g, 1);
  Output y = x;
  for (int64_t i = 0; i < n; ++i) y = ops::add(y, one);
  Session s(g);
  FeedList feeds{{x, Tensor::scalar<float>(0)}};
  for (auto _ : st) s.run(feeds, {y});
  st.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(st.iterations() * n),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_MatMul)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_MatMulBiasReluFused)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_MatMulBiasReluUnfused)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_AddRowBroadcast)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_Mul)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_Relu)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_Sigmoid)->Args({512, 128});
BENCHMARK(BM_Softmax)->Args({256, 10})->Args({1024, 1024});
BENCHMARK(BM_ReduceSumRows)->Args({512, 128})->Args({1024, 1024});
BENCHMARK(BM_ReduceMeanAll)->Args({512, 128});
BENCHMARK(BM_Transpose)->Args({512, 128});
BENCHMARK(BM_ReluGradient)->Args({512, 128});
BENCHMARK(BM_SoftmaxCrossEntropy)->Args({256, 10});
BENCHMARK(BM_AdamUpdate)->Args({128, 64})->Args({1024, 1024});
BENCHMARK(BM_SessionPerOpOverhead)->Arg(100);

BENCHMARK_MAIN();
