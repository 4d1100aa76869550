// What the C API's implementation files share: the handle structs and the boundary that turns
// every C++ exception into a tg_Status.
#pragma once

#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/shape.h"
#include "base/tensor.h"
#include "graph/graph.h"
#include "tensorgraph/c_api.h"

struct tg_Status {
  tg_Code code = TG_OK;
  std::string message, node, op, file;
  int64_t line = 0;
};

struct tg_Tensor {
  tg::Tensor t;
};

struct tg_Graph {
  std::shared_ptr<tg::Graph> g = std::make_shared<tg::Graph>();
};

namespace tg::capi {

// Sets a status (a NULL one reports nothing); never throws.
void set_status(tg_Status* s, tg_Code code, const char* message, const ErrorContext* context = nullptr) noexcept;
inline void set_ok(tg_Status* s) noexcept { set_status(s, TG_OK, ""); }
// Turns the exception being handled into the status.
void status_from_current_exception(tg_Status* s) noexcept;

// Runs f at the boundary: its result and TG_OK, or `fallback` and the status of what it threw.
template <class R, class F>
R guard(tg_Status* s, R fallback, F&& f) noexcept {
  try {
    R r = f();
    set_ok(s);
    return r;
  } catch (...) {
    status_from_current_exception(s);
    return fallback;
  }
}
template <class F>
void guard_void(tg_Status* s, F&& f) noexcept {
  try {
    f();
    set_ok(s);
  } catch (...) {
    status_from_current_exception(s);
  }
}

// Argument checks: an INVALID_ARGUMENT naming the call and the argument.
template <class T>
void require_handle(const T* p, const char* call, const char* what) {
  TG_CHECK(p != nullptr, call, ": ", what, " is NULL");
}
void require_count(const void* array, int n, const char* call, const char* what);
std::string str_arg(const char* s);  // NULL -> ""
Shape shape_arg(const int64_t* dims, int num_dims, const char* call);
DType dtype_arg(tg_DataType t, const char* call);
tg_DataType c_dtype(DType t);

// The node behind an output of graph g (checked: not NULL, of this graph, index in range).
Output output_of(const Graph& g, tg_Output o, const char* call, const char* what);
inline tg_Output c_output(Output o) {
  return tg_Output{reinterpret_cast<tg_Operation*>(o.node), o.index};
}
inline Node* node_of(tg_Operation* op) { return reinterpret_cast<Node*>(op); }
inline const Node* node_of(const tg_Operation* op) { return reinterpret_cast<const Node*>(op); }
inline tg_Operation* c_oper(Node* n) { return reinterpret_cast<tg_Operation*>(n); }

// A new C tensor holding t (caller owns).
inline tg_Tensor* new_tensor(Tensor t) { return new tg_Tensor{std::move(t)}; }
// The tensor behind a handle, checked.
const Tensor& tensor_arg(const tg_Tensor* t, const char* call, const char* what);

}  // namespace tg::capi
