// The dropout mask's draws, shared by the CPU and CUDA kernels so that both devices drop the
// same elements: element i of run r keeps its value when splitmix64(base + i) >= cut.
#pragma once

#include <cstdint>

#include "kernels/activation.h"  // TG_HOST_DEVICE

namespace tg {

TG_HOST_DEVICE inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline uint64_t dropout_base(int64_t seed, uint64_t run_counter) {
  return splitmix64(static_cast<uint64_t>(seed) * 0x9E3779B97F4A7C15ull + run_counter);
}

// rate x 2^64: a draw below it drops the element.
inline uint64_t dropout_cut(double rate) { return static_cast<uint64_t>(rate * 18446744073709551616.0); }

}  // namespace tg
