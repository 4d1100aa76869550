// Shared pieces of the Python module: handles that keep their graph alive, and the conversions
// between numpy arrays and tensors.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>

#include "base/tensor.h"
#include "graph/graph.h"

namespace tg::python {

namespace nb = nanobind;

// One output of a node. Holding the graph keeps the Node* valid however long Python keeps it.
struct OutputHandle {
  std::shared_ptr<Graph> graph;
  Output out;
};

// A node (an operation, in TensorFlow's words).
struct NodeHandle {
  std::shared_ptr<Graph> graph;
  Node* node = nullptr;
};

// A numpy array (or anything numpy.asarray takes) as a tensor: numeric and bool arrays are
// copied once; str, bytes and object arrays become string tensors.
Tensor tensor_from_python(nb::handle value);
// A tensor as a numpy array. Numeric and bool host tensors are not copied: the array owns the
// tensor's buffer reference. String tensors become object arrays of str.
nb::object tensor_to_python(Tensor t);

// Counts the engine calls running with the GIL released (Session.run, Estimator.train, ...),
// so that a test can see from another Python thread that one is in flight.
struct InFlight {
  InFlight();
  ~InFlight();
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
};
int64_t calls_in_flight();

// Registers each part of the module (one per source file).
void init_errors(nb::module_& m);
void init_graph(nb::module_& m);
void init_ops(nb::module_& m);
void init_session(nb::module_& m);
void init_estimator(nb::module_& m);
void init_serving(nb::module_& m);

}  // namespace tg::python
