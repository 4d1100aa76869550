// CPU kernels of the neural-network family. Float32 matrix products, activations and
// softmax run on oneDNN (which reaches the machine's peak and vectorizes exp); float64, used
// by gradient checks, runs on plain loops.
#include <algorithm>
#include <cstring>

#include "kernels/activation.h"
#include "kernels/dropout.h"
#include "kernels/cpu/bf16_product.h"
#include "kernels/cpu/common.h"
#include "kernels/cpu/dnnl_util.h"

namespace tg::cpu {

namespace {

using dnnl::algorithm;
using dnnl::memory;
using tag = memory::format_tag;

enum PrimKind { kMatMul = 1, kSoftmax };

struct Gemm {
  int64_t m, n, k;
  bool ta, tb;
};
Gemm gemm_dims(const KernelContext& c) {
  const Shape &a = c.in(0).shape(), &b = c.in(1).shape();
  bool ta = c.attrs.get_or<bool>("transpose_a", false), tb = c.attrs.get_or<bool>("transpose_b", false);
  return {ta ? a.dim(1) : a.dim(0), tb ? b.dim(0) : b.dim(1), ta ? a.dim(0) : a.dim(1), ta, tb};
}

// bf16 for a float32 product when the session asks for it and the product is large enough in
// every dimension to gain: a narrow one (a regression head's single unit, a 10-class output)
// spends more on converting its operands than the bf16 units save, so it stays in f32.
bool use_bf16(const KernelContext& c, const Gemm& g) {
  return c.precision == MathPrecision::BFloat16 && std::min({g.m, g.n, g.k}) >= 16;
}

template <class T>
void naive_gemm(const Gemm& g, const T* a, const T* b, T* c) {
  std::memset(c, 0, sizeof(T) * static_cast<size_t>(g.m * g.n));
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t p = 0; p < g.k; ++p) {
      T av = g.ta ? a[p * g.m + i] : a[i * g.k + p];
      for (int64_t j = 0; j < g.n; ++j) c[i * g.n + j] += av * (g.tb ? b[j * g.k + p] : b[p * g.n + j]);
    }
}

template <class T>
void matmul(const KernelContext& c) {
  Gemm g = gemm_dims(c);
  if (g.m == 0 || g.n == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (g.k == 0) {
      std::memset(c.out().raw(), 0, c.out().bytes());
      return;
    }
    if (use_bf16(c, g) &&
        bf16_product({.m = g.m, .n = g.n, .k = g.k, .ta = g.ta, .tb = g.tb}, c.in(0).data<float>(),
                     c.in(1).data<float>(), c.out().data<float>()))
      return;
    dnnl_status_t st = dnnl_sgemm(g.ta ? 'T' : 'N', g.tb ? 'T' : 'N', g.m, g.n, g.k, 1.f,
                                  c.in(0).data<float>(), g.ta ? g.m : g.k, c.in(1).data<float>(),
                                  g.tb ? g.k : g.n, 0.f, c.out().data<float>(), g.n);
    TG_CHECK(st == dnnl_success, "oneDNN sgemm failed with status ", st);
  } else {
    naive_gemm(g, c.in(0).data<T>(), c.in(1).data<T>(), c.out().data<T>());
  }
}

// oneDNN's eltwise algorithm and alpha for an activation (base/activations.h); None is linear.
algorithm dnnl_alg(Act a) {
  switch (a) {
#define TG_ACT_DNNL(e, name, op, alpha, dnnl, ...) \
  case Act::e: return algorithm::dnnl;
    TG_ACTIVATIONS(TG_ACT_DNNL)
#undef TG_ACT_DNNL
    case Act::None: break;
  }
  return algorithm::eltwise_linear;
}
float dnnl_alpha(Act a, double attr_alpha) {
  [[maybe_unused]] float alpha = static_cast<float>(attr_alpha);
  switch (a) {
#define TG_ACT_DNNL_ALPHA(e, name, op, default_alpha, dnnl, dnnl_a, ...) \
  case Act::e: return dnnl_a;
    TG_ACTIVATIONS(TG_ACT_DNNL_ALPHA)
#undef TG_ACT_DNNL_ALPHA
    case Act::None: break;
  }
  return 1.f;
}

// act(a x b + bias) in one oneDNN matmul with a bias and an eltwise post-op.
template <class T>
void fused_matmul(const KernelContext& c) {
  Gemm g = gemm_dims(c);
  Act act = act_from_name(c.attrs.get_or<std::string>("activation", "none"));
  double alpha = c.attrs.get_or<double>("alpha", act_default_alpha(act));
  if constexpr (std::is_same_v<T, float>) {
    if (g.k > 0 && use_bf16(c, g) &&
        bf16_product({.m = g.m, .n = g.n, .k = g.k, .ta = g.ta, .tb = g.tb, .bias = c.in(2).data<float>(),
                      .activation = act == Act::None ? algorithm::undef : dnnl_alg(act),
                      .alpha = dnnl_alpha(act, alpha)},
                     c.in(0).data<float>(), c.in(1).data<float>(), c.out().data<float>()))
      return;
    if (g.k > 0 && g.m > 0 && g.n > 0) {
      PrimitiveKey key{kMatMul, g.m, g.n, g.k, (g.ta ? 1 : 0) | (g.tb ? 2 : 0) | (static_cast<int>(act) << 2),
                       dnnl_alpha(act, alpha)};
      auto& p = cached_primitive(key, [&] {
        memory::desc a_md({g.m, g.k}, memory::data_type::f32,
                          g.ta ? memory::dims{1, g.m} : memory::dims{g.k, 1});
        memory::desc b_md({g.k, g.n}, memory::data_type::f32,
                          g.tb ? memory::dims{1, g.k} : memory::dims{g.n, 1});
        memory::desc bias_md({1, g.n}, memory::data_type::f32, tag::ab);
        memory::desc c_md({g.m, g.n}, memory::data_type::f32, tag::ab);
        dnnl::primitive_attr attr;
        if (act != Act::None) {
          dnnl::post_ops po;
          po.append_eltwise(1.f, dnnl_alg(act), dnnl_alpha(act, alpha), 0.f);
          attr.set_post_ops(po);
        }
        dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_md, b_md, bias_md, c_md), attr,
                                        dnnl_engine());
        CachedPrimitive cp;
        cp.prim = dnnl::matmul(pd);
        auto& e = dnnl_engine();
        cp.mem[0] = memory(a_md, e, nullptr);
        cp.mem[1] = memory(b_md, e, nullptr);
        cp.mem[2] = memory(bias_md, e, nullptr);
        cp.mem[3] = memory(c_md, e, nullptr);
        cp.args[0] = DNNL_ARG_SRC;
        cp.args[1] = DNNL_ARG_WEIGHTS;
        cp.args[2] = DNNL_ARG_BIAS;
        cp.args[3] = DNNL_ARG_DST;
        cp.n = 4;
        return cp;
      });
      void* h[4] = {c.in(0).raw(), c.in(1).raw(), c.in(2).raw(), c.out().raw()};
      run_cached(p, h);
      return;
    }
  }
  T* out = c.out().data<T>();
  naive_gemm(g, c.in(0).data<T>(), c.in(1).data<T>(), out);
  const T* bias = c.in(2).data<T>();
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j)
      out[i * g.n + j] = activate<T>(act, out[i * g.n + j] + bias[j], static_cast<T>(alpha));
}

template <class T>
void bias_add(const KernelContext& c) {
  const T *x = c.in(0).data<T>(), *b = c.in(1).data<T>();
  T* out = c.out().data<T>();
  int64_t cols = c.in(1).num_elements(), rows = cols ? c.in(0).num_elements() / cols : 0;
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r)
      for (int64_t j = 0; j < cols; ++j) out[r * cols + j] = x[r * cols + j] + b[j];
  });
}

// A primitive reading input 0 and writing output 0, both laid out as md.
CachedPrimitive src_dst_primitive(dnnl::primitive prim, const memory::desc& md) {
  CachedPrimitive cp;
  cp.prim = std::move(prim);
  cp.mem[0] = memory(md, dnnl_engine(), nullptr);
  cp.mem[1] = memory(md, dnnl_engine(), nullptr);
  cp.args[0] = DNNL_ARG_SRC;
  cp.args[1] = DNNL_ARG_DST;
  cp.n = 2;
  return cp;
}
void run_src_dst(CachedPrimitive& p, const KernelContext& c) {
  void* h[2] = {c.in(0).raw(), c.out().raw()};
  run_cached(p, h);
}

template <class T, Act A>
void activation(const KernelContext& c) {
  double alpha = c.attrs.get_or<double>("alpha", act_default_alpha(A));
  int64_t n = c.in(0).num_elements();
  if constexpr (std::is_same_v<T, float>) {
    eltwise_f32(dnnl_alg(A), dnnl_alpha(A, alpha), c.in(0).data<float>(), c.out().data<float>(), n);
    return;
  }
  T a = static_cast<T>(alpha);
  map_unary(c.in(0).data<T>(), c.out().data<T>(), n, [a](T x) { return activate<T>(A, x, a); });
}

// Input 1 is the activation's output or input, as its gradient reads (base/activations.h).
template <class T, Act A>
void activation_grad_loop(const KernelContext& c, T alpha) {
  const T *g = c.in(0).data<T>(), *v = c.in(1).data<T>();
  T* out = c.out().data<T>();
  parallel_for(c.out().num_elements(), kGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) out[i] = g[i] * activation_slope<T>(A, v[i], alpha);
  });
}

template <class T>
void activation_grad(const KernelContext& c) {
  Act act = act_from_name(c.attrs.get<std::string>("kind"));
  T alpha = static_cast<T>(c.attrs.get_or<double>("alpha", act_default_alpha(act)));
  switch (act) {
#define TG_ACT_GRAD(e, ...) \
  case Act::e: return activation_grad_loop<T, Act::e>(c, alpha);
    TG_ACTIVATIONS(TG_ACT_GRAD)
#undef TG_ACT_GRAD
    case Act::None: return activation_grad_loop<T, Act::None>(c, alpha);
  }
}

template <class T, bool Log>
void softmax(const KernelContext& c) {
  const Shape& s = c.in(0).shape();
  int64_t cols = s.rank() ? s.dim(s.rank() - 1) : 1;
  int64_t rows = cols ? c.in(0).num_elements() / cols : 0;
  if (rows == 0 || cols == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    auto& p = cached_primitive(PrimitiveKey{kSoftmax, rows, cols, 0, Log ? 1 : 0, 0.f}, [&] {
      memory::desc md({rows, cols}, memory::data_type::f32, tag::ab);
      dnnl::softmax_v2_forward::primitive_desc pd(
          dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                         Log ? algorithm::softmax_log : algorithm::softmax_accurate,
                                         md, md, 1),
          dnnl_engine());
      return src_dst_primitive(dnnl::softmax_v2_forward(pd), md);
    });
    run_src_dst(p, c);
  } else {
    const T* x = c.in(0).data<T>();
    T* out = c.out().data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      const T* xr = x + r * cols;
      T* o = out + r * cols;
      T mx = xr[0];
      for (int64_t j = 1; j < cols; ++j) mx = std::max(mx, xr[j]);
      T sum = 0;
      for (int64_t j = 0; j < cols; ++j) sum += std::exp(xr[j] - mx);
      for (int64_t j = 0; j < cols; ++j)
        o[j] = Log ? xr[j] - mx - std::log(sum) : std::exp(xr[j] - mx) / sum;
    }
  }
}

// 0 with probability rate, else 1/(1-rate); a fresh mask for every run of the session. Each
// element's draw is a SplitMix64 hash of (seed, run, index): reproducible, and cheap enough
// not to dominate a training step as a sequential generator would.
template <class T>
void dropout_mask(const KernelContext& c) {
  double rate = c.attrs.get<double>("rate");
  uint64_t base = dropout_base(c.attrs.get<int64_t>("seed"), c.run_counter);
  uint64_t cut = dropout_cut(rate);
  T keep = static_cast<T>(1.0 / (1.0 - rate));
  T* out = c.out().data<T>();
  parallel_for(c.out().num_elements(), kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = splitmix64(base + static_cast<uint64_t>(i)) >= cut ? keep : T(0);
  });
}

}  // namespace

void register_nn_kernels() {
#define TG_REG(op, fn) reg<float, double>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
#define TG_ACT(op, A) \
  reg<float, double>(op, [](auto z) -> KernelFn { return &activation<decltype(z), A>; })
  TG_REG("MatMul", matmul);
  TG_REG("FusedMatMul", fused_matmul);
  TG_REG("BiasAdd", bias_add);
  TG_REG("ActivationGrad", activation_grad);
  TG_REG("DropoutMask", dropout_mask);
#define TG_ACT_REG(e, name, op, ...) TG_ACT(op, Act::e);
  TG_ACTIVATIONS(TG_ACT_REG)
#undef TG_ACT_REG
  reg<float, double>("Softmax", [](auto z) -> KernelFn { return &softmax<decltype(z), false>; });
  reg<float, double>("LogSoftmax", [](auto z) -> KernelFn { return &softmax<decltype(z), true>; });
#undef TG_REG
#undef TG_ACT
}

}  // namespace tg::cpu
