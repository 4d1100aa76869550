// The collective family: AllReduce, the op that data-parallel training sums or averages its
// gradients with (graph/distributed_optimizer.h). Kernels: kernels/cpu/collective.cpp (MPI),
// kernels/cuda/collective.cu (NCCL, or staged through the host).
#include "graph/ops/helpers.h"

namespace tg::ops {

Output all_reduce(Output x, const std::string& reduction, const std::string& name) {
  TG_CHECK(reduction == "sum" || reduction == "mean", "all_reduce: reduction '", reduction,
           "' is not sum or mean");
  return make("AllReduce", {x}, {{"reduction", reduction}}, name);
}

void register_collective_ops_impl() {
  // AllReduce(x; reduction): x's dtype and shape.
  OpDef d{"AllReduce",
          [](InferContext& c) {
            c.expect_inputs(1);
            c.expect_floating(0);
            const std::string& r = c.attrs.get<std::string>("reduction");
            if (r != "sum" && r != "mean") c.fail("reduction must be sum or mean, got '" + r + "'");
            c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
          },
          // Every rank's output depends on every rank's input alike: the gradient of a sum over
          // ranks is the sum of the ranks' gradients (a mean's, their mean).
          [](GradContext& c) -> std::vector<Output> {
            return {make("AllReduce", {c.grad()}, c.node->attrs)};
          }};
  // Communicates: never pruned as a pure function or moved across another collective.
  d.stateful = true;
  d.communicates = true;
  register_op(d);
}

}  // namespace tg::ops

namespace tg {
void register_collective_ops() { ops::register_collective_ops_impl(); }
}  // namespace tg
