// Activation functions and their derivatives, shared by the activation, fused-matmul and
// activation-gradient kernels of both devices: the CUDA kernels compute exactly the formulas the
// CPU ones do. The activations themselves are the rows of base/activations.h; a derivative is
// written in terms of what that table says the gradient reads (the output y, or the input x).
#pragma once

#include <cmath>
#include <string>

#include "base/activations.h"
#include "base/error.h"

#ifdef __CUDACC__
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

namespace tg {

#define TG_ACT_ENUM(e, ...) e,
enum class Act { None, TG_ACTIVATIONS(TG_ACT_ENUM) };
#undef TG_ACT_ENUM

// "none" (or "") and the table's names; throws tg::Error naming the choices for another.
Act act_from_name(const std::string& name);
const char* act_name(Act a);
// Whether the activation's gradient reads its input x (else its output y).
bool act_grad_reads_input(Act a);
// The default of its "alpha" attribute.
double act_default_alpha(Act a);

template <class T>
TG_HOST_DEVICE inline T activate(Act a, T x, T alpha) {
  switch (a) {
    case Act::None: return x;
    case Act::Relu: return x > 0 ? x : T(0);
    case Act::LeakyRelu: return x > 0 ? x : alpha * x;
    case Act::Elu: return x > 0 ? x : std::expm1(x);
    case Act::Sigmoid: return T(1) / (T(1) + std::exp(-x));
    case Act::Tanh: return std::tanh(x);
    case Act::Softplus: return std::log1p(std::exp(-std::abs(x))) + (x > 0 ? x : T(0));
    case Act::Gelu: return T(0.5) * x * (T(1) + std::tanh(T(0.7978845608028654) * (x + T(0.044715) * x * x * x)));
    case Act::GeluErf: return T(0.5) * x * (T(1) + std::erf(x * T(0.7071067811865476)));
    case Act::Silu: return x / (T(1) + std::exp(-x));
  }
  return x;
}

// d activation / dx, from y = activate(x) or from x, as the table's `reads` column says.
template <class T>
TG_HOST_DEVICE inline T activation_slope(Act a, T y, T alpha) {
  switch (a) {
    case Act::None: return T(1);
    case Act::Relu: return y > 0 ? T(1) : T(0);
    case Act::LeakyRelu: return y > 0 ? T(1) : alpha;
    case Act::Elu: return y > 0 ? T(1) : y + T(1);
    case Act::Sigmoid: return y * (T(1) - y);
    case Act::Tanh: return T(1) - y * y;
    case Act::Softplus: return -std::expm1(-y);  // sigmoid(x) = 1 - exp(-y)
    case Act::Gelu: {  // from x, as the rest below
      T t = std::tanh(T(0.7978845608028654) * (y + T(0.044715) * y * y * y));
      return T(0.5) * (T(1) + t) + T(0.5) * y * (T(1) - t * t) * T(0.7978845608028654) * (T(1) + T(0.134145) * y * y);
    }
    case Act::GeluErf: return T(0.5) * (T(1) + std::erf(y * T(0.7071067811865476))) + y * std::exp(T(-0.5) * y * y) * T(0.3989422804014327);
    case Act::Silu: { T s = T(1) / (T(1) + std::exp(-y)); return s * (T(1) + y * (T(1) - s)); }
  }
  return T(1);
}

}  // namespace tg
