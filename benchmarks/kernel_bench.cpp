// Google Benchmark micro-benchmarks: every op's CPU kernel at the size of a taxi-S layer
// ([512, 128] activations), run through a session so that the figures include the session's
// dispatch; the gradient helper ops through gradients; every optimizer's update; and the
// session's per-op overhead on a chain of tiny ops. They explain the end-to-end figures.
#include <benchmark/benchmark.h>

#include <functional>
#include <random>

#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/ops/feature.h"
#include "graph/optimizers.h"
#include "runtime/session.h"

namespace {

using namespace tg;
using O = Output;

constexpr int64_t kRows = 512, kCols = 128;

Tensor random_tensor(DType t, Shape s, uint32_t seed) {
  Tensor x(t, s);
  std::mt19937 rng(seed);
  std::normal_distribution<float> z;
  if (t == DType::Float32)
    for (auto& v : x.flat<float>()) v = z(rng);
  else
    for (auto& v : x.flat<int64_t>()) v = static_cast<int64_t>(rng() % kCols);
  return x;
}

// The inputs every case may use: a [512, 128] activation x, a [128, 128] weight w, a [128]
// vector v, [512] ids in [0, 128), and a [512, 128] boolean mask.
struct In {
  O x, w, v, ids, mask;
};
using Build = std::function<O(In&)>;

void run_case(benchmark::State& st, const Build& build) {
  Graph g;
  In in{ops::placeholder(g, DType::Float32, {kRows, kCols}), ops::constant(g, random_tensor(DType::Float32, {kCols, kCols}, 2)),
        ops::constant(g, random_tensor(DType::Float32, {kCols}, 3)), ops::constant(g, random_tensor(DType::Int64, {kRows}, 4)), O{}};
  in.mask = ops::greater(in.x, ops::scalar(g, 0));
  O out = build(in);
  Node* target = ops::identity(out).node;
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  FeedList feeds{{in.x, random_tensor(DType::Float32, {kRows, kCols}, 1)}};
  for (auto _ : st) s.run(feeds, {}, {target});
  st.SetItemsProcessed(st.iterations() * kRows * kCols);
}

// The gradient of sum(f(x) * x) with respect to x, through the op's gradient kernels.
Build grad_of(std::function<O(O)> f) {
  return [f](In& i) { return gradients({ops::reduce_sum(ops::mul(f(i.x), i.x))}, {i.x})[0]; };
}

Build apply(const std::string& optimizer) {
  return [optimizer](In& i) {
    Graph& g = i.x.graph();
    O var = ops::variable(g, {kCols, kCols}, DType::Float32, ops::Initializer::zeros());
    auto opt = make_optimizer(optimizer, ops::scalar(g, 1e-3));
    return ops::with_dependencies({opt->minimize(ops::reduce_sum(ops::matmul(i.x, var)), {var})}, i.v);
  };
}

const std::vector<std::pair<const char*, Build>>& cases() {
  static const std::vector<std::pair<const char*, Build>> c = {
      {"Add/row_broadcast", [](In& i) { return ops::add(i.x, i.v); }},
      {"Sub", [](In& i) { return ops::sub(i.x, i.x); }},
      {"Mul", [](In& i) { return ops::mul(i.x, i.x); }},
      {"Div", [](In& i) { return ops::div(i.x, ops::abs(i.v) + 1.0); }},
      {"Pow", [](In& i) { return ops::pow(ops::abs(i.x), i.x); }},
      {"Maximum", [](In& i) { return ops::maximum(i.x, i.v); }},
      {"Minimum", [](In& i) { return ops::minimum(i.x, i.v); }},
      {"Neg", [](In& i) { return ops::neg(i.x); }},
      {"Square", [](In& i) { return ops::square(i.x); }},
      {"Sqrt", [](In& i) { return ops::sqrt(ops::abs(i.x)); }},
      {"Exp", [](In& i) { return ops::exp(i.x); }},
      {"Log", [](In& i) { return ops::log(ops::abs(i.x)); }},
      {"Abs", [](In& i) { return ops::abs(i.x); }},
      {"Floor", [](In& i) { return ops::floor(i.x); }},
      {"Cast/float_to_int32", [](In& i) { return ops::cast(i.x, DType::Int32); }},
      {"Equal", [](In& i) { return ops::equal(i.x, i.v); }},
      {"Less", [](In& i) { return ops::less(i.x, i.v); }},
      {"Greater", [](In& i) { return ops::greater(i.x, i.v); }},
      {"Select", [](In& i) { return ops::select(i.mask, i.x, ops::zeros_like(i.x)); }},
      {"ReduceSum/rows", [](In& i) { return ops::reduce_sum(i.x, {0}); }},
      {"ReduceMean/all", [](In& i) { return ops::reduce_mean(i.x); }},
      {"ReduceMax/last", [](In& i) { return ops::reduce_max(i.x, {1}); }},
      {"ReduceMin/all", [](In& i) { return ops::reduce_min(i.x); }},
      {"ArgMax", [](In& i) { return ops::argmax(i.x, 1); }},
      {"MatMul", [](In& i) { return ops::matmul(i.x, i.w); }},
      {"MatMul/transpose_a", [](In& i) { return ops::matmul(i.x, i.x, true, false); }},
      {"MatMul/transpose_b", [](In& i) { return ops::matmul(i.x, i.w, false, true); }},
      {"FusedMatMul/bias_relu", [](In& i) { return ops::relu(ops::bias_add(ops::matmul(i.x, i.w), i.v)); }},
      {"BiasAdd", [](In& i) { return ops::bias_add(i.x, i.v); }},
      {"Relu", [](In& i) { return ops::relu(i.x); }},
      {"LeakyRelu", [](In& i) { return ops::leaky_relu(i.x); }},
      {"Elu", [](In& i) { return ops::elu(i.x); }},
      {"Sigmoid", [](In& i) { return ops::sigmoid(i.x); }},
      {"Tanh", [](In& i) { return ops::tanh(i.x); }},
      {"Softplus", [](In& i) { return ops::softplus(i.x); }},
      {"Softmax", [](In& i) { return ops::softmax(i.x); }},
      {"LogSoftmax", [](In& i) { return ops::log_softmax(i.x); }},
      {"Dropout", [](In& i) { return ops::dropout(i.x, 0.3, 1); }},
      {"Reshape", [](In& i) { return ops::reshape(i.x, {-1}); }},
      {"Transpose", [](In& i) { return ops::transpose(i.x); }},
      {"Concat", [](In& i) { return ops::concat({i.x, i.x}, 1); }},
      {"Slice", [](In& i) { return ops::slice(i.x, {0, 32}, {-1, 64}); }},
      {"Gather", [](In& i) { return ops::gather(i.w, i.ids); }},
      {"OneHot", [](In& i) { return ops::one_hot(i.ids, kCols); }},
      {"ZerosLike", [](In& i) { return ops::zeros_like(i.x); }},
      {"MeanSquaredError", [](In& i) { return ops::mean_squared_error(i.x, ops::sigmoid(i.x)); }},
      {"SigmoidCrossEntropy", [](In& i) { return ops::sigmoid_cross_entropy_with_logits(ops::sigmoid(i.x), i.x); }},
      {"SoftmaxCrossEntropy", [](In& i) { return ops::softmax_cross_entropy_with_logits(ops::softmax(i.x), i.x); }},
      {"SparseSoftmaxCrossEntropy", [](In& i) { return ops::sparse_softmax_cross_entropy_with_logits(i.ids, i.x); }},
      {"Bucketize", [](In& i) { return ops::bucketize(i.x, {-1, 0, 1}); }},
      {"HashBucket/int64", [](In& i) { return ops::hash_bucket(i.ids, 1000); }},
      {"CheckIds", [](In& i) { return ops::check_ids(i.ids, kCols); }},
      {"Grad/Relu(ActivationGrad)", grad_of([](O x) { return ops::relu(x); })},
      {"Grad/ReduceMean(ExpandReduced)", [](In& i) { return gradients({ops::reduce_mean(i.x)}, {i.x})[0]; }},
      {"Grad/BiasAdd(SumToShapeOf)", [](In& i) { return gradients({ops::reduce_sum(ops::bias_add(i.x, i.v))}, {i.v})[0]; }},
      {"Grad/Concat(ConcatGrad)", grad_of([](O x) { return ops::slice(ops::concat({x, x}, 1), {0, 0}, {-1, kCols}); })},
      {"Grad/Slice(SliceGrad)", [](In& i) { return gradients({ops::reduce_sum(ops::slice(i.x, {0, 32}, {-1, 64}))}, {i.x})[0]; }},
      {"Grad/Gather(GatherGrad)", [](In& i) {
         Graph& g = i.x.graph();
         O table = ops::variable(g, {kCols, kCols}, DType::Float32, ops::Initializer::ones());
         return gradients({ops::reduce_sum(ops::gather(table, i.ids))}, {table})[0];
       }},
      {"Apply/GradientDescent", apply("sgd")},
      {"Apply/Momentum", apply("momentum")},
      {"Apply/Adagrad", apply("adagrad")},
      {"Apply/Adam", apply("adam")},
      {"Apply/RMSProp", apply("rmsprop")},
      {"Apply/Ftrl", apply("ftrl")},
  };
  return c;
}

// A chain of n additions of scalars: the session's cost per op, with no arithmetic to speak of.
void BM_SessionPerOpOverhead(benchmark::State& st) {
  int64_t n = st.range(0);
  Graph g;
  O x = ops::placeholder(g, DType::Float32, {});
  O one = ops::scalar(g, 1);
  O y = x;
  for (int64_t i = 0; i < n; ++i) y = ops::add(y, one);
  Session s(g);
  FeedList feeds{{x, Tensor::scalar<float>(0)}};
  for (auto _ : st) s.run(feeds, {y});
  st.counters["ns_per_op"] = benchmark::Counter(static_cast<double>(st.iterations() * n),
                                                benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// The wide network's product, for its GFLOP/s beside the ceiling.
void BM_MatMul1024(benchmark::State& st) {
  Graph g;
  O a = ops::placeholder(g, DType::Float32, {1024, 1024});
  O b = ops::constant(g, random_tensor(DType::Float32, {1024, 1024}, 5));
  Node* target = ops::identity(ops::matmul(a, b)).node;
  Session s(g);
  FeedList feeds{{a, random_tensor(DType::Float32, {1024, 1024}, 6)}};
  for (auto _ : st) s.run(feeds, {}, {target});
  st.counters["GFLOP/s"] = benchmark::Counter(2.0 * 1024 * 1024 * 1024 * static_cast<double>(st.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [name, build] : cases())
    benchmark::RegisterBenchmark(name, [build = build](benchmark::State& st) { run_case(st, build); });
  benchmark::RegisterBenchmark("SessionPerOpOverhead/chain_of_100", BM_SessionPerOpOverhead)->Arg(100);
  benchmark::RegisterBenchmark("MatMul/1024x1024x1024", BM_MatMul1024);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
