#include "kernels/cpu/dnnl_util.h"

#include "base/error.h"

namespace tg::cpu {

dnnl::engine& dnnl_engine() {
  thread_local dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream& dnnl_stream() {
  thread_local dnnl::stream s(dnnl_engine());
  return s;
}

void dnnl_execute(const dnnl::primitive& p, int n_args, const int* args,
                  const dnnl::memory* mems) {
  dnnl_exec_arg_t c_args[8];
  TG_ASSERT(n_args <= 8);
  for (int i = 0; i < n_args; ++i) c_args[i] = {args[i], mems[i].get()};
  dnnl_status_t st = dnnl_primitive_execute(p.get(), dnnl_stream().get(), n_args, c_args);
  TG_CHECK(st == dnnl_success, "oneDNN primitive execution failed with status ", st);
  dnnl_stream().wait();
}

}  // namespace tg::cpu

namespace tg::cpu {

void eltwise_f32(dnnl::algorithm alg, float alpha, const float* src, float* dst, int64_t n) {
  if (n <= 0) return;
  constexpr int kEltwiseKind = 100;
  auto& p = cached_primitive(PrimitiveKey{kEltwiseKind, n, 0, 0, static_cast<int>(alg), alpha}, [&] {
    dnnl::memory::desc md({n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::a);
    dnnl::eltwise_forward::primitive_desc pd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, md, alpha, 0.f), dnnl_engine());
    CachedPrimitive cp;
    cp.prim = dnnl::eltwise_forward(pd);
    cp.mem[0] = dnnl::memory(md, dnnl_engine(), nullptr);
    cp.mem[1] = dnnl::memory(md, dnnl_engine(), nullptr);
    cp.args[0] = DNNL_ARG_SRC;
    cp.args[1] = DNNL_ARG_DST;
    cp.n = 2;
    return cp;
  });
  void* h[2] = {const_cast<float*>(src), dst};
  run_cached(p, h);
}

void run_cached(CachedPrimitive& p, void* const* handles) {
  for (int i = 0; i < p.n; ++i) p.mem[i].set_data_handle(handles[i]);
  dnnl_execute(p.prim, p.n, p.args, p.mem);
}

}  // namespace tg::cpu
