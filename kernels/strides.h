// Row-major strides, shared by the CPU and CUDA kernels' strided loops.
#pragma once

#include <cstdint>
#include <vector>

#include "base/shape.h"

namespace tg {

std::vector<int64_t> contiguous_strides(const Shape& s);
// Strides of `operand` aligned to an output of `out`'s rank, with 0 along every axis where
// the operand is broadcast (its size is 1, or it lacks the axis).
std::vector<int64_t> broadcast_strides(const Shape& operand, const Shape& out);

}  // namespace tg
