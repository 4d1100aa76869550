// What the collective kernels (AllReduce) reduce over: the processes of a job. The runtime's
// communicator (runtime/communicator.h) installs a backend when a launcher started several
// processes; without one, a process is alone and an all-reduce is a copy.
//
// Kernels never see MPI or NCCL: they call this interface, so the kernels layer stays free of
// the runtime, and the CPU and CUDA kernels of one op share one view of the job.
#pragma once

#include <cstdint>

#include "base/dtype.h"

namespace tg {

class CollectiveBackend {
 public:
  virtual ~CollectiveBackend() = default;
  virtual int size() const = 0;
  virtual int rank() const = 0;
  // Sums n elements over every process into out, in host memory (in may equal out). Every
  // process calls it in the same order; throws tg::Error when the job's processes cannot
  // complete it.
  virtual void allreduce_host(const void* in, void* out, int64_t n, DType dtype) = 0;
  // Sums n elements of device memory over every process, enqueued on the CUDA stream, without
  // waiting. Returns false when this backend has no GPU path for the current device (no NCCL,
  // or ranks sharing a GPU): the kernel then stages the data through the host.
  virtual bool allreduce_device(const void* in, void* out, int64_t n, DType dtype, void* stream) {
    (void)in, (void)out, (void)n, (void)dtype, (void)stream;
    return false;
  }
};

// Installed by the runtime's communicator (nullptr: one process).
void set_collective_backend(CollectiveBackend* backend);
// The backend, or nullptr for a process alone. Throws tg::Error when an MPI launcher started
// this process but no backend was installed (runtime::Communicator::world() never called), so
// that an all-reduce never silently reduces over one process of a job.
CollectiveBackend* collective_backend();

}  // namespace tg
