// Graphs, their nodes and outputs, and the source nodes: placeholders, constants, variables.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>

#include "common.h"
#include "graph/ops.h"

namespace tg::python {

using namespace nb::literals;

namespace {

// Name and device scopes entered from Python context managers, left in reverse order.
struct ScopeStack {
  std::vector<std::unique_ptr<Graph::ScopeGuard>> guards;
};
std::unordered_map<const Graph*, ScopeStack>& scope_stacks() {
  static std::unordered_map<const Graph*, ScopeStack> stacks;
  return stacks;
}

Shape shape_from(const std::optional<std::vector<std::optional<int64_t>>>& dims) {
  std::vector<int64_t> d;
  if (dims)
    for (const auto& x : *dims) d.push_back(x ? *x : -1);
  return Shape(d);
}

nb::object shape_to_python(const Shape& s) {
  nb::list l;
  for (int64_t d : s.dims()) {
    if (d < 0) l.append(nb::none());
    else l.append(d);
  }
  return nb::tuple(l);
}

ops::Initializer initializer(const std::string& kind, double a, double b, int64_t seed) {
  using K = ops::Initializer::Kind;
  static const std::pair<const char*, K> kinds[] = {
      {"zeros", K::Zeros}, {"ones", K::Ones}, {"constant", K::Constant}, {"random_normal", K::RandomNormal},
      {"truncated_normal", K::TruncatedNormal}, {"random_uniform", K::RandomUniform},
      {"glorot_uniform", K::GlorotUniform}};
  for (const auto& [name, k] : kinds)
    if (kind == name) return ops::Initializer{k, a, b, seed};
  fail("unknown initializer '", kind, "'");
}

}  // namespace


void init_graph(nb::module_& m) {
  nb::class_<Graph>(m, "Graph")
      .def("__init__", [](Graph* g) { new (g) Graph(); })
      .def("num_nodes", &Graph::num_nodes)
      .def("set_seed", &Graph::set_seed)
      .def("push_name_scope", [](std::shared_ptr<Graph> g, const std::string& name) {
        scope_stacks()[g.get()].guards.push_back(std::unique_ptr<Graph::ScopeGuard>(new Graph::ScopeGuard(g->name_scope(name))));
      })
      .def("push_device", [](std::shared_ptr<Graph> g, const std::string& device) {
        scope_stacks()[g.get()].guards.push_back(std::unique_ptr<Graph::ScopeGuard>(new Graph::ScopeGuard(g->device(device))));
      })
      .def("pop_scope", [](std::shared_ptr<Graph> g) {
        auto& s = scope_stacks()[g.get()].guards;
        TG_ASSERT(!s.empty());
        s.pop_back();
        if (s.empty()) scope_stacks().erase(g.get());
      })
      .def("find", [](std::shared_ptr<Graph> g, const std::string& name) -> std::optional<NodeHandle> {
        Node* n = g->find(name);
        if (!n) return std::nullopt;
        return NodeHandle{g, n};
      })
      .def("output_by_name", [](std::shared_ptr<Graph> g, const std::string& name) {
        return OutputHandle{g, g->output_by_name(name)};
      })
      .def("nodes", [](std::shared_ptr<Graph> g) {
        std::vector<NodeHandle> r;
        for (const auto& n : g->nodes()) r.push_back({g, n.get()});
        return r;
      })
      .def("variables", [](std::shared_ptr<Graph> g, bool trainable) {
        std::vector<OutputHandle> r;
        for (Node* n : trainable ? g->trainable_variables() : g->variables()) r.push_back({g, n->out()});
        return r;
      }, "trainable"_a = false)
      .def("global_step", [](std::shared_ptr<Graph> g) { return OutputHandle{g, g->global_step()}; });

  nb::class_<OutputHandle>(m, "Output")
      .def_prop_ro("graph", [](const OutputHandle& h) { return h.graph; })
      .def_prop_ro("node", [](const OutputHandle& h) { return NodeHandle{h.graph, h.out.node}; })
      .def_prop_ro("index", [](const OutputHandle& h) { return h.out.index; })
      .def_prop_ro("dtype", [](const OutputHandle& h) { return std::string(dtype_name(h.out.dtype())); })
      .def_prop_ro("shape", [](const OutputHandle& h) { return shape_to_python(h.out.shape()); })
      .def_prop_ro("name", [](const OutputHandle& h) { return h.out.node->name + ":" + std::to_string(h.out.index); })
      .def("same", [](const OutputHandle& a, const OutputHandle& b) { return a.out == b.out; })
      .def("key", [](const OutputHandle& h) {
        return nb::make_tuple(reinterpret_cast<uintptr_t>(h.out.node), h.out.index);
      });

  nb::class_<NodeHandle>(m, "Node")
      .def_prop_ro("graph", [](const NodeHandle& h) { return h.graph; })
      .def_prop_ro("name", [](const NodeHandle& h) { return h.node->name; })
      .def_prop_ro("op", [](const NodeHandle& h) { return h.node->op; })
      .def_prop_ro("device", [](const NodeHandle& h) { return h.node->device; })
      .def_prop_ro("num_outputs", [](const NodeHandle& h) { return h.node->num_outputs(); })
      .def_prop_ro("inputs", [](const NodeHandle& h) {
        std::vector<OutputHandle> r;
        for (const Output& o : h.node->inputs) r.push_back({h.graph, o});
        return r;
      })
      .def_prop_ro("control_inputs", [](const NodeHandle& h) {
        std::vector<NodeHandle> r;
        for (Node* n : h.node->control_inputs) r.push_back({h.graph, n});
        return r;
      })
      .def("output", [](const NodeHandle& h, int i) {
        TG_CHECK(i >= 0 && i < h.node->num_outputs(), "node '", h.node->name, "' has no output ", i);
        return OutputHandle{h.graph, h.node->out(i)};
      })
      .def("key", [](const NodeHandle& h) { return reinterpret_cast<uintptr_t>(h.node); });

  m.def("placeholder", [](std::shared_ptr<Graph> g, const std::string& dtype,
                          std::optional<std::vector<std::optional<int64_t>>> shape, const std::string& name) {
    TG_CHECK(shape.has_value(), "placeholders need a shape (use None for unknown dimensions)");
    return OutputHandle{g, ops::placeholder(*g, dtype_from_name(dtype), shape_from(shape), name)};
  }, "graph"_a, "dtype"_a, "shape"_a.none(), "name"_a = "");
  m.def("constant", [](std::shared_ptr<Graph> g, nb::handle value, const std::string& name) {
    Tensor t = tensor_from_python(value);
    return OutputHandle{g, ops::constant(*g, t, name)};
  }, "graph"_a, "value"_a, "name"_a = "");
  m.def("initial_value", [](std::shared_ptr<Graph> g, const std::string& kind, double a, double b, int64_t seed,
                            std::vector<int64_t> shape, const std::string& dtype) {
    return OutputHandle{g, ops::initial_value(*g, initializer(kind, a, b, seed), Shape(shape), dtype_from_name(dtype))};
  }, "graph"_a, "kind"_a, "a"_a, "b"_a, "seed"_a, "shape"_a, "dtype"_a);
  // A variable whose initializer assigns an existing output (any expression of the graph).
  m.def("variable", [](std::shared_ptr<Graph> g, const OutputHandle& value, const std::string& name, bool trainable) {
    TG_CHECK(value.out.shape().is_fully_defined(), "a variable's initial value needs a fully defined shape, got ",
             value.out.shape().to_string());
    TG_CHECK(is_numeric(value.out.dtype()), "variables must be numeric, got ", dtype_name(value.out.dtype()));
    Node* var = g->add_node("Variable", {}, {{"dtype", value.out.dtype()}, {"shape", value.out.shape()}},
                            name.empty() ? "Variable" : name);
    Node* init = g->add_node("Assign", {var->out(), value.out}, {}, var->name + "/Assign");
    g->register_variable(var, init, trainable);
    return OutputHandle{g, var->out()};
  }, "graph"_a, "value"_a, "name"_a = "", "trainable"_a = true);
  m.def("variable_initializer", [](const OutputHandle& var) {
    Node* init = var.graph->initializer_of(var.out.node);
    TG_CHECK(init, "'", var.out.node->name, "' is not a variable");
    return NodeHandle{var.graph, init};
  });
  m.def("global_variables_initializer", [](std::shared_ptr<Graph> g) {
    return NodeHandle{g, ops::global_variables_initializer(*g)};
  });
  m.def("variables_initializer", [](std::shared_ptr<Graph> g, const std::vector<OutputHandle>& vars, const std::string& name) {
    std::vector<Node*> inits;
    for (const auto& v : vars) {
      Node* i = g->initializer_of(v.out.node);
      TG_CHECK(i, "'", v.out.node->name, "' is not a variable");
      inits.push_back(i);
    }
    return NodeHandle{g, ops::group(*g, inits, name.empty() ? "init" : name)};
  }, "graph"_a, "vars"_a, "name"_a = "");
  m.def("group", [](std::shared_ptr<Graph> g, const std::vector<NodeHandle>& deps, const std::string& name) {
    std::vector<Node*> d;
    for (const auto& n : deps) d.push_back(n.node);
    return NodeHandle{g, ops::group(*g, d, name)};
  }, "graph"_a, "deps"_a, "name"_a = "");
  m.def("with_dependencies", [](const std::vector<NodeHandle>& deps, const OutputHandle& x) {
    std::vector<Node*> d;
    for (const auto& n : deps) d.push_back(n.node);
    return OutputHandle{x.graph, ops::with_dependencies(d, x.out)};
  });
}

}  // namespace tg::python
