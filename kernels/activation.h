// Activation functions and their derivatives written in terms of the output y, shared by the
// activation, fused-matmul and activation-gradient kernels of both devices: the CUDA kernels
// compute exactly the formulas the CPU ones do.
#pragma once

#include <cmath>
#include <string>

#include "base/error.h"

#ifdef __CUDACC__
#define TG_HOST_DEVICE __host__ __device__
#else
#define TG_HOST_DEVICE
#endif

namespace tg {

enum class Act { None, Relu, LeakyRelu, Elu, Sigmoid, Tanh, Softplus };

Act act_from_name(const std::string& name);

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
  }
  return x;
}

// d activation / dx, expressed with y = activate(x).
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
  }
  return T(1);
}

}  // namespace tg
