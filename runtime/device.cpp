#include "runtime/device.h"

#include <cstring>

#include "base/error.h"
#include "base/parallel.h"

namespace tg {

std::string DeviceId::name() const {
  return cat(type == DeviceType::CPU ? "/cpu:" : "/gpu:", index);
}

namespace {

class CpuDevice : public Device {
 public:
  DeviceId id() const override { return {DeviceType::CPU, 0}; }
  std::string description() const override {
    return cat("CPU, ", num_threads(), " threads (oneDNN and OpenMP)");
  }
  Allocator* allocator() override { return default_allocator(); }
  Allocator* staging_allocator() override { return default_allocator(); }
  void copy_from_host(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void copy_to_host(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  MemoryInfo memory_info() override { return {}; }
};

}  // namespace

#ifdef TG_WITH_CUDA
// runtime/cuda_device.cpp
std::vector<Device*> discover_cuda_devices(std::string* reason);
#else
static std::vector<Device*> discover_cuda_devices(std::string* reason) {
  *reason = "this build of tensorgraph has no CUDA device (built without nvcc or with TG_CUDA=OFF)";
  return {};
}
#endif

Device* cpu_device() {
  static CpuDevice d;
  return &d;
}

namespace {
struct CudaInventory {
  std::vector<Device*> devices;
  std::string reason;
  CudaInventory() { devices = discover_cuda_devices(&reason); }
};
const CudaInventory& inventory() {
  static CudaInventory inv;
  return inv;
}
}  // namespace

const std::vector<Device*>& cuda_devices() { return inventory().devices; }
std::string cuda_unavailable_reason() { return inventory().reason; }

Device* find_device(const DeviceId& id) {
  if (id.type == DeviceType::CPU) return id.index == 0 ? cpu_device() : nullptr;
  const auto& gpus = cuda_devices();
  return id.index >= 0 && id.index < static_cast<int>(gpus.size()) ? gpus[static_cast<size_t>(id.index)] : nullptr;
}

}  // namespace tg
