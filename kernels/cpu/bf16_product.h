// Float32 matrix products computed in bfloat16 with float32 accumulation (MathPrecision::
// BFloat16): both operands are rounded to bf16 by oneDNN reorders into per-shape scratch, and
// oneDNN's bf16 matmul (AMX or AVX512-BF16 where the CPU has them) accumulates in f32 and
// writes f32, with the bias added and the activation applied in f32 in the same primitive.
// Weights, their gradients' accumulation and optimizer state stay float32: only the products'
// inputs lose mantissa bits (bf16 keeps f32's 8-bit exponent, so nothing underflows that f32
// would keep, and no loss scaling is needed).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>

namespace tg::cpu {

struct Bf16Product {
  int64_t m, n, k;
  bool ta, tb;                    // a is [k, m] / b is [n, k] when transposed
  const float* bias = nullptr;    // [n], or none
  dnnl::algorithm activation = dnnl::algorithm::undef;  // undef: none
  float alpha = 0;
};

// c[m, n] = activation(op(a) x op(b) + bias), computed as described above. Scratch and
// primitives are cached per thread and shape: steady-state calls allocate nothing. Returns
// false, having done nothing, where oneDNN has no bf16 product on this CPU (before AVX-512):
// the caller then computes in float32 (logged once).
bool bf16_product(const Bf16Product& p, const float* a, const float* b, float* c);

}  // namespace tg::cpu
