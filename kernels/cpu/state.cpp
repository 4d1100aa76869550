// CPU kernels of the state family: fills, seeded random initial values, assignments.
// Assignments receive the variable's own buffer as output 0 and update it in place.
#include <random>

#include "kernels/cpu/common.h"

namespace tg::cpu {

namespace {

template <class T>
void fill(const KernelContext& c) {
  T v = static_cast<T>(c.attrs.get<double>("value"));
  T* out = c.out().data<T>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) out[i] = v;
}

// Random initial values depend on the seed only, so a graph initializes the same way in every
// session and on every run of its initializer.
template <class T, class Draw>
void random_fill(const KernelContext& c, Draw draw) {
  std::mt19937_64 rng(static_cast<uint64_t>(c.attrs.get<int64_t>("seed")));
  T* out = c.out().data<T>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) out[i] = static_cast<T>(draw(rng));
}

template <class T>
void random_normal(const KernelContext& c) {
  std::normal_distribution<double> d(c.attrs.get<double>("a"), c.attrs.get<double>("b"));
  random_fill<T>(c, [&](std::mt19937_64& r) { return d(r); });
}

// Normal values redrawn until within two standard deviations of the mean.
template <class T>
void truncated_normal(const KernelContext& c) {
  double mean = c.attrs.get<double>("a"), sd = c.attrs.get<double>("b");
  std::normal_distribution<double> d(0.0, 1.0);
  random_fill<T>(c, [&](std::mt19937_64& r) {
    double z;
    do z = d(r);
    while (z < -2.0 || z > 2.0);
    return mean + sd * z;
  });
}

template <class T>
void random_uniform(const KernelContext& c) {
  std::uniform_real_distribution<double> d(c.attrs.get<double>("a"), c.attrs.get<double>("b"));
  random_fill<T>(c, [&](std::mt19937_64& r) { return d(r); });
}

void assign(const KernelContext& c) { c.out().copy_from(c.in(1)); }

template <class T, int Sign>
void assign_update(const KernelContext& c) {
  T* v = c.out().data<T>();
  const T* d = c.in(1).data<T>();
  int64_t n = c.out().num_elements();
  bool scalar = c.in(1).num_elements() == 1;
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<T>(v[i] + Sign * d[scalar ? 0 : i]);
}

}  // namespace

void register_state_kernels() {
#define TG_REG(op, fn, ...) reg<__VA_ARGS__>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("Fill", fill, float, double, int32_t, int64_t);
  TG_REG("RandomNormal", random_normal, float, double);
  TG_REG("TruncatedNormal", truncated_normal, float, double);
  TG_REG("RandomUniform", random_uniform, float, double);
#undef TG_REG
  reg<float, double, int32_t, int64_t>("Assign", [](auto) -> KernelFn { return &assign; });
  reg<float, double, int32_t, int64_t>(
      "AssignAdd", [](auto z) -> KernelFn { return &assign_update<decltype(z), 1>; });
  reg<float, double, int32_t, int64_t>(
      "AssignSub", [](auto z) -> KernelFn { return &assign_update<decltype(z), -1>; });
}

}  // namespace tg::cpu
