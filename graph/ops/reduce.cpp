// Reductions, argmax and the two shape-restoring ops their gradients use.
#include <algorithm>

#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {

// Normalized, sorted, unique axes; empty input means every axis.
std::vector<int64_t> reduce_axes(const std::vector<int64_t>& axes, int rank) {
  std::vector<int64_t> r;
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) r.push_back(i);
    return r;
  }
  for (int64_t a : axes) r.push_back(normalize_axis(a, rank));
  std::sort(r.begin(), r.end());
  r.erase(std::unique(r.begin(), r.end()), r.end());
  return r;
}

Shape reduced_shape(const Shape& in, const std::vector<int64_t>& axes, bool keep) {
  std::vector<int64_t> dims;
  for (int i = 0; i < in.rank(); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) dims.push_back(in.dim(i));
    else if (keep) dims.push_back(1);
  }
  return Shape(dims);
}

void reduce_shape(InferContext& c) {
  c.expect_inputs(1);
  if (!is_numeric(c.in_dtypes[0])) c.fail("input must be numeric");
  auto axes = reduce_axes(c.attrs.get<std::vector<int64_t>>("axes"), c.in_shapes[0].rank());
  c.set_output(0, c.in_dtypes[0], reduced_shape(c.in_shapes[0], axes,
                                                c.attrs.get<bool>("keep_dims")));
}

Output reduce(const char* op, Output x, std::vector<int64_t> axes, bool keep,
              const std::string& n) {
  return make(op, {x}, {{"axes", std::move(axes)}, {"keep_dims", keep}}, n);
}

Output expand_reduced(Output g, Output x, const Attrs& reduce_attrs, bool scale_by_count) {
  return make("ExpandReduced", {g, x},
              {{"axes", reduce_attrs.get<std::vector<int64_t>>("axes")},
               {"keep_dims", reduce_attrs.get<bool>("keep_dims")},
               {"scale_by_count", scale_by_count}});
}

std::vector<Output> extremum_grad(GradContext& c) {
  Output x = c.in(0);
  Output spread = expand_reduced(c.grad(), x, c.node->attrs, false);
  Output winner = expand_reduced(c.out(), x, c.node->attrs, false);
  return {mul(spread, cast(equal(x, winner), x.dtype()))};
}

}  // namespace

Output reduce_sum(Output x, std::vector<int64_t> axes, bool keep, const std::string& n) {
  return reduce("ReduceSum", x, std::move(axes), keep, n);
}
Output reduce_mean(Output x, std::vector<int64_t> axes, bool keep, const std::string& n) {
  return reduce("ReduceMean", x, std::move(axes), keep, n);
}
Output reduce_max(Output x, std::vector<int64_t> axes, bool keep, const std::string& n) {
  return reduce("ReduceMax", x, std::move(axes), keep, n);
}
Output reduce_min(Output x, std::vector<int64_t> axes, bool keep, const std::string& n) {
  return reduce("ReduceMin", x, std::move(axes), keep, n);
}
Output argmax(Output x, int64_t axis, const std::string& n) {
  return make("ArgMax", {x}, {{"axis", axis}}, n);
}

void register_reduce_ops_impl() {
  register_op({"ReduceSum", reduce_shape, [](GradContext& c) {
                 return only(expand_reduced(c.grad(), c.in(0), c.node->attrs, false));
               }});
  register_op({"ReduceMean", reduce_shape, [](GradContext& c) {
                 return only(expand_reduced(c.grad(), c.in(0), c.node->attrs, true));
               }});
  register_op({"ReduceMax", reduce_shape, extremum_grad});
  register_op({"ReduceMin", reduce_shape, extremum_grad});
  OpDef am{"ArgMax", [](InferContext& c) {
             c.expect_inputs(1);
             if (!is_numeric(c.in_dtypes[0])) c.fail("input must be numeric");
             const Shape& s = c.in_shapes[0];
             if (s.rank() == 0) c.fail("argmax needs rank >= 1");
             int axis = normalize_axis(c.attrs.get<int64_t>("axis"), s.rank());
             c.set_output(0, DType::Int64, reduced_shape(s, {axis}, false));
           }};
  am.not_differentiable = true;
  register_op(am);
  // SumToShapeOf(g, x): g summed over the axes along which x was broadcast; x's shape.
  register_op({"SumToShapeOf", [](InferContext& c) {
                 c.expect_inputs(2);
                 Shape b;
                 if (!broadcast_shapes(c.in_shapes[0], c.in_shapes[1], &b) ||
                     c.in_shapes[1].rank() > c.in_shapes[0].rank())
                   c.fail("the gradient's shape does not broadcast from the target's");
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[1]);
               }});
  // ExpandReduced(g, x): g (a reduction of x's shape) broadcast back to x's shape, optionally
  // divided by the number of reduced elements (the mean's gradient).
  register_op({"ExpandReduced", [](InferContext& c) {
                 c.expect_inputs(2);
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[1]);
               }});
}

}  // namespace tg::ops

namespace tg {
void register_reduce_ops() { ops::register_reduce_ops_impl(); }
}  // namespace tg
