// Elementwise math: builders, shape functions and gradients.
#include "base/error.h"
#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

Output sum_to(Output grad, Output x) {
  if (grad.shape() == x.shape() && x.shape().is_fully_defined()) return grad;
  return make("SumToShapeOf", {grad, x});
}

Output add(Output a, Output b, const std::string& n) { return make("Add", {a, b}, {}, n); }
Output sub(Output a, Output b, const std::string& n) { return make("Sub", {a, b}, {}, n); }
Output mul(Output a, Output b, const std::string& n) { return make("Mul", {a, b}, {}, n); }
Output div(Output a, Output b, const std::string& n) { return make("Div", {a, b}, {}, n); }
Output pow(Output a, Output b, const std::string& n) { return make("Pow", {a, b}, {}, n); }
Output maximum(Output a, Output b, const std::string& n) { return make("Maximum", {a, b}, {}, n); }
Output minimum(Output a, Output b, const std::string& n) { return make("Minimum", {a, b}, {}, n); }
Output neg(Output x, const std::string& n) { return make("Neg", {x}, {}, n); }
Output square(Output x, const std::string& n) { return make("Square", {x}, {}, n); }
Output sqrt(Output x, const std::string& n) { return make("Sqrt", {x}, {}, n); }
Output exp(Output x, const std::string& n) { return make("Exp", {x}, {}, n); }
Output log(Output x, const std::string& n) { return make("Log", {x}, {}, n); }
Output abs(Output x, const std::string& n) { return make("Abs", {x}, {}, n); }
Output floor(Output x, const std::string& n) { return make("Floor", {x}, {}, n); }
Output cast(Output x, DType t, const std::string& n) { return make("Cast", {x}, {{"dtype", t}}, n); }
Output equal(Output a, Output b, const std::string& n) { return make("Equal", {a, b}, {}, n); }
Output less(Output a, Output b, const std::string& n) { return make("Less", {a, b}, {}, n); }
Output greater(Output a, Output b, const std::string& n) { return make("Greater", {a, b}, {}, n); }
Output select(Output c, Output a, Output b, const std::string& n) {
  return make("Select", {c, a, b}, {}, n);
}

namespace {

void numeric_broadcast(InferContext& c) {
  binary_broadcast(c);
  if (!is_numeric(c.in_dtypes[0])) c.fail("inputs must be numeric");
}
void compare_shape(InferContext& c) {
  binary_broadcast(c);
  c.out_dtypes[0] = DType::Bool;
}
void float_unary(InferContext& c) {
  c.expect_inputs(1);
  if (!is_numeric(c.in_dtypes[0])) c.fail("input must be numeric");
  c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
}
Output as_float_mask(Output cond, Output like) { return cast(cond, like.dtype()); }

void reg(const std::string& name, ShapeFn shape, GradFn grad) {
  register_op(OpDef{name, std::move(shape), std::move(grad)});
}
void reg_nd(const std::string& name, ShapeFn shape) {
  OpDef d{name, std::move(shape), {}};
  d.not_differentiable = true;
  register_op(std::move(d));
}

}  // namespace

void register_math_ops_impl() {
  reg("Add", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    return {sum_to(c.grad(), c.in(0)), sum_to(c.grad(), c.in(1))};
  });
  reg("Sub", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    return {sum_to(c.grad(), c.in(0)), c.needs(1) ? sum_to(neg(c.grad()), c.in(1)) : Output{}};
  });
  reg("Mul", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    return {c.needs(0) ? sum_to(mul(c.grad(), c.in(1)), c.in(0)) : Output{},
            c.needs(1) ? sum_to(mul(c.grad(), c.in(0)), c.in(1)) : Output{}};
  });
  reg("Div", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    Output a = c.in(0), b = c.in(1), g = c.grad();
    return {c.needs(0) ? sum_to(div(g, b), a) : Output{},
            c.needs(1) ? sum_to(neg(div(mul(g, c.out()), b)), b) : Output{}};
  });
  reg("Pow", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    Output a = c.in(0), b = c.in(1), g = c.grad();
    std::vector<Output> r(2);
    if (c.needs(0)) r[0] = sum_to(mul(g, mul(b, pow(a, sub(b, scalar_like(b, 1))))), a);
    if (c.needs(1)) {
      // d(a^b)/db = a^b log a, taken as 0 where a <= 0 (the real power is not defined there).
      Output safe_log = select(greater(a, scalar_like(a, 0)), log(a), zeros_like(a));
      r[1] = sum_to(mul(g, mul(c.out(), safe_log)), b);
    }
    return r;
  });
  reg("Maximum", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    Output m = as_float_mask(greater(c.in(0), c.in(1)), c.grad());
    return {sum_to(mul(c.grad(), m), c.in(0)),
            sum_to(mul(c.grad(), sub(scalar_like(m, 1), m)), c.in(1))};
  });
  reg("Minimum", numeric_broadcast, [](GradContext& c) -> std::vector<Output> {
    Output m = as_float_mask(less(c.in(0), c.in(1)), c.grad());
    return {sum_to(mul(c.grad(), m), c.in(0)),
            sum_to(mul(c.grad(), sub(scalar_like(m, 1), m)), c.in(1))};
  });
  reg("Neg", float_unary, [](GradContext& c) { return only(neg(c.grad())); });
  reg("Square", float_unary, [](GradContext& c) {
    return only(mul(c.grad(), mul(c.in(0), scalar_like(c.in(0), 2))));
  });
  reg("Sqrt", unary_same_shape, [](GradContext& c) {
    return only(div(mul(c.grad(), scalar_like(c.out(), 0.5)), c.out()));
  });
  reg("Exp", unary_same_shape, [](GradContext& c) { return only(mul(c.grad(), c.out())); });
  reg("Log", unary_same_shape, [](GradContext& c) { return only(div(c.grad(), c.in(0))); });
  reg("Abs", float_unary, [](GradContext& c) {
    Output x = c.in(0);
    Output sign = sub(cast(greater(x, scalar_like(x, 0)), x.dtype()),
                      cast(less(x, scalar_like(x, 0)), x.dtype()));
    return only(mul(c.grad(), sign));
  });
  reg_nd("Floor", unary_same_shape);
  reg("Cast",
      [](InferContext& c) {
        c.expect_inputs(1);
        DType to = c.attrs.get<DType>("dtype");
        if (c.in_dtypes[0] == DType::String || to == DType::String)
          c.fail("cannot cast to or from string");
        c.set_output(0, to, c.in_shapes[0]);
      },
      [](GradContext& c) -> std::vector<Output> {
        if (!is_floating(c.in(0).dtype()) || !is_floating(c.out().dtype())) return {Output{}};
        return {cast(c.grad(), c.in(0).dtype())};
      });
  reg_nd("Equal", compare_shape);
  reg_nd("Less", compare_shape);
  reg_nd("Greater", compare_shape);
  reg("Select",
      [](InferContext& c) {
        c.expect_inputs(3);
        if (c.in_dtypes[0] != DType::Bool) c.fail("the condition must be bool");
        c.expect_same_dtype(1, 2);
        if (!c.in_shapes[0].compatible_with(c.in_shapes[1]) ||
            !c.in_shapes[1].compatible_with(c.in_shapes[2]))
          c.fail("condition and both branches must have the same shape");
        Shape s = c.in_shapes[1];
        for (int i = 0; i < s.rank(); ++i)
          for (int k : {0, 2})
            if (s.dim(i) < 0) s.dim(i) = c.in_shapes[static_cast<size_t>(k)].dim(i);
        c.set_output(0, c.in_dtypes[1], s);
      },
      [](GradContext& c) -> std::vector<Output> {
        Output z = zeros_like(c.grad());
        return {Output{}, select(c.in(0), c.grad(), z), select(c.in(0), z, c.grad())};
      });
}

}  // namespace tg::ops

namespace tg {
void register_math_ops() { ops::register_math_ops_impl(); }

Output operator+(Output a, Output b) { return ops::add(a, b); }
Output operator-(Output a, Output b) { return ops::sub(a, b); }
Output operator*(Output a, Output b) { return ops::mul(a, b); }
Output operator/(Output a, Output b) { return ops::div(a, b); }
Output operator-(Output a) { return ops::neg(a); }
Output operator+(Output a, double b) { return ops::add(a, ops::scalar_like(a, b)); }
Output operator-(Output a, double b) { return ops::sub(a, ops::scalar_like(a, b)); }
Output operator*(Output a, double b) { return ops::mul(a, ops::scalar_like(a, b)); }
Output operator/(Output a, double b) { return ops::div(a, ops::scalar_like(a, b)); }
Output operator+(double a, Output b) { return ops::add(ops::scalar_like(b, a), b); }
Output operator-(double a, Output b) { return ops::sub(ops::scalar_like(b, a), b); }
Output operator*(double a, Output b) { return ops::mul(ops::scalar_like(b, a), b); }
Output operator/(double a, Output b) { return ops::div(ops::scalar_like(b, a), b); }
}  // namespace tg
