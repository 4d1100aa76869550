// Training throughput of a named MLP workload, for the benchmark harnesses: prints one JSON
// line with samples per second. Also measures the oneDNN matrix-product ceiling.
//   tg_train_bench --workload taxi-S [--batch 512] [--seconds 5] [--threads 1] [--device gpu]
//   tg_train_bench --gemm 1024 [--threads 2]
//   tg_train_bench --workload taxi-S --infer --batch 1   (latency p50/p99 and samples/s)
//   mpirun -np 2 tg_train_bench --workload taxi-S --distributed --threads 1
//     (data parallel: the workload's batch split over the ranks, gradients all-reduced; also
//      the step time of the same per-rank batch without the all-reduce)
#include <CLI/CLI.hpp>
#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <random>
#include <vector>

#include "base/parallel.h"
#include "graph/ops.h"
#include "runtime/communicator.h"
#include "runtime/device.h"
#include "runtime/session.h"
#include "workloads.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Runs f repeatedly for about `seconds` after a warm-up; returns seconds per call.
template <class F>
double time_per_call(double seconds, F f) {
  for (int i = 0; i < 3; ++i) f();
  int64_t n = 0;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    f();
    ++n;
  }
  return seconds_since(start) / static_cast<double>(n);
}

// How float32 products compute in the benchmarked sessions (--precision).
tg::MathPrecision g_precision = tg::MathPrecision::Float32;
// Measurement windows per training run (--reps): the median is reported, with the spread.
int g_reps = 1;

// oneDNN's bf16 matmul (bf16 operands already converted, f32 output): the ceiling of bf16 rows.
int run_gemm_bf16(int64_t n, double seconds) {
  using dnnl::memory;
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream s(eng);
  memory::desc ab({n, n}, memory::data_type::bf16, memory::format_tag::ab);
  memory::desc c({n, n}, memory::data_type::f32, memory::format_tag::ab);
  dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(ab, ab, c), eng));
  memory a_m(ab, eng), b_m(ab, eng), c_m(c, eng);
  std::vector<uint16_t> ones(static_cast<size_t>(n * n), 0x3f00);  // 0.5 in bf16
  std::copy(ones.begin(), ones.end(), static_cast<uint16_t*>(a_m.get_data_handle()));
  std::copy(ones.begin(), ones.end(), static_cast<uint16_t*>(b_m.get_data_handle()));
  double t = time_per_call(seconds, [&] {
    mm.execute(s, {{DNNL_ARG_SRC, a_m}, {DNNL_ARG_WEIGHTS, b_m}, {DNNL_ARG_DST, c_m}});
    s.wait();
  });
  std::printf("{\"gemm_n\": %ld, \"precision\": \"bf16\", \"gflops\": %.1f, \"threads\": %d}\n",
              static_cast<long>(n), 2.0 * n * n * n / t / 1e9, tg::num_threads());
  return 0;
}

int run_gemm(int64_t n, double seconds) {
  if (g_precision == tg::MathPrecision::BFloat16) return run_gemm_bf16(n, seconds);
  std::vector<float> a(static_cast<size_t>(n * n), 0.5f), b(a), c(a);
  double t = time_per_call(seconds, [&] {
    dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
  });
  std::printf("{\"gemm_n\": %ld, \"gflops\": %.1f, \"threads\": %d}\n", static_cast<long>(n),
              2.0 * n * n * n / t / 1e9, tg::num_threads());
  return 0;
}

// Peak resident memory of this process in MB (VmHWM: this process image's own).
double peak_rss_mb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  double kb = -1;
  while (f && std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lf", &kb) == 1) break;
  if (f) std::fclose(f);
  return kb / 1024.0;
}

// A workload's graph in an initialized session, with one fixed random input batch.
struct Bench {
  tg::bench::Workload w;
  tg::Graph g;
  tg::bench::MlpGraph m;
  tg::Session sess;
  std::mt19937 rng{1};
  tg::Tensor x;
  Bench(const std::string& name, int64_t batch, bool gpu, int64_t allreduce_bucket_bytes = -1)
      : w(with_batch(tg::bench::workload(name), batch)), m(tg::bench::build_mlp(g, w, 1e-3, allreduce_bucket_bytes)),
        sess(g, options(gpu)) {
    sess.run(m.init);
    std::normal_distribution<float> normal;
    x = tg::Tensor(tg::DType::Float32, {w.batch, w.layers.front()});
    for (auto& v : x.flat<float>()) v = normal(rng);
  }
  static tg::SessionOptions options(bool gpu) {
    tg::SessionOptions o;
    o.use_gpus = gpu;
    o.precision = g_precision;
    return o;
  }
  static tg::bench::Workload with_batch(tg::bench::Workload w, int64_t batch) {
    if (batch > 0) w.batch = batch;
    return w;
  }
};

// Forward passes only: each call's latency, then percentiles and throughput.
int run_infer(const std::string& name, int64_t batch, double seconds, bool gpu) {
  using namespace tg;
  Bench b(name, batch, gpu);
  bench::Workload& w = b.w;
  bench::MlpGraph& m = b.m;
  Session& sess = b.sess;
  FeedList feeds{{m.x, b.x}};
  for (int i = 0; i < 20; ++i) sess.run(feeds, {m.prediction});
  std::vector<double> lat;
  auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    auto t = Clock::now();
    sess.run(feeds, {m.prediction});
    lat.push_back(seconds_since(t));
  }
  double total = seconds_since(start);
  std::sort(lat.begin(), lat.end());
  std::printf("{\"engine\": \"tensorgraph\", \"workload\": \"%s\", \"batch\": %ld, \"threads\": %d, "
              "\"p50_us\": %.1f, \"p99_us\": %.1f, \"samples_per_s\": %.1f, \"peak_rss_mb\": %.1f}\n",
              w.name.c_str(), static_cast<long>(w.batch), num_threads(), lat[lat.size() / 2] * 1e6,
              lat[lat.size() * 99 / 100] * 1e6, static_cast<double>(w.batch * static_cast<int64_t>(lat.size())) / total,
              peak_rss_mb());
  return 0;
}

int run_train(const std::string& name, int64_t batch, double seconds, bool gpu) {
  using namespace tg;
  Bench b(name, batch, gpu);
  bench::Workload& w = b.w;
  bench::MlpGraph& m = b.m;
  Session& sess = b.sess;
  std::mt19937& rng = b.rng;
  std::normal_distribution<float> normal;
  Tensor x = b.x;
  Tensor y;
  if (w.softmax) {
    y = Tensor(DType::Int64, {w.batch});
    for (auto& v : y.flat<int64_t>()) v = static_cast<int64_t>(rng() % static_cast<uint32_t>(w.layers.back()));
  } else {
    y = Tensor(DType::Float32, {w.batch, w.layers.back()});
    for (auto& v : y.flat<float>()) v = normal(rng);
  }
  FeedList feeds{{m.x, x}, {m.y, y}};
  // On a GPU, steps only enqueue work: the clock stops after a fetch has waited for all of it.
  for (int i = 0; i < 3; ++i) sess.run(feeds, {}, {m.train});
  sess.run(feeds, {m.loss});
  // The median of --reps windows, and the fastest and slowest (as the Python peers report).
  std::vector<double> windows;
  double loss = 0;
  for (int r = 0; r < std::max(1, g_reps); ++r) {
    int64_t steps = 0;
    auto start = Clock::now();
    while (seconds_since(start) < seconds) {
      for (int i = 0; i < 10; ++i) sess.run(feeds, {}, {m.train});
      steps += 10;
    }
    loss = sess.run(feeds, {m.loss})[0].scalar_as_double();
    windows.push_back(seconds_since(start) / static_cast<double>(steps));
  }
  std::sort(windows.begin(), windows.end());
  double t = windows[windows.size() / 2];
  double sps = static_cast<double>(w.batch) / t;
  std::printf("{\"engine\": \"tensorgraph\", \"device\": \"%s\", \"workload\": \"%s\", \"batch\": %ld, \"threads\": %d, "
              "\"precision\": \"%s\", \"ms_per_step\": %.4f, \"samples_per_s\": %.1f, \"spread\": [%.1f, %.1f], "
              "\"gflops\": %.2f, \"loss\": %.5f, \"peak_rss_mb\": %.1f}\n",
              gpu ? "gpu" : "cpu", w.name.c_str(), static_cast<long>(w.batch), num_threads(),
              precision_name(g_precision), t * 1e3, sps, w.batch / windows.back(), w.batch / windows.front(),
              sps * w.train_flops_per_sample() / 1e9, loss, peak_rss_mb());
  return 0;
}

// Data parallel on the job's ranks: the workload's batch (or --batch per rank) split over them.
int run_train_distributed(const std::string& name, int64_t batch, double seconds, int64_t bucket_bytes) {
  using namespace tg;
  Communicator& c = Communicator::world();
  int64_t local = batch > 0 ? batch : std::max<int64_t>(1, bench::workload(name).batch / c.size());
  auto labels = [](Bench& b) {
    Tensor y(DType::Float32, {b.w.batch, b.w.layers.back()});
    if (b.w.softmax) {
      y = Tensor(DType::Int64, {b.w.batch});
      for (auto& v : y.flat<int64_t>()) v = static_cast<int64_t>(b.rng() % static_cast<uint32_t>(b.w.layers.back()));
    } else {
      std::normal_distribution<float> normal;
      for (auto& v : y.flat<float>()) v = normal(b.rng);
    }
    return y;
  };
  // The same per-rank step without the all-reduce: the compute time of a step.
  double compute = 0;
  {
    Bench alone(name, local, false);
    FeedList feeds{{alone.m.x, alone.x}, {alone.m.y, labels(alone)}};
    c.barrier();
    compute = time_per_call(seconds, [&] { alone.sess.run(feeds, {}, {alone.m.train}); });
    compute = c.allreduce(compute, Reduction::Max);
  }
  Bench b(name, local, false, bucket_bytes);
  FeedList feeds{{b.m.x, b.x}, {b.m.y, labels(b)}};
  for (int i = 0; i < 3; ++i) b.sess.run(feeds, {}, {b.m.train});
  c.barrier();
  auto t0 = Clock::now();
  for (int i = 0; i < 5; ++i) b.sess.run(feeds, {}, {b.m.train});
  int64_t steps = std::max<int64_t>(10, static_cast<int64_t>(seconds / (seconds_since(t0) / 5)));
  steps = c.allreduce(steps, Reduction::Max);  // as many steps on every rank
  c.barrier();
  t0 = Clock::now();
  for (int64_t i = 0; i < steps; ++i) b.sess.run(feeds, {}, {b.m.train});
  double t = c.allreduce(seconds_since(t0) / static_cast<double>(steps), Reduction::Max);
  double weights = b.w.train_flops_per_sample() / 6;
  int buckets = 0;
  for (const auto& node : b.g.nodes()) buckets += node->op == "AllReduce";
  if (c.is_chief())
    std::printf("{\"engine\": \"tensorgraph\", \"workload\": \"%s\", \"ranks\": %d, \"threads\": %d, "
                "\"batch_per_rank\": %ld, \"global_batch\": %ld, \"ms_per_step\": %.4f, \"compute_ms_per_step\": %.4f, "
                "\"samples_per_s\": %.1f, \"gradient_bytes\": %.0f, \"allreduces_per_step\": %d, "
                "\"peak_rss_mb\": %.1f}\n",
                name.c_str(), c.size(), num_threads(), static_cast<long>(local), static_cast<long>(local * c.size()),
                t * 1e3, compute * 1e3, static_cast<double>(local * c.size()) / t, weights * 4, buckets, peak_rss_mb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tensorgraph training benchmark"};
  std::string workload;
  int64_t batch = 0, gemm = 0;
  double seconds = 5;
  int threads = 0;
  bool infer = false, distributed = false;
  double bucket_mb = 4;
  std::string device = "cpu";
  app.add_option("--device", device, "cpu, or gpu (the first CUDA device)")->check(CLI::IsMember({"cpu", "gpu"}));
  app.add_flag("--infer", infer, "time forward passes (inference) instead of training steps");
  app.add_option("--workload", workload, "taxi-S, taxi-L, digits-M or wide");
  app.add_option("--batch", batch, "batch size (default: the workload's)");
  app.add_option("--gemm", gemm, "measure the oneDNN sgemm rate at n x n x n instead");
  app.add_option("--seconds", seconds, "time to measure");
  app.add_option("--threads", threads, "intra-op threads (0 = all cores)");
  app.add_flag("--distributed", distributed, "data parallel over the ranks of an MPI launcher (mpirun -np N)");
  app.add_option("--bucket_mb", bucket_mb, "with --distributed: all-reduce bucket size in MB");
  std::string precision = "f32";
  app.add_option("--precision", precision, "f32, tf32 or bf16 products (with --gemm: the bf16 GEMM rate)")
      ->check(CLI::IsMember({"f32", "tf32", "bf16"}));
  app.add_option("--reps", g_reps, "training: measurement windows of --seconds each (the median is reported)");
  CLI11_PARSE(app, argc, argv);
  g_precision = tg::precision_from_name(precision);
  tg::set_num_threads(threads);
  try {
    if (gemm > 0) return run_gemm(gemm, seconds);
    if (workload.empty()) {
      std::fprintf(stderr, "give --workload or --gemm\n");
      return 2;
    }
    if (distributed)
      return run_train_distributed(workload, batch, seconds, static_cast<int64_t>(bucket_mb * (1 << 20)));
    bool gpu = device == "gpu";
    if (gpu && tg::cuda_devices().empty()) {
      std::fprintf(stderr, "error: no GPU: %s\n", tg::cuda_unavailable_reason().c_str());
      return 1;
    }
    return infer ? run_infer(workload, batch, seconds, gpu) : run_train(workload, batch, seconds, gpu);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
