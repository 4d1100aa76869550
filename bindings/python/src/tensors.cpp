// numpy arrays to tensors and back.
#include <cstring>

#include "common.h"

namespace tg::python {

using namespace nb::literals;

namespace {

DType dtype_of_ndarray(const nb::dlpack::dtype& t) {
  using nb::dlpack::dtype_code;
  auto code = static_cast<dtype_code>(t.code);
  if (code == dtype_code::Float && t.bits == 32) return DType::Float32;
  if (code == dtype_code::Float && t.bits == 64) return DType::Float64;
  if (code == dtype_code::Int && t.bits == 32) return DType::Int32;
  if (code == dtype_code::Int && t.bits == 64) return DType::Int64;
  if (code == dtype_code::Bool) return DType::Bool;
  fail("numpy arrays of this element type (", int(t.code), ", ", int(t.bits),
       " bits) are not supported: use float32, float64, int32, int64, bool or str");
}

nb::dlpack::dtype ndarray_dtype(DType t) {
  switch (t) {
    case DType::Float32: return nb::dtype<float>();
    case DType::Float64: return nb::dtype<double>();
    case DType::Int32: return nb::dtype<int32_t>();
    case DType::Int64: return nb::dtype<int64_t>();
    case DType::Bool: return nb::dtype<bool>();
    default: break;
  }
  fail("no numpy dtype for ", dtype_name(t));
}

}  // namespace

Tensor tensor_from_python(nb::handle value) {
  nb::module_ np = nb::module_::import_("numpy");
  // (ascontiguousarray would turn a 0-d array into a 1-d one.)
  nb::object arr = np.attr("asarray")(value);
  if (!nb::cast<bool>(arr.attr("flags").attr("c_contiguous"))) arr = np.attr("ascontiguousarray")(arr);
  std::string kind = nb::cast<std::string>(arr.attr("dtype").attr("kind"));
  std::vector<int64_t> dims;
  for (nb::handle d : arr.attr("shape")) dims.push_back(nb::cast<int64_t>(d));
  Shape shape(dims);
  if (kind == "U" || kind == "S" || kind == "O") {
    Tensor t(DType::String, shape);
    std::string* out = t.data<std::string>();
    int64_t i = 0;
    for (nb::handle v : arr.attr("ravel")().attr("tolist")()) {
      if (PyBytes_Check(v.ptr())) out[i++] = std::string(PyBytes_AsString(v.ptr()), PyBytes_Size(v.ptr()));
      else out[i++] = nb::cast<std::string>(nb::str(v));
    }
    return t;
  }
  if (kind == "f" && nb::cast<int>(arr.attr("dtype").attr("itemsize")) == 2) arr = arr.attr("astype")("float32");
  auto nd = nb::cast<nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>>(arr);
  Tensor t(dtype_of_ndarray(nd.dtype()), shape);
  if (t.bytes() > 0) std::memcpy(t.raw(), nd.data(), t.bytes());
  return t;
}

nb::object tensor_to_python(Tensor t) {
  TG_CHECK(t.on_host(), "a fetched tensor is in device memory");
  std::vector<size_t> shape;
  for (int64_t d : t.shape().dims()) shape.push_back(static_cast<size_t>(d));
  if (t.dtype() == DType::String) {
    nb::list values;
    for (const std::string& s : t.flat<std::string>()) {
      PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "surrogateescape");
      if (!u) throw nb::python_error();
      values.append(nb::steal(u));
    }
    nb::module_ np = nb::module_::import_("numpy");
    nb::object a = np.attr("empty")(values.size(), "dtype"_a = "object");
    for (size_t i = 0; i < values.size(); ++i) a[nb::int_(i)] = values[i];
    nb::list dims;
    for (size_t d : shape) dims.append(d);
    return a.attr("reshape")(nb::tuple(dims));
  }
  // The array keeps the tensor (and so its buffer) alive through a capsule: no copy.
  auto* owner = new Tensor(std::move(t));
  nb::capsule keep(owner, [](void* p) noexcept { delete static_cast<Tensor*>(p); });
  nb::ndarray<nb::numpy> arr(owner->raw(), shape.size(), shape.data(), keep, nullptr,
                             ndarray_dtype(owner->dtype()));
  return arr.cast();
}

}  // namespace tg::python
