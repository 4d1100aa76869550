#include "kernels/cuda/scratch.h"

#include <array>
#include <vector>

#include "base/error.h"
#include "kernels/cuda/check.h"

namespace tg::cuda {

namespace {

struct PerDevice {
  std::mutex scratch_mu;  // held by a lease
  void* scratch = nullptr;
  size_t scratch_bytes = 0;
  std::vector<void*> retired;  // replaced buffers, kept for the CUDA graphs that use them

  std::mutex record_mu;
  DeviceErrorRecord* record = nullptr;
};

constexpr int kMaxDevices = 64;

PerDevice& per_device(int dev) {
  static std::array<PerDevice, kMaxDevices> all;
  TG_CHECK(dev >= 0 && dev < kMaxDevices, "CUDA device ", dev, " is beyond the ", kMaxDevices, " supported");
  return all[static_cast<size_t>(dev)];
}

int current_device() {
  int dev = 0;
  TG_CUDA_CHECK(cudaGetDevice(&dev));
  return dev;
}

}  // namespace

ScratchLease::ScratchLease(size_t bytes, cudaStream_t stream) {
  PerDevice& d = per_device(current_device());
  lock_ = std::unique_lock<std::mutex>(d.scratch_mu);
  if (bytes > d.scratch_bytes) {
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    TG_CUDA_CHECK(cudaStreamIsCapturing(stream, &capture));
    TG_CHECK(capture == cudaStreamCaptureStatusNone, "a kernel needs ", bytes,
             " bytes of scratch memory during a CUDA graph capture, more than its first run did");
    size_t grown = std::max<size_t>(bytes, std::max<size_t>(d.scratch_bytes * 2, size_t{1} << 20));
    void* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, grown));
    if (d.scratch) d.retired.push_back(d.scratch);
    d.scratch = p;
    d.scratch_bytes = grown;
  }
  data_ = d.scratch;
}

DeviceErrorRecord* device_error_record(cudaStream_t stream) {
  PerDevice& d = per_device(current_device());
  std::lock_guard<std::mutex> lock(d.record_mu);
  if (!d.record) {
    void* p = nullptr;
    TG_CUDA_CHECK(cudaMalloc(&p, sizeof(DeviceErrorRecord)));
    TG_CUDA_CHECK(cudaMemsetAsync(p, 0, sizeof(DeviceErrorRecord), stream));  // before any kernel uses it
    d.record = static_cast<DeviceErrorRecord*>(p);
  }
  return d.record;
}

void raise_device_errors(int device) {
  PerDevice& d = per_device(device);
  std::lock_guard<std::mutex> lock(d.record_mu);
  if (!d.record) return;
  DeviceErrorRecord r{};
  // The caller has synchronized the stream; this small copy is the only cost of the check.
  TG_CUDA_CHECK(cudaMemcpy(&r, d.record, sizeof r, cudaMemcpyDefault));
  if (r.code == 0) return;
  // Cleared on the record's own device, before any later kernel can run.
  int current = current_device();
  TG_CUDA_CHECK(cudaSetDevice(device));
  cudaError_t cleared = cudaMemset(d.record, 0, sizeof(DeviceErrorRecord));
  if (cleared == cudaSuccess) cleared = cudaDeviceSynchronize();
  TG_CUDA_CHECK(cudaSetDevice(current));
  TG_CUDA_CHECK(cleared);
  switch (static_cast<DeviceErrorCode>(r.code)) {
    case DeviceErrorCode::GatherIndex:
    case DeviceErrorCode::GatherGradIndex:
      fail(r.code == static_cast<int>(DeviceErrorCode::GatherIndex) ? "Gather" : "GatherGrad", " on the GPU: index ",
           r.value, " at position ", r.position, " is out of range [0, ", r.limit, ")");
    case DeviceErrorCode::SparseLabel:
      fail("SparseSoftmaxCrossEntropyWithLogits on the GPU: label ", r.value, " in row ", r.position,
           " is out of range [0, ", r.limit, ")");
    default:
      fail("a CUDA kernel recorded an unknown error code ", r.code);
  }
}

}  // namespace tg::cuda
