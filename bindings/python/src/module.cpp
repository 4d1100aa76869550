// The extension module tensorgraph._tg: the engine's C++ API for the pure-Python package.
#include "base/log.h"
#include "common.h"

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
  m.def("log_level", [] { return static_cast<int>(tg::log_level()); });
}
