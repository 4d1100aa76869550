#include "kernels/cpu/bf16_product.h"

#include <unordered_map>

#include "base/log.h"
#include "kernels/cpu/dnnl_util.h"

namespace tg::cpu {

namespace {

using dnnl::memory;
using dt = memory::data_type;

// Everything one shape needs: the reorders into bf16 scratch and the product.
struct Cached {
  bool supported = true;
  dnnl::reorder to_a, to_b;
  dnnl::matmul product;
  memory a32, b32, a16, b16, bias, c;
};

Cached make(const Bf16Product& p) {
  auto& e = dnnl_engine();
  // The f32 operands as stored (a transposed operand is a strided view), and their bf16 copies
  // in the same layout: the conversion is then a straight pass over memory, and the product
  // reads the transposed operand as it would the f32 one.
  memory::dims a_strides = p.ta ? memory::dims{1, p.m} : memory::dims{p.k, 1};
  memory::dims b_strides = p.tb ? memory::dims{1, p.k} : memory::dims{p.n, 1};
  memory::desc a32({p.m, p.k}, dt::f32, a_strides), a16({p.m, p.k}, dt::bf16, a_strides);
  memory::desc b32({p.k, p.n}, dt::f32, b_strides), b16({p.k, p.n}, dt::bf16, b_strides);
  memory::desc bias({1, p.n}, dt::f32, memory::format_tag::ab);
  memory::desc c({p.m, p.n}, dt::f32, memory::format_tag::ab);
  dnnl::primitive_attr attr;
  if (p.activation != dnnl::algorithm::undef) {
    dnnl::post_ops po;
    po.append_eltwise(1.f, p.activation, p.alpha, 0.f);
    attr.set_post_ops(po);
  }
  dnnl::matmul::desc md = p.bias ? dnnl::matmul::desc(a16, b16, bias, c) : dnnl::matmul::desc(a16, b16, c);
  Cached r;
  dnnl::matmul::primitive_desc pd;
  try {
    pd = dnnl::matmul::primitive_desc(md, attr, e);
  } catch (const dnnl::error&) {
    static bool logged = false;
    if (!logged) log_warn("this CPU has no bf16 matrix product in oneDNN: products compute in float32");
    logged = true;
    r.supported = false;
    return r;
  }
  r.a32 = memory(a32, e, nullptr);
  r.b32 = memory(b32, e, nullptr);
  r.a16 = memory(a16, e);  // scratch owned by oneDNN, made once per shape
  r.b16 = memory(b16, e);
  r.bias = memory(bias, e, nullptr);
  r.c = memory(c, e, nullptr);
  r.to_a = dnnl::reorder(r.a32, r.a16);
  r.to_b = dnnl::reorder(r.b32, r.b16);
  r.product = dnnl::matmul(pd);
  return r;
}

}  // namespace

bool bf16_product(const Bf16Product& p, const float* a, const float* b, float* c) {
  thread_local std::unordered_map<PrimitiveKey, Cached, PrimitiveKeyHash> cache;
  PrimitiveKey key{static_cast<int>(p.activation), p.m, p.n, p.k, (p.ta ? 1 : 0) | (p.tb ? 2 : 0) | (p.bias ? 4 : 0),
                   p.alpha};
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make(p)).first;
  Cached& x = it->second;
  if (!x.supported) return false;
  x.a32.set_data_handle(const_cast<float*>(a));
  x.b32.set_data_handle(const_cast<float*>(b));
  x.c.set_data_handle(c);
  const int reorder_args[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
  const memory ra[2] = {x.a32, x.a16}, rb[2] = {x.b32, x.b16};
  dnnl_execute(x.to_a, 2, reorder_args, ra);
  dnnl_execute(x.to_b, 2, reorder_args, rb);
  if (p.bias) {
    x.bias.set_data_handle(const_cast<float*>(p.bias));
    const int args[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
    const memory m[4] = {x.a16, x.b16, x.bias, x.c};
    dnnl_execute(x.product, 4, args, m);
  } else {
    const int args[3] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST};
    const memory m[3] = {x.a16, x.b16, x.c};
    dnnl_execute(x.product, 3, args, m);
  }
  return true;
}

}  // namespace tg::cpu
