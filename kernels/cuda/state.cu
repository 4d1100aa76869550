// CUDA kernels of the state family: fills and assignments. Assignments receive the variable's
// own buffer as output 0 and update it in place. The seeded random fills stay on the CPU: their
// sequential generator is what makes an initializer give the same values on every device.
#include "kernels/cuda/common.cuh"

namespace tg::cuda {

namespace {

template <class T>
void fill(const KernelContext& c) { fill_value<T>(c, static_cast<T>(c.attrs.get<double>("value"))); }

void assign(const KernelContext& c) {
  if (c.out().raw() == c.in(1).raw()) return;
  TG_CUDA_CHECK(cudaMemcpyAsync(c.out().raw(), c.in(1).raw(), c.out().bytes(), cudaMemcpyDeviceToDevice, stream_of(c)));
}

template <class T, int Sign>
__global__ void assign_update_kernel(T* v, const T* d, int64_t n, bool scalar) {
  TG_GRID_STRIDE(i, n) v[i] = static_cast<T>(v[i] + Sign * d[scalar ? 0 : i]);
}

template <class T, int Sign>
void assign_update(const KernelContext& c) {
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  assign_update_kernel<T, Sign><<<blocks_for(n), kThreads, 0, stream_of(c)>>>(
      c.out().data<T>(), c.in(1).data<T>(), n, c.in(1).num_elements() == 1);
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void register_state_kernels() {
  reg<float, double, int32_t, int64_t>("Fill", [](auto z) -> KernelFn { return &fill<decltype(z)>; });
  reg<float, double, int32_t, int64_t>("Assign", [](auto) -> KernelFn { return &assign; });
  reg<float, double, int32_t, int64_t>("AssignAdd", [](auto z) -> KernelFn { return &assign_update<decltype(z), 1>; });
  reg<float, double, int32_t, int64_t>("AssignSub", [](auto z) -> KernelFn { return &assign_update<decltype(z), -1>; });
}

}  // namespace tg::cuda
