// Temporary device memory for kernels that need it (CUB's reductions, Thrust's sort, partial
// sums), and the device-side error record of kernels that validate ids.
//
// Scratch: one buffer per device, shared by every kernel on it -- they all enqueue on the
// device's one stream, so their uses never overlap. A lease holds the buffer while a kernel
// enqueues its launches, so another thread's kernel cannot slip in between them. It grows on
// a kernel's first run with new shapes, which runs outside any CUDA graph capture; a smaller
// buffer it replaces is kept, never freed, because a captured graph may still use it. Growing
// during a capture is refused (an error: the plan then runs that segment kernel by kernel).
//
// Errors: a kernel cannot throw, and checking ids on the host would need the ids there (a
// synchronization every step). So Gather, GatherGrad and the sparse cross-entropy clamp a bad
// id into range (no memory outside the tensors is touched) and record the first one in a
// per-device record in device memory; the CUDA device reads the record after each stream
// synchronization and throws the error, naming the op, the id and its position.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <mutex>

namespace tg::cuda {

class ScratchLease {
 public:
  // At least `bytes` of the current device's scratch, for work enqueued on `stream`.
  ScratchLease(size_t bytes, cudaStream_t stream);
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

  void* data() const { return data_; }
  // Splits the lease into parts: the next `count` elements of T, 256-byte aligned.
  template <class T>
  T* take(size_t count) {
    T* p = reinterpret_cast<T*>(static_cast<char*>(data_) + used_);
    used_ += (count * sizeof(T) + 255) / 256 * 256;
    return p;
  }
  // The bytes a lease split into parts of these sizes needs.
  static size_t round(size_t bytes) { return (bytes + 255) / 256 * 256; }

 private:
  std::unique_lock<std::mutex> lock_;
  void* data_ = nullptr;
  size_t used_ = 0;
};

enum class DeviceErrorCode : int { None = 0, GatherIndex, GatherGradIndex, SparseLabel };

struct DeviceErrorRecord {
  int code;  // a DeviceErrorCode; the first error claims the record
  int64_t value, position, limit;
};

// The current device's record, for kernels enqueued on `stream` (allocated and zeroed on that
// stream at first use, which is a plan's first run, outside any capture).
DeviceErrorRecord* device_error_record(cudaStream_t stream);
// After a synchronization of device `device`'s stream: throws tg::Error describing the first
// recorded error, if any, and clears it. Does nothing on a device whose kernels never asked
// for the record.
void raise_device_errors(int device);

#ifdef __CUDACC__
// Records (value at position, outside [0, limit)) unless an earlier error holds the record.
__device__ inline void record_device_error(DeviceErrorRecord* rec, DeviceErrorCode code, int64_t value,
                                           int64_t position, int64_t limit) {
  if (atomicCAS(&rec->code, 0, static_cast<int>(code)) == 0) {
    rec->value = value;
    rec->position = position;
    rec->limit = limit;
  }
}
// An id checked against [0, limit): in range it is returned; otherwise it is recorded and 0
// is returned (limit > 0), so that the kernel reads and writes within its tensors.
template <class I>
__device__ inline int64_t checked_id(const I* ids, int64_t pos, int64_t limit, DeviceErrorRecord* rec,
                                     DeviceErrorCode code) {
  int64_t k = static_cast<int64_t>(ids[pos]);
  if (k >= 0 && k < limit) return k;
  record_device_error(rec, code, k, pos, limit);
  return 0;
}
#endif

}  // namespace tg::cuda
