#include "runtime/device.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "base/log.h"
#include "base/parallel.h"

namespace tg {

std::string DeviceId::name() const {
  return cat(type == DeviceType::CPU ? "/cpu:" : "/gpu:", index);
}

DeviceLocks::DeviceLocks(std::vector<Device*> devices) {
  std::erase_if(devices, [](Device* d) { return d == nullptr || !d->id().is_gpu(); });
  std::sort(devices.begin(), devices.end(), [](Device* a, Device* b) { return a->id().index < b->id().index; });
  devices.erase(std::unique(devices.begin(), devices.end()), devices.end());
  for (Device* d : devices) {
    d->work_mutex().lock();
    held_.push_back(d);
  }
}

DeviceLocks::~DeviceLocks() {
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) (*it)->work_mutex().unlock();
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

std::vector<Device*> discover_devices_safely(const std::function<std::vector<Device*>(std::string*)>& discover,
                                             std::string* reason) {
  // Never rethrown: a static whose constructor throws is constructed again -- and fails
  // again -- at every use, so every session would fail instead of running on the CPU.
  try {
    return discover(reason);
  } catch (const std::exception& e) {
    *reason = cat("opening the GPUs failed: ", e.what());
  } catch (...) {
    *reason = "opening the GPUs failed with an unknown exception";
  }
  log_warn("no GPU: ", *reason, "; running on the CPU");
  return {};  // devices opened before the failure stay unused
}

Device* cpu_device() {
  static CpuDevice d;
  return &d;
}

namespace {
struct CudaInventory {
  std::vector<Device*> devices;
  std::string reason;
  CudaInventory() { devices = discover_devices_safely(&discover_cuda_devices, &reason); }
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
