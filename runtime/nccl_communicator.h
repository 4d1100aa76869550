// NCCL between the GPUs of a job (compiled only with CUDA): the device path of the
// communicator's all-reduce when every rank has a GPU of its own. libnccl is opened with dlopen
// at first use, so a program built with CUDA starts (and runs on CPUs) without it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/dtype.h"

namespace tg {

class Communicator;

// Whether this process could use NCCL: the library loads and this machine has at least
// `local_ranks` GPUs (so the ranks on it need not share one). "" when it can, else why not.
std::string nccl_unavailable_reason(int local_ranks);
// The number of NVIDIA GPUs the driver lists (/proc/driver/nvidia/gpus), without starting CUDA.
int driver_gpu_count();

class NcclComm {
 public:
  // One NCCL communicator over the job's ranks on the current CUDA device: rank 0's unique id
  // goes to the others through MPI. Every rank must call it at the same point.
  static std::unique_ptr<NcclComm> create(Communicator& world);
  ~NcclComm();
  // Sums n elements of device memory over the ranks on the stream and waits for it (under the
  // communicator's watchdog, so a lost peer cannot hang the step).
  void allreduce(const void* in, void* out, int64_t n, DType dtype, void* stream);

 private:
  NcclComm() = default;
  void* comm_ = nullptr;
};

}  // namespace tg
