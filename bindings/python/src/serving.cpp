// Exported models loaded for prediction (serving/predictor.h).
#include <nanobind/stl/map.h>

#include "common.h"
#include "serving/predictor.h"

namespace tg::python {

using namespace nb::literals;

void init_serving(nb::module_& m) {
  nb::class_<serving::Predictor>(m, "Predictor")
      .def_static("load", [](const std::string& dir, int64_t max_batch_rows) {
        serving::LoadOptions o;
        o.max_batch_rows = max_batch_rows;
        nb::gil_scoped_release release;
        InFlight in_flight;
        return serving::Predictor::load(dir, o);
      }, "version_dir"_a, "max_batch_rows"_a = 4096)
      .def("predict", [](serving::Predictor& p, nb::dict inputs) {
        std::map<std::string, Tensor> in;
        for (auto [k, v] : inputs) in[nb::cast<std::string>(k)] = tensor_from_python(v);
        std::map<std::string, Tensor> out;
        {
          nb::gil_scoped_release release;
        InFlight in_flight;
          out = p.predict(in);
        }
        nb::dict r;
        for (auto& [k, v] : out) r[k.c_str()] = tensor_to_python(std::move(v));
        return r;
      })
      .def_prop_ro("inputs", [](const serving::Predictor& p) {
        nb::dict d;
        for (const auto& s : p.inputs()) d[s.name.c_str()] = dtype_name(s.dtype);
        return d;
      })
      .def_prop_ro("outputs", [](const serving::Predictor& p) {
        nb::list l;
        for (const auto& s : p.outputs()) l.append(s.name);
        return l;
      })
      .def_prop_ro("metadata", [](const serving::Predictor& p) { return p.metadata().dump(); })
      .def_prop_ro("version", &serving::Predictor::version)
      .def_prop_ro("task", &serving::Predictor::task);
}

}  // namespace tg::python
