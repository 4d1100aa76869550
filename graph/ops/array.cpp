// Shape and indexing ops: reshape, transpose, concat, slice, gather, one_hot and friends.
#include <numeric>

#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {

void reshape_shape(InferContext& c) {
  c.expect_inputs(1);
  auto dims = c.attrs.get<std::vector<int64_t>>("shape");
  int unknown = -1;
  int64_t known = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (unknown >= 0) c.fail("reshape allows at most one -1");
      unknown = static_cast<int>(i);
    } else if (dims[i] < 0) {
      c.fail(cat("bad target dimension ", dims[i]));
    } else {
      known *= dims[i];
    }
  }
  int64_t n = c.in_shapes[0].num_elements();
  if (n >= 0) {
    if (unknown >= 0) {
      if (known == 0 || n % known != 0)
        c.fail(cat("cannot reshape ", n, " elements into ", Shape(dims).to_string()));
      dims[static_cast<size_t>(unknown)] = n / known;
    } else if (known != n) {
      c.fail(cat("cannot reshape ", n, " elements into ", Shape(dims).to_string()));
    }
  }
  c.set_output(0, c.in_dtypes[0], Shape(dims));
}

std::vector<int64_t> full_perm(std::vector<int64_t> perm, int rank) {
  if (perm.empty())
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  return perm;
}

void transpose_shape(InferContext& c) {
  c.expect_inputs(1);
  const Shape& s = c.in_shapes[0];
  auto perm = full_perm(c.attrs.get<std::vector<int64_t>>("perm"), s.rank());
  if (static_cast<int>(perm.size()) != s.rank()) c.fail("perm length differs from the rank");
  std::vector<bool> seen(perm.size());
  std::vector<int64_t> dims;
  for (int64_t p : perm) {
    if (p < 0 || p >= s.rank() || seen[static_cast<size_t>(p)]) c.fail("perm is not a permutation");
    seen[static_cast<size_t>(p)] = true;
    dims.push_back(s.dim(static_cast<int>(p)));
  }
  c.set_output(0, c.in_dtypes[0], Shape(dims));
}

// Shape of concatenating inputs [first, last) along axis.
Shape concat_of(InferContext& c, int first, int last, int64_t axis_attr) {
  const Shape& s0 = c.in_shapes[static_cast<size_t>(first)];
  int axis = normalize_axis(axis_attr, s0.rank());
  Shape out = s0;
  for (int i = first + 1; i < last; ++i) {
    const Shape& s = c.in_shapes[static_cast<size_t>(i)];
    if (s.rank() != s0.rank()) c.fail("concat inputs differ in rank");
    if (c.in_dtypes[static_cast<size_t>(i)] != c.in_dtypes[static_cast<size_t>(first)])
      c.fail("concat inputs differ in dtype");
    for (int d = 0; d < s.rank(); ++d) {
      if (d == axis) {
        out.dim(d) = (out.dim(d) < 0 || s.dim(d) < 0) ? -1 : out.dim(d) + s.dim(d);
      } else if (out.dim(d) < 0) {
        out.dim(d) = s.dim(d);
      } else if (s.dim(d) >= 0 && s.dim(d) != out.dim(d)) {
        c.fail(cat("concat inputs differ in dimension ", d, " (", out.dim(d), " vs ", s.dim(d), ")"));
      }
    }
  }
  return out;
}

void slice_shape(InferContext& c) {
  c.expect_inputs(1);
  const Shape& s = c.in_shapes[0];
  auto begin = c.attrs.get<std::vector<int64_t>>("begin");
  auto size = c.attrs.get<std::vector<int64_t>>("size");
  if (static_cast<int>(begin.size()) != s.rank() || static_cast<int>(size.size()) != s.rank())
    c.fail("begin and size need one entry per dimension");
  std::vector<int64_t> dims;
  for (int i = 0; i < s.rank(); ++i) {
    int64_t b = begin[static_cast<size_t>(i)], n = size[static_cast<size_t>(i)], d = s.dim(i);
    if (b < 0) c.fail("slice begin must be >= 0");
    if (n == -1) n = d < 0 ? -1 : d - b;
    if (d >= 0 && (n < 0 || b + n > d))
      c.fail(cat("slice [", b, ", +", size[static_cast<size_t>(i)], ") exceeds dimension ", i,
                 " of size ", d));
    dims.push_back(n);
  }
  c.set_output(0, c.in_dtypes[0], Shape(dims));
}

void same_as_input(InferContext& c) {
  c.expect_inputs(1);
  c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
}

}  // namespace

Output reshape(Output x, std::vector<int64_t> shape, const std::string& n) {
  return make("Reshape", {x}, {{"shape", std::move(shape)}}, n);
}
Output transpose(Output x, std::vector<int64_t> perm, const std::string& n) {
  return make("Transpose", {x}, {{"perm", full_perm(std::move(perm), x.shape().rank())}}, n);
}
Output concat(std::vector<Output> xs, int64_t axis, const std::string& n) {
  TG_CHECK(!xs.empty(), "concat needs at least one input");
  return make("Concat", std::move(xs), {{"axis", axis}}, n);
}
Output slice(Output x, std::vector<int64_t> begin, std::vector<int64_t> size,
             const std::string& n) {
  return make("Slice", {x}, {{"begin", std::move(begin)}, {"size", std::move(size)}}, n);
}
Output gather(Output params, Output indices, const std::string& n) {
  return make("Gather", {params, indices}, {}, n);
}
Output one_hot(Output indices, int64_t depth, double on, double off, DType t,
               const std::string& n) {
  return make("OneHot", {indices}, {{"depth", depth}, {"on", on}, {"off", off}, {"dtype", t}}, n);
}
Output zeros_like(Output x, const std::string& n) { return make("ZerosLike", {x}, {}, n); }
Output ones_like(Output x, const std::string& n) { return make("OnesLike", {x}, {}, n); }
Output identity(Output x, const std::string& n) { return make("Identity", {x}, {}, n); }
Output stop_gradient(Output x, const std::string& n) { return make("StopGradient", {x}, {}, n); }
Output with_dependencies(std::vector<Node*> deps, Output x) {
  return x.graph().add_node("Identity", {x}, {}, "", std::move(deps))->out();
}

void register_array_ops_impl() {
  OpDef reshape{"Reshape", reshape_shape, [](GradContext& c) {
                  return only(make("ReshapeLike", {c.grad(), c.in(0)}));
                }};
  reshape.aliases_input0 = true;
  register_op(reshape);
  OpDef reshape_like{"ReshapeLike", [](InferContext& c) {
                       c.expect_inputs(2);
                       c.set_output(0, c.in_dtypes[0], c.in_shapes[1]);
                     }};
  reshape_like.aliases_input0 = true;
  register_op(reshape_like);
  register_op({"Transpose", transpose_shape, [](GradContext& c) {
                 auto perm = c.node->attrs.get<std::vector<int64_t>>("perm");
                 std::vector<int64_t> inv(perm.size());
                 for (size_t i = 0; i < perm.size(); ++i) inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
                 return only(transpose(c.grad(), inv));
               }});
  register_op({"Concat",
               [](InferContext& c) {
                 if (c.num_inputs() < 1) c.fail("concat needs inputs");
                 c.set_output(0, c.in_dtypes[0],
                              concat_of(c, 0, c.num_inputs(), c.attrs.get<int64_t>("axis")));
               },
               [](GradContext& c) {
                 std::vector<Output> r;
                 std::vector<Output> ins{c.grad()};
                 for (const auto& in : c.node->inputs) ins.push_back(in);
                 for (int i = 0; i < static_cast<int>(c.node->inputs.size()); ++i)
                   r.push_back(c.needs(i) ? make("ConcatGrad", ins,
                                                 {{"axis", c.node->attrs.get<int64_t>("axis")},
                                                  {"index", int64_t{i}}})
                                          : Output{});
                 return r;
               }});
  // ConcatGrad(g, x0, ..., xn): the part of g that came from x_index.
  register_op({"ConcatGrad", [](InferContext& c) {
                 size_t i = static_cast<size_t>(c.attrs.get<int64_t>("index")) + 1;
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[i]);
               }});
  register_op({"Slice", slice_shape, [](GradContext& c) {
                 return only(make("SliceGrad", {c.grad(), c.in(0)},
                                  {{"begin", c.node->attrs.get<std::vector<int64_t>>("begin")}}));
               }});
  // SliceGrad(g, x): zeros of x's shape with g written at `begin`.
  register_op({"SliceGrad", [](InferContext& c) {
                 c.expect_inputs(2);
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[1]);
               }});
  register_op({"Gather",
               [](InferContext& c) {
                 c.expect_inputs(2);
                 if (!is_integer(c.in_dtypes[1])) c.fail("indices must be int32 or int64");
                 const Shape& p = c.in_shapes[0];
                 if (p.rank() < 1) c.fail("params must have rank >= 1");
                 std::vector<int64_t> dims = c.in_shapes[1].dims();
                 for (int i = 1; i < p.rank(); ++i) dims.push_back(p.dim(i));
                 c.set_output(0, c.in_dtypes[0], Shape(dims));
               },
               [](GradContext& c) -> std::vector<Output> {
                 return {make("GatherGrad", {c.grad(), c.in(1), c.in(0)}), Output{}};
               }});
  // GatherGrad(g, indices, params): dense zeros of params' shape with rows of g added in.
  register_op({"GatherGrad", [](InferContext& c) {
                 c.expect_inputs(3);
                 c.set_output(0, c.in_dtypes[0], c.in_shapes[2]);
               }});
  OpDef oh{"OneHot", [](InferContext& c) {
             c.expect_inputs(1);
             if (!is_integer(c.in_dtypes[0])) c.fail("indices must be int32 or int64");
             int64_t depth = c.attrs.get<int64_t>("depth");
             if (depth <= 0) c.fail("depth must be positive");
             std::vector<int64_t> dims = c.in_shapes[0].dims();
             dims.push_back(depth);
             c.set_output(0, c.attrs.get<DType>("dtype"), Shape(dims));
           }};
  oh.not_differentiable = true;
  register_op(oh);
  for (const char* name : {"ZerosLike", "OnesLike"}) {
    OpDef d{name, same_as_input};
    d.not_differentiable = true;
    register_op(d);
  }
  OpDef id{"Identity", same_as_input, [](GradContext& c) { return only(c.grad()); }};
  id.aliases_input0 = true;
  register_op(id);
  OpDef sg{"StopGradient", same_as_input};
  sg.not_differentiable = true;
  sg.aliases_input0 = true;
  register_op(sg);
}

}  // namespace tg::ops

namespace tg {
void register_array_ops() { ops::register_array_ops_impl(); }
}  // namespace tg
