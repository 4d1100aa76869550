// oneDNN plumbing for the CPU kernels: one engine and stream per thread, and primitives
// cached by their shape key so that steady-state steps only re-point memory handles.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace tg::cpu {

dnnl::engine& dnnl_engine();
dnnl::stream& dnnl_stream();

// Executes a primitive with up to four (arg, memory) pairs without building a std::map.
void dnnl_execute(const dnnl::primitive& p, int n_args, const int* args,
                  const dnnl::memory* mems);

}  // namespace tg::cpu

#include <cstdint>
#include <unordered_map>

namespace tg::cpu {

// Identifies a cached primitive: which kind, its dimensions and its options.
struct PrimitiveKey {
  int kind = 0;
  int64_t d0 = 0, d1 = 0, d2 = 0;
  int flags = 0;
  float alpha = 0;
  bool operator==(const PrimitiveKey& o) const {
    return kind == o.kind && d0 == o.d0 && d1 == o.d1 && d2 == o.d2 && flags == o.flags &&
           alpha == o.alpha;
  }
};
struct PrimitiveKeyHash {
  size_t operator()(const PrimitiveKey& k) const {
    size_t h = static_cast<size_t>(k.kind);
    for (int64_t v : {k.d0, k.d1, k.d2, static_cast<int64_t>(k.flags)})
      h = h * 1000003u ^ std::hash<int64_t>()(v);
    return h ^ std::hash<float>()(k.alpha);
  }
};
// A primitive with its memory objects, whose data handles are re-pointed on each call.
struct CachedPrimitive {
  dnnl::primitive prim;
  dnnl::memory mem[4];
  int args[4] = {0, 0, 0, 0};
  int n = 0;
};

// The per-thread cached primitive for key, created by make() on first use.
template <class Make>
CachedPrimitive& cached_primitive(const PrimitiveKey& key, Make make) {
  thread_local std::unordered_map<PrimitiveKey, CachedPrimitive, PrimitiveKeyHash> cache;
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return it->second;
}

// Points the cached memories at the given buffers and runs the primitive.
void run_cached(CachedPrimitive& p, void* const* handles);

// dst = alg(src) over n float32 values with oneDNN's vectorized eltwise (src may equal dst).
void eltwise_f32(dnnl::algorithm alg, float alpha, const float* src, float* dst, int64_t n);

}  // namespace tg::cpu
