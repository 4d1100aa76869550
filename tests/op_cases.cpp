// Naive references: plain loops over multi-indices in double precision, written for clarity,
// independent of the kernels' strided loops and oneDNN.
#include "op_cases.h"

#include <algorithm>
#include <cmath>

#include "graph/gradients.h"

namespace tg::testing {

namespace {

std::vector<int64_t> unravel(int64_t flat, const Shape& s) {
  std::vector<int64_t> idx(static_cast<size_t>(s.rank()));
  for (int i = s.rank() - 1; i >= 0; --i) {
    idx[static_cast<size_t>(i)] = flat % s.dim(i);
    flat /= s.dim(i);
  }
  return idx;
}
int64_t ravel(const std::vector<int64_t>& idx, const Shape& s) {
  int64_t f = 0;
  for (int i = 0; i < s.rank(); ++i) f = f * s.dim(i) + idx[static_cast<size_t>(i)];
  return f;
}
Ref make(Shape s) {
  Ref r{s, std::vector<double>(static_cast<size_t>(std::max<int64_t>(s.num_elements(), 0)))};
  return r;
}
template <class F>
Ref map1(const Ref& a, F f) {
  Ref r = make(a.shape);
  for (size_t i = 0; i < a.v.size(); ++i) r.v[i] = f(a.v[i]);
  return r;
}
// Index into `x` for an output multi-index under broadcasting.
int64_t bcast_index(const std::vector<int64_t>& out_idx, const Shape& out, const Shape& x) {
  std::vector<int64_t> xi(static_cast<size_t>(x.rank()));
  int shift = out.rank() - x.rank();
  for (int i = 0; i < x.rank(); ++i)
    xi[static_cast<size_t>(i)] = x.dim(i) == 1 ? 0 : out_idx[static_cast<size_t>(i + shift)];
  return ravel(xi, x);
}
template <class F>
Ref map2(const Ref& a, const Ref& b, F f) {
  Shape out;
  broadcast_shapes(a.shape, b.shape, &out);
  Ref r = make(out);
  for (int64_t i = 0; i < r.size(); ++i) {
    auto idx = unravel(i, out);
    r.v[static_cast<size_t>(i)] = f(a.v[static_cast<size_t>(bcast_index(idx, out, a.shape))],
                                     b.v[static_cast<size_t>(bcast_index(idx, out, b.shape))]);
  }
  return r;
}
Ref matmul_ref(const Ref& a, const Ref& b, bool ta, bool tb) {
  int64_t m = ta ? a.shape.dim(1) : a.shape.dim(0), k = ta ? a.shape.dim(0) : a.shape.dim(1);
  int64_t n = tb ? b.shape.dim(0) : b.shape.dim(1);
  Ref r = make(Shape{m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += a.v[static_cast<size_t>(ta ? p * m + i : i * k + p)] *
             b.v[static_cast<size_t>(tb ? j * k + p : p * n + j)];
      r.v[static_cast<size_t>(i * n + j)] = s;
    }
  return r;
}
enum class Red { Sum, Mean, Max, Min };
Ref reduce_ref(const Ref& a, std::vector<int64_t> axes, bool keep, Red kind) {
  int rank = a.shape.rank();
  if (axes.empty())
    for (int i = 0; i < rank; ++i) axes.push_back(i);
  for (auto& x : axes) x = x < 0 ? x + rank : x;
  auto reduced = [&](int i) { return std::find(axes.begin(), axes.end(), i) != axes.end(); };
  std::vector<int64_t> kd;
  for (int i = 0; i < rank; ++i) kd.push_back(reduced(i) ? 1 : a.shape.dim(i));
  Shape keep_shape(kd);
  Ref r = make(keep_shape);
  std::vector<int> count(r.v.size(), 0);
  for (int64_t i = 0; i < a.size(); ++i) {
    auto idx = unravel(i, a.shape);
    for (int d = 0; d < rank; ++d)
      if (reduced(d)) idx[static_cast<size_t>(d)] = 0;
    size_t o = static_cast<size_t>(ravel(idx, keep_shape));
    double x = a.v[static_cast<size_t>(i)];
    if (count[o] == 0) r.v[o] = x;
    else if (kind == Red::Max) r.v[o] = std::max(r.v[o], x);
    else if (kind == Red::Min) r.v[o] = std::min(r.v[o], x);
    else r.v[o] += x;
    ++count[o];
  }
  if (kind == Red::Mean)
    for (size_t o = 0; o < r.v.size(); ++o) r.v[o] /= count[o];
  if (!keep) {
    std::vector<int64_t> d;
    for (int i = 0; i < rank; ++i)
      if (!reduced(i)) d.push_back(a.shape.dim(i));
    r.shape = Shape(d);
  }
  return r;
}
Ref softmax_ref(const Ref& a, bool log) {
  Ref r = make(a.shape);
  int64_t cols = a.shape.dim(a.shape.rank() - 1), rows = a.size() / cols;
  for (int64_t i = 0; i < rows; ++i) {
    double s = 0;
    for (int64_t j = 0; j < cols; ++j) s += std::exp(a.v[static_cast<size_t>(i * cols + j)]);
    for (int64_t j = 0; j < cols; ++j) {
      double x = a.v[static_cast<size_t>(i * cols + j)];
      r.v[static_cast<size_t>(i * cols + j)] = log ? x - std::log(s) : std::exp(x) / s;
    }
  }
  return r;
}
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

InputSpec f(Shape s, double lo = -2, double hi = 2, double gap = 0) { return {s, lo, hi, gap}; }
InputSpec ids(Shape s, int64_t n) {
  InputSpec i{s};
  i.ids = n;
  return i;
}
InputSpec bools(Shape s) {
  InputSpec i{s};
  i.is_bool = true;
  return i;
}

OpCase binary(std::string name, InputSpec a, InputSpec b,
              std::function<Output(Output, Output)> op, std::function<double(double, double)> fn,
              std::vector<int> grads = {0, 1}) {
  return {name, {a, b}, [op](std::vector<Output>& x) { return op(x[0], x[1]); },
          [fn](const std::vector<Ref>& r) { return map2(r[0], r[1], fn); }, grads};
}
OpCase unary(std::string name, InputSpec a, std::function<Output(Output)> op,
             std::function<double(double)> fn, std::vector<int> grads = {0}) {
  return {name, {a}, [op](std::vector<Output>& x) { return op(x[0]); },
          [fn](const std::vector<Ref>& r) { return map1(r[0], fn); }, grads};
}
OpCase reduction(std::string name, Shape s, std::vector<int64_t> axes, bool keep, Red kind) {
  auto build = [axes, keep, kind](std::vector<Output>& x) {
    switch (kind) {
      case Red::Sum: return ops::reduce_sum(x[0], axes, keep);
      case Red::Mean: return ops::reduce_mean(x[0], axes, keep);
      case Red::Max: return ops::reduce_max(x[0], axes, keep);
      case Red::Min: return ops::reduce_min(x[0], axes, keep);
    }
    return x[0];
  };
  return {name, {f(s)}, build,
          [axes, keep, kind](const std::vector<Ref>& r) { return reduce_ref(r[0], axes, keep, kind); },
          {0}};
}
OpCase matmul_case(bool ta, bool tb) {
  Shape a = ta ? Shape{3, 2} : Shape{2, 3}, b = tb ? Shape{4, 3} : Shape{3, 4};
  OpCase c{std::string("matmul") + (ta ? "_ta" : "") + (tb ? "_tb" : ""), {f(a), f(b)},
           [ta, tb](std::vector<Output>& x) { return ops::matmul(x[0], x[1], ta, tb); },
           [ta, tb](const std::vector<Ref>& r) { return matmul_ref(r[0], r[1], ta, tb); }, {0, 1}};
  c.tol_bf16 = 2e-2;
  return c;
}

}  // namespace

std::vector<OpCase> all_op_cases() {
  using O = Output;
  std::vector<OpCase> c;
  auto add = [](O a, O b) { return ops::add(a, b); };
  auto plus = [](double a, double b) { return a + b; };
  c.push_back(binary("add", f({2, 3}), f({2, 3}), add, plus));
  c.push_back(binary("add_row_broadcast", f({2, 3}), f({3}), add, plus));
  c.push_back(binary("add_outer_broadcast", f({2, 1}), f({1, 3}), add, plus));
  c.push_back(binary("add_scalar", f({2, 3}), f({}), add, plus));
  c.push_back(binary("sub", f({2, 3}), f({3}), [](O a, O b) { return ops::sub(a, b); },
                     [](double a, double b) { return a - b; }));
  c.push_back(binary("mul", f({2, 3}), f({2, 1}), [](O a, O b) { return ops::mul(a, b); },
                     [](double a, double b) { return a * b; }));
  c.push_back(binary("div", f({2, 3}), f({3}, 0.5, 2), [](O a, O b) { return ops::div(a, b); },
                     [](double a, double b) { return a / b; }));
  c.push_back(binary("pow", f({2, 3}, 0.5, 2), f({2, 3}, -1.5, 1.5),
                     [](O a, O b) { return ops::pow(a, b); },
                     [](double a, double b) { return std::pow(a, b); }));
  c.push_back(binary("maximum", f({2, 3}), f({2, 3}), [](O a, O b) { return ops::maximum(a, b); },
                     [](double a, double b) { return std::max(a, b); }));
  c.push_back(binary("minimum", f({2, 3}), f({3}), [](O a, O b) { return ops::minimum(a, b); },
                     [](double a, double b) { return std::min(a, b); }));
  c.push_back(unary("neg", f({2, 3}), [](O x) { return ops::neg(x); }, [](double x) { return -x; }));
  // Collectives in a process alone: the identity (tests/distributed runs them as several).
  c.push_back(unary("all_reduce_sum", f({2, 3}), [](O x) { return ops::all_reduce(x, "sum"); }, [](double x) { return x; }));
  c.push_back(unary("all_reduce_mean", f({2, 3}), [](O x) { return ops::all_reduce(x, "mean"); }, [](double x) { return x; }));
  c.push_back(unary("square", f({2, 3}), [](O x) { return ops::square(x); }, [](double x) { return x * x; }));
  c.push_back(unary("sqrt", f({2, 3}, 0.2, 3), [](O x) { return ops::sqrt(x); }, [](double x) { return std::sqrt(x); }));
  c.push_back(unary("exp", f({2, 3}), [](O x) { return ops::exp(x); }, [](double x) { return std::exp(x); }));
  c.push_back(unary("log", f({2, 3}, 0.2, 3), [](O x) { return ops::log(x); }, [](double x) { return std::log(x); }));
  c.push_back(unary("abs", f({2, 3}, -2, 2, 0.1), [](O x) { return ops::abs(x); }, [](double x) { return std::abs(x); }));
  c.push_back(unary("floor", f({2, 3}, -3, 3), [](O x) { return ops::floor(x); },
                    [](double x) { return std::floor(x); }, {}));
  c.push_back(unary("cast_to_int32", f({2, 3}, -3, 3), [](O x) { return ops::cast(x, DType::Int32); },
                    [](double x) { return std::trunc(x); }, {}));
  c.push_back(unary("cast_float", f({2, 3}), [](O x) { return ops::cast(x, DType::Float64); },
                    [](double x) { return x; }));
  auto cmp = [&](const char* name, std::function<O(O, O)> op, std::function<double(double, double)> fn) {
    c.push_back(binary(name, ids({2, 3}, 3), ids({3}, 3), op, fn, {}));
  };
  cmp("equal", [](O a, O b) { return ops::equal(a, b); }, [](double a, double b) { return a == b ? 1. : 0.; });
  cmp("less", [](O a, O b) { return ops::less(a, b); }, [](double a, double b) { return a < b ? 1. : 0.; });
  cmp("greater", [](O a, O b) { return ops::greater(a, b); }, [](double a, double b) { return a > b ? 1. : 0.; });
  c.push_back({"select", {bools({2, 3}), f({2, 3}), f({2, 3})},
               [](std::vector<O>& x) { return ops::select(x[0], x[1], x[2]); },
               [](const std::vector<Ref>& r) {
                 Ref o = r[1];
                 for (size_t i = 0; i < o.v.size(); ++i) o.v[i] = r[0].v[i] != 0 ? r[1].v[i] : r[2].v[i];
                 return o;
               },
               {1, 2}});
  c.push_back(reduction("reduce_sum_all", {2, 3}, {}, false, Red::Sum));
  c.push_back(reduction("reduce_sum_axis0", {2, 3}, {0}, false, Red::Sum));
  c.push_back(reduction("reduce_sum_axis1_keep", {2, 3}, {1}, true, Red::Sum));
  c.push_back(reduction("reduce_sum_axes_0_2", {2, 3, 2}, {0, 2}, false, Red::Sum));
  c.push_back(reduction("reduce_mean_last", {2, 3, 2}, {-1}, false, Red::Mean));
  c.push_back(reduction("reduce_mean_all_keep", {2, 3}, {}, true, Red::Mean));
  c.push_back(reduction("reduce_max_axis1", {3, 4}, {1}, false, Red::Max));
  c.push_back(reduction("reduce_min_all", {3, 4}, {}, false, Red::Min));
  c.push_back({"argmax", {f({3, 4})}, [](std::vector<O>& x) { return ops::argmax(x[0], 1); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{3});
                 for (int i = 0; i < 3; ++i) {
                   auto b = r[0].v.begin() + i * 4;
                   o.v[static_cast<size_t>(i)] = static_cast<double>(std::max_element(b, b + 4) - b);
                 }
                 return o;
               },
               {}});
  for (bool ta : {false, true})
    for (bool tb : {false, true}) c.push_back(matmul_case(ta, tb));
  c.push_back(binary("bias_add", f({3, 4}), f({4}), [](O a, O b) { return ops::bias_add(a, b); }, plus));
  c.push_back(unary("relu", f({3, 4}, -2, 2, 0.05), [](O x) { return ops::relu(x); },
                    [](double x) { return x > 0 ? x : 0; }));
  c.push_back(unary("leaky_relu", f({3, 4}, -2, 2, 0.05), [](O x) { return ops::leaky_relu(x, 0.2); },
                    [](double x) { return x > 0 ? x : 0.2 * x; }));
  c.push_back(unary("elu", f({3, 4}, -2, 2, 0.05), [](O x) { return ops::elu(x); },
                    [](double x) { return x > 0 ? x : std::exp(x) - 1; }));
  c.push_back(unary("sigmoid", f({3, 4}, -4, 4), [](O x) { return ops::sigmoid(x); }, sigmoid));
  c.push_back(unary("tanh", f({3, 4}), [](O x) { return ops::tanh(x); }, [](double x) { return std::tanh(x); }));
  c.push_back(unary("softplus", f({3, 4}, -4, 4), [](O x) { return ops::softplus(x); },
                    [](double x) { return std::log(1 + std::exp(x)); }));
  c.push_back(unary("gelu", f({3, 4}, -4, 4), [](O x) { return ops::activation(x, "gelu"); }, [](double x) {
    return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  }));
  c.push_back(unary("gelu_erf", f({3, 4}, -4, 4), [](O x) { return ops::activation(x, "gelu_erf"); },
                    [](double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }));
  c.push_back(unary("silu", f({3, 4}, -4, 4), [](O x) { return ops::activation(x, "silu"); },
                    [](double x) { return x * sigmoid(x); }));
  c.push_back({"softmax", {f({3, 4})}, [](std::vector<O>& x) { return ops::softmax(x[0]); },
               [](const std::vector<Ref>& r) { return softmax_ref(r[0], false); }, {0}});
  c.push_back({"log_softmax", {f({3, 4})}, [](std::vector<O>& x) { return ops::log_softmax(x[0]); },
               [](const std::vector<Ref>& r) { return softmax_ref(r[0], true); }, {0}});
  c.push_back({"reshape", {f({2, 3})}, [](std::vector<O>& x) { return ops::reshape(x[0], {3, -1}); },
               [](const std::vector<Ref>& r) { return Ref{Shape{3, 2}, r[0].v}; }, {0}});
  c.push_back({"transpose", {f({2, 3, 4})},
               [](std::vector<O>& x) { return ops::transpose(x[0], {2, 0, 1}); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{4, 2, 3});
                 for (int64_t i = 0; i < r[0].size(); ++i) {
                   auto idx = unravel(i, r[0].shape);
                   o.v[static_cast<size_t>(ravel({idx[2], idx[0], idx[1]}, o.shape))] = r[0].v[static_cast<size_t>(i)];
                 }
                 return o;
               },
               {0}});
  c.push_back({"concat_axis1", {f({2, 2}), f({2, 3})},
               [](std::vector<O>& x) { return ops::concat({x[0], x[1]}, 1); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{2, 5});
                 for (int i = 0; i < 2; ++i)
                   for (int j = 0; j < 5; ++j)
                     o.v[static_cast<size_t>(i * 5 + j)] =
                         j < 2 ? r[0].v[static_cast<size_t>(i * 2 + j)] : r[1].v[static_cast<size_t>(i * 3 + j - 2)];
                 return o;
               },
               {0, 1}});
  c.push_back({"concat_axis0", {f({1, 3}), f({2, 3})},
               [](std::vector<O>& x) { return ops::concat({x[0], x[1]}, 0); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{3, 3});
                 std::copy(r[0].v.begin(), r[0].v.end(), o.v.begin());
                 std::copy(r[1].v.begin(), r[1].v.end(), o.v.begin() + 3);
                 return o;
               },
               {0, 1}});
  c.push_back({"slice", {f({3, 4})}, [](std::vector<O>& x) { return ops::slice(x[0], {1, 1}, {2, -1}); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{2, 3});
                 for (int i = 0; i < 2; ++i)
                   for (int j = 0; j < 3; ++j)
                     o.v[static_cast<size_t>(i * 3 + j)] = r[0].v[static_cast<size_t>((i + 1) * 4 + j + 1)];
                 return o;
               },
               {0}});
  c.push_back({"gather", {f({5, 3}), ids({4}, 5)},
               [](std::vector<O>& x) { return ops::gather(x[0], x[1]); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{4, 3});
                 for (int i = 0; i < 4; ++i)
                   for (int j = 0; j < 3; ++j)
                     o.v[static_cast<size_t>(i * 3 + j)] = r[0].v[static_cast<size_t>(static_cast<int64_t>(r[1].v[static_cast<size_t>(i)]) * 3 + j)];
                 return o;
               },
               {0}});
  // GatherGrad (through the gradient of gather): rows of repeated ids add up.
  c.push_back({"gather_grad", {f({5, 3}), ids({9}, 5), f({9, 3})},
               [](std::vector<O>& x) {
                 return gradients({ops::reduce_sum(ops::mul(ops::gather(x[0], x[1]), x[2]))}, {x[0]})[0];
               },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{5, 3});
                 for (int i = 0; i < 9; ++i)
                   for (int j = 0; j < 3; ++j)
                     o.v[static_cast<size_t>(static_cast<int64_t>(r[1].v[static_cast<size_t>(i)]) * 3 + j)] +=
                         r[2].v[static_cast<size_t>(i * 3 + j)];
                 return o;
               },
               {}});
  c.push_back({"one_hot", {ids({4}, 3)}, [](std::vector<O>& x) { return ops::one_hot(x[0], 3, 1, 0); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{4, 3});
                 for (int i = 0; i < 4; ++i) o.v[static_cast<size_t>(i * 3 + static_cast<int>(r[0].v[static_cast<size_t>(i)]))] = 1;
                 return o;
               },
               {}});
  c.push_back(unary("identity", f({2, 3}), [](O x) { return ops::identity(x); }, [](double x) { return x; }));
  c.push_back(unary("stop_gradient", f({2, 3}), [](O x) { return ops::stop_gradient(x); },
                    [](double x) { return x; }, {}));
  c.push_back(unary("zeros_like", f({2, 3}), [](O x) { return ops::zeros_like(x); }, [](double) { return 0.; }, {}));
  c.push_back(unary("ones_like", f({2, 3}), [](O x) { return ops::ones_like(x); }, [](double) { return 1.; }, {}));
  c.push_back({"mean_squared_error", {f({4, 1}), f({4, 1})},
               [](std::vector<O>& x) { return ops::mean_squared_error(x[0], x[1]); },
               [](const std::vector<Ref>& r) {
                 Ref o = make(Shape{});
                 for (size_t i = 0; i < r[0].v.size(); ++i) o.v[0] += std::pow(r[1].v[i] - r[0].v[i], 2) / 4;
                 return o;
               },
               {0, 1}});
  c.push_back(binary("sigmoid_cross_entropy", f({2, 3}, 0, 1), f({2, 3}, -4, 4),
                     [](O z, O x) { return ops::sigmoid_cross_entropy_with_logits(z, x); },
                     [](double z, double x) { return -z * std::log(sigmoid(x)) - (1 - z) * std::log(1 - sigmoid(x)); }));
  c.push_back({"softmax_cross_entropy", {f({3, 4}, 0, 1), f({3, 4})},
               [](std::vector<O>& x) { return ops::softmax_cross_entropy_with_logits(x[0], x[1]); },
               [](const std::vector<Ref>& r) {
                 Ref ls = softmax_ref(r[1], true), o = make(Shape{3});
                 for (int i = 0; i < 3; ++i)
                   for (int j = 0; j < 4; ++j) o.v[static_cast<size_t>(i)] -= r[0].v[static_cast<size_t>(i * 4 + j)] * ls.v[static_cast<size_t>(i * 4 + j)];
                 return o;
               },
               {0, 1}});
  c.push_back({"sparse_softmax_cross_entropy", {ids({3}, 4), f({3, 4})},
               [](std::vector<O>& x) { return ops::sparse_softmax_cross_entropy_with_logits(x[0], x[1]); },
               [](const std::vector<Ref>& r) {
                 Ref ls = softmax_ref(r[1], true), o = make(Shape{3});
                 for (int i = 0; i < 3; ++i) o.v[static_cast<size_t>(i)] = -ls.v[static_cast<size_t>(i * 4 + static_cast<int>(r[0].v[static_cast<size_t>(i)]))];
                 return o;
               },
               {1}});
  return c;
}

}  // namespace tg::testing
