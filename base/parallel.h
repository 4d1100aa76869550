// Intra-op parallelism. Kernels split loops with OpenMP because oneDNN runs on OpenMP too:
// one pool of threads serves both, instead of two pools fighting over the same cores.
#pragma once

#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif


namespace tg {

// Threads used by parallel loops and by oneDNN (0 = all hardware threads).
void set_num_threads(int n);
int num_threads();

// Runs f(begin, end) over [0, n) in chunks on the thread pool when n is at least `grain`,
// else inline. f must be safe to run concurrently on disjoint ranges.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
#ifdef _OPENMP
  if (n >= 2 * grain && num_threads() > 1) {
#pragma omp parallel
    {
      int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      int64_t chunk = (n + nt - 1) / nt;
      int64_t b = t * chunk, e = b + chunk < n ? b + chunk : n;
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  f(int64_t{0}, n);
}

}  // namespace tg

