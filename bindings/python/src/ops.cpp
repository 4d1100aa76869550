// The op builders of graph/ops.h by name, autodiff, and the optimizers of graph/optimizers.h.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include "common.h"
#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/optimizers.h"

namespace tg::python {

using namespace nb::literals;

namespace {

using Unary = Output (*)(Output, const std::string&);
using Binary = Output (*)(Output, Output, const std::string&);
using Reduce = Output (*)(Output, std::vector<int64_t>, bool, const std::string&);

// The one table of each kind of builder the module exposes, by the name Python calls it.
const std::pair<const char*, Unary> kUnary[] = {
    {"neg", ops::neg}, {"square", ops::square}, {"sqrt", ops::sqrt}, {"exp", ops::exp}, {"log", ops::log},
    {"abs", ops::abs}, {"floor", ops::floor}, {"relu", ops::relu}, {"elu", ops::elu}, {"sigmoid", ops::sigmoid},
    {"tanh", ops::tanh}, {"softplus", ops::softplus}, {"softmax", ops::softmax}, {"log_softmax", ops::log_softmax},
    {"identity", ops::identity}, {"stop_gradient", ops::stop_gradient}, {"zeros_like", ops::zeros_like},
    {"ones_like", ops::ones_like}};
const std::pair<const char*, Binary> kBinary[] = {
    {"add", ops::add}, {"sub", ops::sub}, {"mul", ops::mul}, {"div", ops::div}, {"pow", ops::pow},
    {"maximum", ops::maximum}, {"minimum", ops::minimum}, {"equal", ops::equal}, {"less", ops::less},
    {"greater", ops::greater}, {"gather", ops::gather}, {"assign", ops::assign}, {"assign_add", ops::assign_add},
    {"assign_sub", ops::assign_sub}, {"mean_squared_error", ops::mean_squared_error},
    {"sigmoid_cross_entropy_with_logits", ops::sigmoid_cross_entropy_with_logits},
    {"softmax_cross_entropy_with_logits", ops::softmax_cross_entropy_with_logits},
    {"sparse_softmax_cross_entropy_with_logits", ops::sparse_softmax_cross_entropy_with_logits},
    {"bias_add", ops::bias_add}};
const std::pair<const char*, Reduce> kReduce[] = {
    {"reduce_sum", ops::reduce_sum}, {"reduce_mean", ops::reduce_mean}, {"reduce_max", ops::reduce_max},
    {"reduce_min", ops::reduce_min}};

template <class F, size_t N>
F lookup(const std::pair<const char*, F> (&table)[N], const std::string& name) {
  for (const auto& [n, f] : table)
    if (name == n) return f;
  fail("unknown op '", name, "'");
}

template <class F, size_t N>
nb::list names(const std::pair<const char*, F> (&table)[N]) {
  nb::list l;
  for (const auto& e : table) l.append(e.first);
  return l;
}

OutputHandle same_graph(const OutputHandle& a, Output o) { return {a.graph, o}; }

void check_same_graph(const OutputHandle& a, const OutputHandle& b) {
  TG_CHECK(a.graph == b.graph, "'", a.out.name(), "' and '", b.out.name(), "' belong to different graphs");
}

// An optimizer with the learning rate it was made with (a float or a graph output).
struct OptimizerHandle {
  std::string kind;
  std::vector<double> params;
  std::optional<double> lr_value;
  std::optional<OutputHandle> lr_output;

  std::unique_ptr<Optimizer> make(const std::shared_ptr<Graph>& g) const {
    Output lr = lr_output ? lr_output->out : ops::scalar(*g, *lr_value, DType::Float32, "learning_rate");
    auto p = [&](size_t i, double d) { return i < params.size() ? params[i] : d; };
    if (kind == "sgd") return std::make_unique<GradientDescentOptimizer>(lr);
    if (kind == "momentum") return std::make_unique<MomentumOptimizer>(lr, p(0, 0.9), p(1, 0) != 0);
    if (kind == "adagrad") return std::make_unique<AdagradOptimizer>(lr, p(0, 0.1));
    if (kind == "adam") return std::make_unique<AdamOptimizer>(lr, p(0, 0.9), p(1, 0.999), p(2, 1e-8));
    if (kind == "rmsprop") return std::make_unique<RMSPropOptimizer>(lr, p(0, 0.9), p(1, 0), p(2, 1e-10));
    if (kind == "ftrl") return std::make_unique<FtrlOptimizer>(lr, p(0, -0.5), p(1, 0.1), p(2, 0), p(3, 0));
    fail("unknown optimizer '", kind, "'");
  }
};

std::vector<std::pair<Output, Output>> pairs_of(const std::vector<std::pair<std::optional<OutputHandle>, OutputHandle>>& gv) {
  std::vector<std::pair<Output, Output>> r;
  for (const auto& [grad, var] : gv)
    if (grad) r.push_back({grad->out, var.out});
  return r;
}

}  // namespace

void init_ops(nb::module_& m) {
  m.attr("unary_ops") = names(kUnary);
  m.attr("binary_ops") = names(kBinary);
  m.attr("reduce_ops") = names(kReduce);
  m.def("unary", [](const std::string& op, const OutputHandle& x, const std::string& name) {
    return same_graph(x, lookup(kUnary, op)(x.out, name));
  }, "op"_a, "x"_a, "name"_a = "");
  m.def("binary", [](const std::string& op, const OutputHandle& a, const OutputHandle& b, const std::string& name) {
    check_same_graph(a, b);
    return same_graph(a, lookup(kBinary, op)(a.out, b.out, name));
  }, "op"_a, "a"_a, "b"_a, "name"_a = "");
  m.def("reduce", [](const std::string& op, const OutputHandle& x, std::vector<int64_t> axes, bool keep_dims,
                     const std::string& name) { return same_graph(x, lookup(kReduce, op)(x.out, axes, keep_dims, name)); },
        "op"_a, "x"_a, "axes"_a, "keep_dims"_a = false, "name"_a = "");
  m.def("matmul", [](const OutputHandle& a, const OutputHandle& b, bool ta, bool tb, const std::string& name) {
    check_same_graph(a, b);
    return same_graph(a, ops::matmul(a.out, b.out, ta, tb, name));
  }, "a"_a, "b"_a, "transpose_a"_a = false, "transpose_b"_a = false, "name"_a = "");
  m.def("select", [](const OutputHandle& c, const OutputHandle& a, const OutputHandle& b, const std::string& name) {
    check_same_graph(c, a);
    check_same_graph(a, b);
    return same_graph(c, ops::select(c.out, a.out, b.out, name));
  }, "cond"_a, "a"_a, "b"_a, "name"_a = "");
  m.def("cast", [](const OutputHandle& x, const std::string& dtype, const std::string& name) {
    return same_graph(x, ops::cast(x.out, dtype_from_name(dtype), name));
  }, "x"_a, "dtype"_a, "name"_a = "");
  m.def("argmax", [](const OutputHandle& x, int64_t axis, const std::string& name) {
    return same_graph(x, ops::argmax(x.out, axis, name));
  }, "x"_a, "axis"_a = -1, "name"_a = "");
  m.def("leaky_relu", [](const OutputHandle& x, double alpha, const std::string& name) {
    return same_graph(x, ops::leaky_relu(x.out, alpha, name));
  }, "x"_a, "alpha"_a = 0.2, "name"_a = "");
  m.def("dropout", [](const OutputHandle& x, double rate, int64_t seed, bool training, const std::string& name) {
    return same_graph(x, ops::dropout(x.out, rate, seed, training, name));
  }, "x"_a, "rate"_a, "seed"_a = -1, "training"_a = true, "name"_a = "");
  m.def("reshape", [](const OutputHandle& x, std::vector<int64_t> shape, const std::string& name) {
    return same_graph(x, ops::reshape(x.out, shape, name));
  }, "x"_a, "shape"_a, "name"_a = "");
  m.def("transpose", [](const OutputHandle& x, std::vector<int64_t> perm, const std::string& name) {
    return same_graph(x, ops::transpose(x.out, perm, name));
  }, "x"_a, "perm"_a, "name"_a = "");
  m.def("concat", [](const std::vector<OutputHandle>& xs, int64_t axis, const std::string& name) {
    TG_CHECK(!xs.empty(), "concat needs at least one tensor");
    std::vector<Output> o;
    for (const auto& x : xs) {
      check_same_graph(xs[0], x);
      o.push_back(x.out);
    }
    return same_graph(xs[0], ops::concat(o, axis, name));
  }, "xs"_a, "axis"_a, "name"_a = "");
  m.def("slice", [](const OutputHandle& x, std::vector<int64_t> begin, std::vector<int64_t> size, const std::string& name) {
    return same_graph(x, ops::slice(x.out, begin, size, name));
  }, "x"_a, "begin"_a, "size"_a, "name"_a = "");
  m.def("one_hot", [](const OutputHandle& x, int64_t depth, double on, double off, const std::string& dtype,
                      const std::string& name) {
    return same_graph(x, ops::one_hot(x.out, depth, on, off, dtype_from_name(dtype), name));
  }, "indices"_a, "depth"_a, "on_value"_a = 1.0, "off_value"_a = 0.0, "dtype"_a = "float32", "name"_a = "");
  m.def("scalar_like", [](const OutputHandle& like, double v) { return same_graph(like, ops::scalar_like(like.out, v)); });

  m.def("gradients", [](const std::vector<OutputHandle>& ys, const std::vector<OutputHandle>& xs,
                        const std::vector<OutputHandle>& grad_ys) {
    TG_CHECK(!ys.empty(), "gradients needs at least one y");
    std::vector<Output> y, x, gy;
    for (const auto& h : ys) y.push_back(h.out);
    for (const auto& h : xs) x.push_back(h.out);
    for (const auto& h : grad_ys) gy.push_back(h.out);
    std::vector<std::optional<OutputHandle>> r;
    for (const Output& o : gradients(y, x, gy)) {
      if (o) r.push_back(OutputHandle{ys[0].graph, o});
      else r.push_back(std::nullopt);
    }
    return r;
  }, "ys"_a, "xs"_a, "grad_ys"_a = std::vector<OutputHandle>{});

  nb::class_<OptimizerHandle>(m, "Optimizer")
      .def("__init__", [](OptimizerHandle* h, const std::string& kind, nb::handle lr, std::vector<double> params) {
        auto* o = new (h) OptimizerHandle{kind, std::move(params), std::nullopt, std::nullopt};
        if (nb::isinstance<OutputHandle>(lr)) o->lr_output = nb::cast<OutputHandle>(lr);
        else o->lr_value = nb::cast<double>(lr);
      }, "kind"_a, "learning_rate"_a, "params"_a = std::vector<double>{})
      .def_ro("kind", &OptimizerHandle::kind)
      .def_prop_ro("learning_rate_value", [](const OptimizerHandle& h) { return h.lr_value; })
      .def("minimize", [](const OptimizerHandle& h, const OutputHandle& loss, const std::vector<OutputHandle>& var_list,
                          const std::string&) {
        std::vector<Output> vars;
        for (const auto& v : var_list) vars.push_back(v.out);
        return NodeHandle{loss.graph, h.make(loss.graph)->minimize(loss.out, vars)};
      }, "loss"_a, "var_list"_a = std::vector<OutputHandle>{}, "name"_a = "")
      .def("compute_gradients", [](const OptimizerHandle&, const OutputHandle& loss, std::vector<OutputHandle> var_list) {
        if (var_list.empty())
          for (Node* n : loss.graph->trainable_variables()) var_list.push_back({loss.graph, n->out()});
        std::vector<Output> xs;
        for (const auto& v : var_list) xs.push_back(v.out);
        auto grads = gradients({loss.out}, xs);
        std::vector<std::pair<std::optional<OutputHandle>, OutputHandle>> r;
        for (size_t i = 0; i < grads.size(); ++i) {
          std::optional<OutputHandle> g;
          if (grads[i]) g = OutputHandle{loss.graph, grads[i]};
          r.push_back({g, var_list[i]});
        }
        return r;
      }, "loss"_a, "var_list"_a = std::vector<OutputHandle>{})
      .def("apply_gradients", [](const OptimizerHandle& h, std::shared_ptr<Graph> g,
                                 const std::vector<std::pair<std::optional<OutputHandle>, OutputHandle>>& gv) {
        return NodeHandle{g, h.make(g)->apply_gradients(pairs_of(gv))};
      }, "graph"_a, "grads_and_vars"_a);

  m.def("exponential_decay", [](const OutputHandle& lr, const OutputHandle& step, int64_t decay_steps, double rate,
                                bool staircase) {
    return same_graph(lr, exponential_decay(lr.out, step.out, decay_steps, rate, staircase));
  }, "learning_rate"_a, "global_step"_a, "decay_steps"_a, "decay_rate"_a, "staircase"_a = false);
}

}  // namespace tg::python
