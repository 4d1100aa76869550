// Index geometry shared by the CPU and CUDA kernels: row-major strides, the split of a shape
// around an axis, and which axes a reduction's attributes name.
#pragma once

#include <cstdint>
#include <vector>

#include "base/attrs.h"
#include "base/shape.h"

namespace tg {

std::vector<int64_t> contiguous_strides(const Shape& s);
// Strides of `operand` aligned to an output of `out`'s rank, with 0 along every axis where
// the operand is broadcast (its size is 1, or it lacks the axis).
std::vector<int64_t> broadcast_strides(const Shape& operand, const Shape& out);

// Splits a shape around `axis` into outer x (axis size) x inner.
void around_axis(const Shape& s, int axis, int64_t* outer, int64_t* inner);

// Which axes of a rank-`rank` tensor the "axes" attribute reduces (empty = all).
std::vector<bool> reduced_mask(const Attrs& a, int rank);

}  // namespace tg
