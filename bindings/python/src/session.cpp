// Sessions (the GIL is released while one runs) and checkpoints of their variables.
#include <nanobind/stl/pair.h>

#include "common.h"
#include "runtime/checkpoint.h"
#include "runtime/session.h"

namespace tg::python {

using namespace nb::literals;

namespace {

// A session with the graph it runs (kept alive as long as the session).
struct SessionHandle {
  std::shared_ptr<Graph> graph;
  std::unique_ptr<Session> session;
  std::mutex mu;  // one run at a time from Python threads sharing a session

  Session& get() {
    TG_CHECK_CODE(session != nullptr, FailedPrecondition, "attempted to use a closed session");
    return *session;
  }
};

std::vector<Node*> nodes_of(const std::vector<OutputHandle>& vars, const Graph& g) {
  std::vector<Node*> r;
  if (vars.empty()) return g.variables();
  for (const auto& v : vars) r.push_back(v.out.node);
  return r;
}

}  // namespace

void init_session(nb::module_& m) {
  nb::class_<SessionHandle>(m, "Session")
      .def("__init__", [](SessionHandle* h, std::shared_ptr<Graph> g, int num_threads, bool use_gpus,
                          bool log_device_placement) {
        SessionOptions o;
        o.num_threads = num_threads;
        o.use_gpus = use_gpus;
        o.log_device_placement = log_device_placement;
        auto* s = new (h) SessionHandle();
        s->graph = g;
        s->session = std::make_unique<Session>(*g, o);
      }, "graph"_a, "num_threads"_a = 0, "use_gpus"_a = true, "log_device_placement"_a = false)
      .def_prop_ro("graph", [](const SessionHandle& h) { return h.graph; })
      // feeds: (output, value) pairs; values are converted with the GIL held, the run itself
      // releases it, and the fetched tensors become arrays without a copy.
      .def("run", [](SessionHandle& h, const std::vector<std::pair<OutputHandle, nb::object>>& feeds,
                     const std::vector<OutputHandle>& fetches, const std::vector<NodeHandle>& targets) {
        FeedList feed_list;
        for (const auto& [out, value] : feeds) {
          TG_CHECK(out.graph == h.graph, "fed tensor '", out.out.name(), "' is not an element of this graph");
          feed_list.emplace_back(out.out, tensor_from_python(value));
        }
        std::vector<Output> f;
        for (const auto& o : fetches) {
          TG_CHECK(o.graph == h.graph, "fetch '", o.out.name(), "' is not an element of this graph");
          f.push_back(o.out);
        }
        std::vector<Node*> t;
        for (const auto& n : targets) {
          TG_CHECK(n.graph == h.graph, "target '", n.node->name, "' is not an element of this graph");
          t.push_back(n.node);
        }
        std::vector<Tensor> results;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          std::lock_guard<std::mutex> lock(h.mu);
          results = h.get().run(feed_list, f, t);
        }
        nb::list r;
        for (auto& v : results) r.append(tensor_to_python(std::move(v)));
        return r;
      }, "feeds"_a, "fetches"_a, "targets"_a)
      .def("variable_value", [](SessionHandle& h, const OutputHandle& var) {
        Tensor t;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          std::lock_guard<std::mutex> lock(h.mu);
          t = h.get().variable_value(var.out);
        }
        return tensor_to_python(std::move(t));
      })
      .def("set_variable_value", [](SessionHandle& h, const OutputHandle& var, nb::handle value) {
        Tensor t = tensor_from_python(value);
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        h.get().set_variable_value(var.out, t);
      })
      .def("close", [](SessionHandle& h) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        h.session.reset();
      })
      .def_prop_ro("closed", [](const SessionHandle& h) { return h.session == nullptr; })
      .def("save", [](SessionHandle& h, const std::vector<OutputHandle>& vars, const std::string& path) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        save_checkpoint(h.get(), nodes_of(vars, *h.graph), path);
      }, "vars"_a, "path"_a)
      .def("restore", [](SessionHandle& h, const std::vector<OutputHandle>& vars, const std::string& path) {
        nb::gil_scoped_release release;
        InFlight in_flight;
        std::lock_guard<std::mutex> lock(h.mu);
        restore_checkpoint(h.get(), nodes_of(vars, *h.graph), path);
      }, "vars"_a, "path"_a);
}

}  // namespace tg::python
