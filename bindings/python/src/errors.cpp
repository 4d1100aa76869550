// tensorgraph.errors: one exception class per error code of base/error.h, all deriving from
// OpError (as tf.errors), made from the one table TG_ERROR_CODES. A tg::Error thrown by the
// engine becomes the class of its code, with the code and the context as attributes.
#include <typeinfo>

#include "common.h"

namespace tg::python {

namespace {

PyObject* g_op_error = nullptr;
PyObject* g_classes[kNumErrorCodes] = {};

PyObject* class_of(ErrorCode code) {
  int i = static_cast<int>(code);
  if (i <= 0 || i >= kNumErrorCodes || !g_classes[i]) return g_classes[static_cast<int>(ErrorCode::Unknown)];
  return g_classes[i];
}

// Sets the Python error: an instance of the code's class with message, code and context.
void raise(ErrorCode code, const char* message, const ErrorContext& ctx) {
  PyObject* cls = class_of(code);
  nb::object exc = nb::steal(PyObject_CallOneArg(cls, nb::str(message).ptr()));
  if (!exc.is_valid()) return;  // the call itself failed and set an error
  exc.attr("message") = nb::str(message);
  exc.attr("code") = nb::int_(static_cast<int>(code));
  exc.attr("error_code") = nb::int_(static_cast<int>(code));
  exc.attr("node") = nb::str(ctx.node.c_str());
  exc.attr("op") = nb::str(ctx.op.c_str());
  exc.attr("file") = nb::str(ctx.file.c_str());
  exc.attr("line") = nb::int_(ctx.line);
  PyErr_SetObject(cls, exc.ptr());
}

}  // namespace

void init_errors(nb::module_& m) {
  nb::dict base_dict;
  base_dict["__module__"] = "tensorgraph.errors";
  g_op_error = PyErr_NewExceptionWithDoc(
      "tensorgraph.errors.OpError",
      "The base of every tensorgraph error. Attributes: message, code (TensorFlow's numbering), "
      "node and op (where in the graph), file and line (which input file), '' or 0 when unknown.",
      PyExc_Exception, base_dict.ptr());
  if (!g_op_error) throw nb::python_error();
  m.attr("OpError") = nb::handle(g_op_error);
  nb::list table;
#define TG_PY_ERROR_CLASS(name, number, text, http, python)                                         \
  if (number != 0) {                                                                                  \
    nb::dict d;                                                                                       \
    d["__module__"] = "tensorgraph.errors";                                                           \
    PyObject* cls = PyErr_NewException("tensorgraph.errors." python, g_op_error, d.ptr());            \
    if (!cls) throw nb::python_error();                                                               \
    g_classes[number] = cls;                                                                          \
    m.attr(python) = nb::handle(cls);                                                                 \
  }                                                                                                   \
  table.append(nb::make_tuple(number, text, python, http));
  TG_ERROR_CODES(TG_PY_ERROR_CLASS)
#undef TG_PY_ERROR_CLASS
  // (number, name, Python class name, HTTP status) for each code, OK included.
  m.attr("error_codes") = table;

  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const Error& e) {
      raise(e.code(), e.what(), e.context());
    } catch (const std::logic_error& e) {
      // TG_ASSERT (a bug of the engine); subclasses such as std::invalid_argument keep
      // nanobind's own translation.
      if (typeid(e) != typeid(std::logic_error)) throw;
      raise(ErrorCode::Internal, e.what(), {});
    }
  });
  // Raises the class of a code from Python (for the package's own checks).
  m.def("raise_error", [](int code, const std::string& message, const std::string& node, const std::string& op) {
    raise(static_cast<ErrorCode>(code), message.c_str(), ErrorContext{node, op, "", 0});
    throw nb::python_error();
  }, nb::arg("code"), nb::arg("message"), nb::arg("node") = "", nb::arg("op") = "");
}

}  // namespace tg::python
