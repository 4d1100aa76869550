// The extension module tensorgraph._tg: the engine's C++ API for the pure-Python package.
#include "base/log.h"
#include "common.h"

#include <atomic>

namespace tg::python {
namespace {
std::atomic<int64_t> g_in_flight{0};
}
InFlight::InFlight() { g_in_flight.fetch_add(1); }
InFlight::~InFlight() { g_in_flight.fetch_sub(1); }
int64_t calls_in_flight() { return g_in_flight.load(); }
}  // namespace tg::python

NB_MODULE(_tg, m) {
  using namespace tg::python;
  m.doc() = "tensorgraph's engine (graphs, sessions, estimators, exports); use the tensorgraph package";
  init_errors(m);
  init_graph(m);
  init_ops(m);
  init_session(m);
  init_estimator(m);
  init_serving(m);
  m.def("set_log_level", [](int level) { tg::set_log_level(static_cast<tg::LogLevel>(level)); });
  m.def("calls_in_flight", &calls_in_flight,
        "engine calls now running without the GIL (Session.run, Estimator.train, ...)");
  m.def("log_level", [] { return static_cast<int>(tg::log_level()); });
}
