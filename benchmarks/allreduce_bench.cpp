// All-reduce latency and bandwidth on the CPU path (MPI through tg::Communicator), after the
// OSU micro-benchmarks' osu_allreduce: for each message size, a warm-up, then timed
// iterations separated by nothing but the collective; rank 0 prints one JSON line per size
// with the mean latency, the algorithm bandwidth (bytes / time) and the bus bandwidth
// (2 (n-1)/n x bytes / time, what a ring moves per rank: comparable across rank counts).
//   mpirun -np 2 tg_allreduce_bench [--min_bytes 4096] [--max_bytes 67108864] [--seconds 0.5]
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <vector>

#include "runtime/communicator.h"

int main(int argc, char** argv) {
  CLI::App app{"tensorgraph all-reduce benchmark (OSU-style), run under mpirun"};
  int64_t min_bytes = 4096, max_bytes = int64_t{64} << 20;
  double seconds = 0.5;
  app.add_option("--min_bytes", min_bytes, "smallest message");
  app.add_option("--max_bytes", max_bytes, "largest message (sizes double)");
  app.add_option("--seconds", seconds, "time per size, about");
  CLI11_PARSE(app, argc, argv);
  tg::Communicator& c = tg::Communicator::world();
  using Clock = std::chrono::steady_clock;
  std::vector<float> buf(static_cast<size_t>(max_bytes / 4), 1.0f);
  for (int64_t bytes = min_bytes; bytes <= max_bytes; bytes *= 2) {
    int64_t n = bytes / 4;
    for (int i = 0; i < 5; ++i) c.allreduce(buf.data(), n, tg::DType::Float32, tg::Reduction::Sum);
    // Every rank runs as many iterations: rank 0 picks the count from a timed probe.
    c.barrier();
    auto t0 = Clock::now();
    for (int i = 0; i < 5; ++i) c.allreduce(buf.data(), n, tg::DType::Float32, tg::Reduction::Sum);
    double probe = std::chrono::duration<double>(Clock::now() - t0).count() / 5;
    int64_t iters = std::max<int64_t>(10, static_cast<int64_t>(seconds / std::max(probe, 1e-7)));
    iters = c.allreduce(iters, tg::Reduction::Max);
    c.barrier();
    t0 = Clock::now();
    for (int64_t i = 0; i < iters; ++i) c.allreduce(buf.data(), n, tg::DType::Float32, tg::Reduction::Sum);
    double t = std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(iters);
    t = c.allreduce(t, tg::Reduction::Max);  // the slowest rank's
    if (c.is_chief()) {
      double algbw = static_cast<double>(bytes) / t / 1e9;
      double busbw = algbw * 2.0 * (c.size() - 1) / c.size();
      std::printf("{\"ranks\": %d, \"bytes\": %ld, \"latency_us\": %.2f, \"algbw_gbps\": %.3f, \"busbw_gbps\": %.3f, "
                  "\"iterations\": %ld}\n",
                  c.size(), static_cast<long>(bytes), t * 1e6, algbw, busbw, static_cast<long>(iters));
      std::fflush(stdout);
    }
  }
  return 0;
}
