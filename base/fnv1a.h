// 64-bit FNV-1a: stable across runs, builds and machines, unlike std::hash. Feature columns
// hash categories with it (a model exported here buckets them the same way wherever it is
// served), and datasets key the positions a continued run resumes from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tg {

inline constexpr uint64_t kFnv1aBasis = 1469598103934665603ull;

// Continues hash h over n bytes at p (start with kFnv1aBasis).
inline uint64_t fnv1a(const void* p, size_t n, uint64_t h = kFnv1aBasis) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= 1099511628211ull;
  }
  return h;
}
inline uint64_t fnv1a(std::string_view s, uint64_t h = kFnv1aBasis) { return fnv1a(s.data(), s.size(), h); }

}  // namespace tg
