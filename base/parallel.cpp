#include "base/parallel.h"

#include <thread>

namespace tg {

void set_num_threads(int n) {
#ifdef _OPENMP
  omp_set_num_threads(n > 0 ? n : static_cast<int>(std::thread::hardware_concurrency()));
#else
  (void)n;
#endif
}

int num_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

}  // namespace tg
