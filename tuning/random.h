// The tuning library's random numbers: SplitMix64, with uniform and normal draws computed here
// rather than by <random>'s distributions (whose algorithms differ between standard libraries),
// so that the same seed gives the same study everywhere.
#pragma once

#include <cmath>
#include <cstdint>

namespace tg::tuning {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  // A generator for one purpose of one trial: (seed, stream) mixed, so that trial 7's draws do
  // not depend on how many draws trials 1 to 6 made.
  // Both go through the full mix, so that nearby streams start far apart.
  Rng(uint64_t seed, uint64_t stream) : state_(mix(mix(seed) ^ mix(stream + 0x8CB92BA72F3D8DD7ULL))) {}

  uint64_t next() { return mix(state_ += 0x9E3779B97F4A7C15ULL); }
  // In [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // In [0, n).
  uint64_t below(uint64_t n) { return n == 0 ? 0 : next() % n; }
  double normal() {
    double u1 = uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(1.0 - u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

}  // namespace tg::tuning
