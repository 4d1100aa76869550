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

void run_cached(CachedPrimitive& p, void* const* handles) {
  for (int i = 0; i < p.n; ++i) p.mem[i].set_data_handle(handles[i]);
  dnnl_execute(p.prim, p.n, p.args, p.mem);
}

}  // namespace tg::cpu
