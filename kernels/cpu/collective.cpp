// CPU kernel of the collective family: AllReduce over the job's processes through the
// installed backend (MPI), and the backend's registration shared with the CUDA kernel.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "kernels/collective.h"
#include "kernels/cpu/common.h"

namespace tg {

namespace {
std::atomic<CollectiveBackend*>& backend_ref() {
  static std::atomic<CollectiveBackend*> b{nullptr};
  return b;
}
// The environment an MPI launcher gives its processes (Open MPI's mpirun, PMI and PMIx
// launchers such as Slurm's srun).
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
}  // namespace

void set_collective_backend(CollectiveBackend* backend) { backend_ref().store(backend); }

CollectiveBackend* collective_backend() {
  CollectiveBackend* b = backend_ref().load();
  if (!b) {
    static const bool launched = launched_by_mpi();
    TG_CHECK_CODE(!launched, FailedPrecondition,
                  "an all-reduce ran in a process started by an MPI launcher before the job's "
                  "communicator was set up: call tg::Communicator::world() first");
  }
  return b;
}

namespace cpu {

namespace {

template <class T>
void all_reduce(const KernelContext& c) {
  const Tensor& x = c.in(0);
  Tensor& y = c.out();
  int64_t n = x.num_elements();
  CollectiveBackend* b = collective_backend();
  if (!b || b->size() == 1) {
    if (y.data<T>() != x.data<T>()) std::memcpy(y.data<T>(), x.data<T>(), static_cast<size_t>(n) * sizeof(T));
    return;
  }
  b->allreduce_host(x.data<T>(), y.data<T>(), n, dtype_of<T>());
  if (c.attrs.get<std::string>("reduction") == "mean") {
    T scale = static_cast<T>(1.0 / b->size());
    T* p = y.data<T>();
    parallel_for(n, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) p[i] *= scale;
    });
  }
}

}  // namespace

void register_collective_kernels() {
  reg<float, double>("AllReduce", [](auto z) -> KernelFn { return &all_reduce<decltype(z)>; });
}

}  // namespace cpu
}  // namespace tg
