#include "kernels/registry.h"

#include <mutex>
#include <unordered_map>

#include "base/error.h"

namespace tg {

namespace cpu {
// Each CPU family registers itself from kernels/cpu/<family>.cpp.
void register_math_kernels();
void register_reduce_kernels();
void register_nn_kernels();
void register_array_kernels();
void register_state_kernels();
void register_loss_kernels();
void register_training_kernels();
void register_feature_kernels();
void register_collective_kernels();
}  // namespace cpu

#ifdef TG_WITH_CUDA
namespace cuda {
// Each CUDA family registers itself from kernels/cuda/<family>.cu.
void register_math_kernels();
void register_nn_kernels();
void register_reduce_kernels();
void register_array_kernels();
void register_state_kernels();
void register_training_kernels();
void register_loss_kernels();
void register_collective_kernels();
}  // namespace cuda
#endif

namespace {
std::string key(const std::string& op, DeviceType d, DType t) {
  return op + "/" + device_type_name(d) + "/" + dtype_name(t);
}
std::unordered_map<std::string, KernelFn>& table() {
  static std::unordered_map<std::string, KernelFn> t;
  return t;
}
void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    cpu::register_math_kernels();
    cpu::register_reduce_kernels();
    cpu::register_nn_kernels();
    cpu::register_array_kernels();
    cpu::register_state_kernels();
    cpu::register_loss_kernels();
    cpu::register_training_kernels();
    cpu::register_feature_kernels();
    cpu::register_collective_kernels();
#ifdef TG_WITH_CUDA
    cuda::register_math_kernels();
    cuda::register_nn_kernels();
    cuda::register_reduce_kernels();
    cuda::register_array_kernels();
    cuda::register_state_kernels();
    cuda::register_training_kernels();
    cuda::register_loss_kernels();
    cuda::register_collective_kernels();
#endif
  });
}
}  // namespace

const char* device_type_name(DeviceType d) { return d == DeviceType::CPU ? "CPU" : "CUDA"; }

void register_kernel(const std::string& op, DeviceType device, DType dtype, KernelFn fn) {
  // A second kernel for one (op, device, dtype) is a bug, as a second op definition is.
  TG_ASSERT(table().emplace(key(op, device, dtype), fn).second);
}

KernelFn find_kernel(const std::string& op, DeviceType device, DType dtype) {
  ensure_registered();
  auto it = table().find(key(op, device, dtype));
  return it == table().end() ? nullptr : it->second;
}

}  // namespace tg
