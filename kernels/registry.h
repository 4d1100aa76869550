// The kernel registry: plain functions on tensors, keyed by (op, device, dtype).
//
// Kernels never see a Node, a Graph or a Session. The session hands each one its input
// tensors, output tensors already allocated to the inferred shapes (in the memory of the
// kernel's device), the node's attributes, the run counter (random ops derive fresh numbers
// per run from it) and, for CUDA kernels, the stream to enqueue their work on.
#pragma once

#include <span>
#include <string>

#include "base/attrs.h"
#include "base/tensor.h"

namespace tg {

enum class DeviceType : uint8_t { CPU, CUDA };
const char* device_type_name(DeviceType d);

struct KernelContext {
  std::span<const Tensor* const> inputs;
  std::span<Tensor* const> outputs;
  const Attrs& attrs;
  uint64_t run_counter = 0;
  void* stream = nullptr;  // cudaStream_t for CUDA kernels
  MathPrecision precision = MathPrecision::Float32;  // how float32 matrix products compute

  const Tensor& in(size_t i) const { return *inputs[i]; }
  Tensor& out(size_t i = 0) const { return *outputs[i]; }
};

using KernelFn = void (*)(const KernelContext&);

// The dtype a kernel is selected by: input 0's, or output 0's for ops without inputs.
void register_kernel(const std::string& op, DeviceType device, DType dtype, KernelFn fn);
// nullptr when (op, device, dtype) has no kernel.
KernelFn find_kernel(const std::string& op, DeviceType device, DType dtype);

}  // namespace tg
