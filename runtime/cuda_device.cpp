// The CUDA device: one stream per GPU, a caching allocator over cudaMalloc (plain device
// memory, never managed memory), page-locked staging memory, events and CUDA graphs.
#include <cuda_runtime_api.h>

#include <map>
#include <mutex>
#include <unordered_map>

#include "base/log.h"
#include "kernels/cuda/check.h"
#include "kernels/cuda/scratch.h"
#include "runtime/device.h"

namespace tg {

namespace {

// For calls made while releasing (destructors must not throw): a failure is logged.
void warn_on_failure(cudaError_t e, const char* call) {
  if (e == cudaSuccess) return;
  cudaGetLastError();  // reported here: the next launch check must not blame its kernel for it
  log_warn("CUDA error '", cudaGetErrorString(e), "' in ", call, " while releasing");
}

// Sizes are rounded so that buffers of nearby sizes share cached blocks: 512 bytes below
// 1 MiB, 2 MiB above (the granularity cudaMalloc works in anyway).
size_t round_size(size_t bytes) {
  size_t q = bytes < (size_t{1} << 20) ? 512 : (size_t{2} << 20);
  return (std::max<size_t>(bytes, 1) + q - 1) / q * q;
}

// Freed blocks are kept per size and handed out again; all work of a device is ordered on its
// one stream, so a block freed by the host may be reused by later work on that stream. When
// cudaMalloc runs out, the cache is released and the allocation tried once more.
class CachingAllocator : public Allocator {
 public:
  // Lives as long as its device, which is the whole process.
  CachingAllocator(int device, cudaStream_t stream) : device_(device), stream_(stream) {}

  void* allocate(size_t bytes) override {
    size_t size = round_size(bytes);
    std::lock_guard<std::mutex> lock(mu_);
    // A cached block up to twice the size is good enough; bigger ones stay for bigger needs.
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first <= 2 * size) {
      void* p = it->second;
      in_use_[p] = it->first;
      in_use_bytes_ += it->first;
      cached_bytes_ -= it->first;
      free_.erase(it);
      return p;
    }
    TG_CUDA_CHECK(cudaSetDevice(device_));
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cache();
      e = cudaMalloc(&p, size);
    }
    if (e == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      throw Error(ErrorCode::ResourceExhausted, cat("out of GPU memory on /gpu:", device_, ": ", size, " bytes requested, ",
                      free_b, " free of ", total_b, ", ", in_use_bytes_, " in use by tensorgraph"));
    }
    TG_CUDA_CHECK(e);
    in_use_[p] = size;
    in_use_bytes_ += size;
    return p;
  }

  void deallocate(void* p, size_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = in_use_.find(p);
    TG_ASSERT(it != in_use_.end());
    free_.emplace(it->second, p);
    in_use_bytes_ -= it->second;
    cached_bytes_ += it->second;
    in_use_.erase(it);
  }

  bool host_accessible() const override { return false; }
  void zero(void* p, size_t bytes) override {
    TG_CUDA_CHECK(cudaSetDevice(device_));  // the stream is this device's
    TG_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, stream_));
  }

  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return cached_bytes_;
  }
  size_t in_use_bytes() {
    std::lock_guard<std::mutex> lock(mu_);
    return in_use_bytes_;
  }

 private:
  void release_cache() {
    for (auto& [size, p] : free_) TG_CUDA_CHECK(cudaFree(p));
    free_.clear();
    cached_bytes_ = 0;
  }

  int device_;
  cudaStream_t stream_;
  std::mutex mu_;
  std::multimap<size_t, void*> free_;
  std::unordered_map<void*, size_t> in_use_;
  size_t cached_bytes_ = 0, in_use_bytes_ = 0;
};

// Page-locked host memory: copies from and to it run asynchronously.
class PinnedAllocator : public Allocator {
 public:
  void* allocate(size_t bytes) override {
    void* p = nullptr;
    TG_CUDA_CHECK(cudaHostAlloc(&p, std::max<size_t>(bytes, 1), cudaHostAllocDefault));
    return p;
  }
  void deallocate(void* p, size_t) override { warn_on_failure(cudaFreeHost(p), "cudaFreeHost"); }
};

class CudaDevice : public Device {
 public:
  explicit CudaDevice(int index) : index_(index) {
    TG_CUDA_CHECK(cudaSetDevice(index_));
    TG_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    alloc_ = std::make_unique<CachingAllocator>(index_, stream_);
  }

  DeviceId id() const override { return {DeviceType::CUDA, index_}; }
  std::string description() const override {
    cudaDeviceProp p{};
    TG_CUDA_CHECK(cudaGetDeviceProperties(&p, index_));
    return cat(p.name, ", ", static_cast<double>(p.totalGlobalMem >> 20) / 1024.0, " GiB, compute capability ",
               p.major, ".", p.minor, ", ", p.multiProcessorCount, " multiprocessors");
  }
  Allocator* allocator() override { return alloc_.get(); }
  Allocator* staging_allocator() override { return &pinned_; }
  void activate() override { TG_CUDA_CHECK(cudaSetDevice(index_)); }

  void copy_from_host(void* dst, const void* src, size_t bytes) override {
    TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
  }
  void copy_to_host(void* dst, const void* src, size_t bytes) override {
    TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    synchronize();
  }
  // Errors of kernels that ran asynchronously surface here; the plan names the segment. So do
  // the bad ids that Gather, GatherGrad and the sparse cross-entropy recorded on the device.
  void synchronize() override {
    host_syncs_.fetch_add(1, std::memory_order_relaxed);
    TG_CUDA_CHECK(cudaStreamSynchronize(stream_));
    cuda::raise_device_errors(index_);
  }
  void* stream() override { return stream_; }
  MemoryInfo memory_info() override {
    MemoryInfo m;
    activate();
    TG_CUDA_CHECK(cudaMemGetInfo(&m.free_bytes, &m.total_bytes));
    m.cached_bytes = alloc_->cached_bytes();
    m.in_use_bytes = alloc_->in_use_bytes();
    return m;
  }

  void* create_event() override {
    cudaEvent_t e;
    TG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    return e;
  }
  void record_event(void* e) override { TG_CUDA_CHECK(cudaEventRecord(static_cast<cudaEvent_t>(e), stream_)); }
  void wait_event(void* e) override { TG_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(e))); }
  void destroy_event(void* e) override {
    warn_on_failure(cudaEventDestroy(static_cast<cudaEvent_t>(e)), "cudaEventDestroy");
  }

  bool supports_graphs() const override { return true; }
  void begin_capture() override {
    TG_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
  }
  void* end_capture() override {
    cudaGraph_t graph = nullptr;
    TG_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    cudaGraphExec_t exec = nullptr;
    cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
    warn_on_failure(cudaGraphDestroy(graph), "cudaGraphDestroy");
    TG_CUDA_CHECK(e);
    return exec;
  }
  void abandon_capture() override {
    // The failure may have come after the capture ended (instantiating the graph).
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    cudaStreamIsCapturing(stream_, &status);
    if (status != cudaStreamCaptureStatusNone) {
      cudaGraph_t graph = nullptr;
      cudaStreamEndCapture(stream_, &graph);  // reports the failure that ended it: known already
      if (graph) warn_on_failure(cudaGraphDestroy(graph), "cudaGraphDestroy");
    }
    cudaGetLastError();  // so that the next launch check does not report it again
  }
  void launch_graph(void* g) override {
    TG_CUDA_CHECK(cudaGraphLaunch(static_cast<cudaGraphExec_t>(g), stream_));
  }
  void destroy_graph(void* g) override {
    warn_on_failure(cudaGraphExecDestroy(static_cast<cudaGraphExec_t>(g)), "cudaGraphExecDestroy");
  }

 private:
  int index_;
  cudaStream_t stream_ = nullptr;
  std::unique_ptr<CachingAllocator> alloc_;
  PinnedAllocator pinned_;
};

}  // namespace

std::vector<Device*> discover_cuda_devices(std::string* reason) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    cudaGetLastError();
    *reason = cat("the CUDA runtime finds no GPU: ", cudaGetErrorString(e));
    log_debug(*reason);
    return {};
  }
  if (n == 0) *reason = "the CUDA runtime finds no GPU";
  std::vector<Device*> devices;
  // Devices live for the whole process, like the CUDA context they stand for.
  for (int i = 0; i < n; ++i) devices.push_back(new CudaDevice(i));
  return devices;
}

}  // namespace tg
