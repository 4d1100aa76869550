// The C API: status, error codes, data types and tensors.
#include <cstring>
#include <iterator>
#include <string_view>

#include "c_api_internal.h"
#include "nlohmann/json.hpp"

namespace tg::capi {
namespace {

// The C header's codes by the name of the C++ table. Every row of TG_ERROR_CODES must find its
// C value here with the same number, and there must be no other: checked below.
struct CCode {
  std::string_view name;
  int value;
};
constexpr CCode kCCodes[] = {
    {"OK", TG_OK},
    {"CANCELLED", TG_CANCELLED},
    {"UNKNOWN", TG_UNKNOWN},
    {"INVALID_ARGUMENT", TG_INVALID_ARGUMENT},
    {"DEADLINE_EXCEEDED", TG_DEADLINE_EXCEEDED},
    {"NOT_FOUND", TG_NOT_FOUND},
    {"ALREADY_EXISTS", TG_ALREADY_EXISTS},
    {"PERMISSION_DENIED", TG_PERMISSION_DENIED},
    {"RESOURCE_EXHAUSTED", TG_RESOURCE_EXHAUSTED},
    {"FAILED_PRECONDITION", TG_FAILED_PRECONDITION},
    {"ABORTED", TG_ABORTED},
    {"OUT_OF_RANGE", TG_OUT_OF_RANGE},
    {"UNIMPLEMENTED", TG_UNIMPLEMENTED},
    {"INTERNAL", TG_INTERNAL},
    {"UNAVAILABLE", TG_UNAVAILABLE},
    {"DATA_LOSS", TG_DATA_LOSS},
};
constexpr int c_code_named(std::string_view name) {
  for (const CCode& c : kCCodes)
    if (c.name == name) return c.value;
  return -1;
}
static_assert(std::size(kCCodes) == static_cast<size_t>(kNumErrorCodes),
              "the C header lists another number of codes than TG_ERROR_CODES");
#define TG_C_CODE_CHECK(name, number, text, http, python)                                  \
  static_assert(c_code_named(text) == number && static_cast<int>(ErrorCode::name) == number, \
                "C status code TG_" text " differs from tg::ErrorCode::" #name);
TG_ERROR_CODES(TG_C_CODE_CHECK)
#undef TG_C_CODE_CHECK

// The C data types have tg::DType's numbering.
static_assert(TG_FLOAT == static_cast<int>(DType::Float32) && TG_DOUBLE == static_cast<int>(DType::Float64) &&
              TG_INT32 == static_cast<int>(DType::Int32) && TG_INT64 == static_cast<int>(DType::Int64) &&
              TG_BOOL == static_cast<int>(DType::Bool) && TG_STRING == static_cast<int>(DType::String));
static_assert(sizeof(bool) == 1, "TG_BOOL elements are one byte");

// Hands a caller's buffer to a tg::Buffer: "allocates" that buffer, zeroes nothing, and on
// deallocation calls the caller's deallocator and deletes itself (one per buffer).
class CallerBuffer final : public Allocator {
 public:
  CallerBuffer(void* data, size_t len, tg_Deallocator d, void* arg) : data_(data), len_(len), d_(d), arg_(arg) {}
  void* allocate(size_t) override { return data_; }
  void deallocate(void*, size_t) override {
    tg_Deallocator d = d_;
    void *data = data_, *arg = arg_;
    size_t len = len_;
    delete this;
    if (d) d(data, len, arg);
  }
  void zero(void*, size_t) override {}

 private:
  void* data_;
  size_t len_;
  tg_Deallocator d_;
  void* arg_;
};

}  // namespace

void set_status(tg_Status* s, tg_Code code, const char* message, const ErrorContext* context) noexcept {
  if (!s) return;
  try {
    s->code = code;
    s->message = message ? message : "";
    s->node = context ? context->node : "";
    s->op = context ? context->op : "";
    s->file = context ? context->file : "";
    s->line = context ? context->line : 0;
  } catch (...) {  // no memory for the strings: keep the code
    s->code = code == TG_OK ? TG_RESOURCE_EXHAUSTED : code;
  }
}

void status_from_current_exception(tg_Status* s) noexcept {
  try {
    throw;
  } catch (const Error& e) {
    set_status(s, static_cast<tg_Code>(e.code()), e.what(), &e.context());
  } catch (const nlohmann::json::exception& e) {
    set_status(s, TG_INVALID_ARGUMENT, e.what());
  } catch (const std::bad_alloc& e) {
    set_status(s, TG_RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::invalid_argument& e) {
    set_status(s, TG_INVALID_ARGUMENT, e.what());
  } catch (const std::out_of_range& e) {
    set_status(s, TG_OUT_OF_RANGE, e.what());
  } catch (const std::logic_error& e) {  // TG_ASSERT: a bug in tensorgraph
    set_status(s, TG_INTERNAL, e.what());
  } catch (const std::exception& e) {
    set_status(s, TG_UNKNOWN, e.what());
  } catch (...) {
    set_status(s, TG_UNKNOWN, "unknown exception");
  }
}

void require_count(const void* array, int n, const char* call, const char* what) {
  TG_CHECK(n >= 0, call, ": the number of ", what, " is negative (", n, ")");
  TG_CHECK(n == 0 || array != nullptr, call, ": ", what, " is NULL with a count of ", n);
}

std::string str_arg(const char* s) { return s ? std::string(s) : std::string(); }

Shape shape_arg(const int64_t* dims, int num_dims, const char* call) {
  require_count(dims, num_dims, call, "dims");
  TG_CHECK(num_dims <= 32, call, ": rank ", num_dims, " is above 32");
  std::vector<int64_t> d(dims, dims + num_dims);
  for (int64_t x : d) TG_CHECK(x >= -1, call, ": bad dimension ", x);
  return Shape(std::move(d));
}

DType dtype_arg(tg_DataType t, const char* call) {
  int v = static_cast<int>(t);
  TG_CHECK(v >= TG_FLOAT && v <= TG_STRING, call, ": unknown data type ", v);
  return static_cast<DType>(v);
}

tg_DataType c_dtype(DType t) { return static_cast<tg_DataType>(static_cast<int>(t)); }

const Tensor& tensor_arg(const tg_Tensor* t, const char* call, const char* what) {
  require_handle(t, call, what);
  TG_CHECK(!t->t.empty(), call, ": ", what, " is an empty tensor");
  return t->t;
}

}  // namespace tg::capi

using namespace tg;
using namespace tg::capi;

extern "C" {

tg_Status* tg_NewStatus(void) { return new (std::nothrow) tg_Status(); }
void tg_DeleteStatus(tg_Status* s) { delete s; }
void tg_SetStatus(tg_Status* s, tg_Code code, const char* msg) { set_status(s, code, msg); }
tg_Code tg_GetCode(const tg_Status* s) { return s ? s->code : TG_OK; }
const char* tg_Message(const tg_Status* s) { return s ? s->message.c_str() : ""; }
const char* tg_StatusNode(const tg_Status* s) { return s ? s->node.c_str() : ""; }
const char* tg_StatusOp(const tg_Status* s) { return s ? s->op.c_str() : ""; }
const char* tg_StatusFile(const tg_Status* s) { return s ? s->file.c_str() : ""; }
int64_t tg_StatusLine(const tg_Status* s) { return s ? s->line : 0; }
const char* tg_CodeName(tg_Code code) { return error_code_name(static_cast<ErrorCode>(code)); }
const char* tg_Version(void) { return "0.1.0"; }

size_t tg_DataTypeSize(tg_DataType dtype) {
  int v = static_cast<int>(dtype);
  if (v < TG_FLOAT || v >= TG_STRING) return 0;
  return dtype_size(static_cast<DType>(v));
}

tg_Tensor* tg_NewTensor(tg_DataType dtype, const int64_t* dims, int num_dims, void* data, size_t len,
                        tg_Deallocator deallocator, void* deallocator_arg, tg_Status* status) {
  return guard<tg_Tensor*>(status, nullptr, [&] {
    const char* call = "tg_NewTensor";
    DType t = dtype_arg(dtype, call);
    TG_CHECK(t != DType::String, call, ": string tensors are made by tg_NewStringTensor");
    Shape shape = shape_arg(dims, num_dims, call);
    TG_CHECK(shape.is_fully_defined(), call, ": shape ", shape.to_string(), " has unknown dimensions");
    size_t need = static_cast<size_t>(shape.num_elements()) * dtype_size(t);
    TG_CHECK(len >= need, call, ": ", len, " bytes for a ", dtype_name(t), shape.to_string(), " tensor of ", need,
             " bytes");
    TG_CHECK(data != nullptr || len == 0, call, ": data is NULL with a length of ", len);
    TG_CHECK(reinterpret_cast<uintptr_t>(data) % dtype_size(t) == 0, call, ": data is not aligned for ",
             dtype_name(t));
    auto alloc = std::make_unique<CallerBuffer>(data, len, deallocator, deallocator_arg);
    // Only whole elements are visible: the buffer counts len / element size of them.
    auto holder = std::make_unique<tg_Tensor>();
    auto buf = std::make_shared<Buffer>(t, len / dtype_size(t), alloc.get());
    alloc.release();  // the buffer owns it now: its destructor calls the deallocator
    holder->t = Tensor::view(std::move(buf), t, shape);
    return holder.release();
  });
}

tg_Tensor* tg_AllocateTensor(tg_DataType dtype, const int64_t* dims, int num_dims, tg_Status* status) {
  return guard<tg_Tensor*>(status, nullptr, [&] {
    const char* call = "tg_AllocateTensor";
    DType t = dtype_arg(dtype, call);
    Shape shape = shape_arg(dims, num_dims, call);
    TG_CHECK(shape.is_fully_defined(), call, ": shape ", shape.to_string(), " has unknown dimensions");
    return new_tensor(Tensor(t, shape));
  });
}

tg_Tensor* tg_NewStringTensor(const int64_t* dims, int num_dims, const char* const* strings, const size_t* lengths,
                              tg_Status* status) {
  return guard<tg_Tensor*>(status, nullptr, [&] {
    const char* call = "tg_NewStringTensor";
    Shape shape = shape_arg(dims, num_dims, call);
    TG_CHECK(shape.is_fully_defined(), call, ": shape ", shape.to_string(), " has unknown dimensions");
    int64_t n = shape.num_elements();
    TG_CHECK(n == 0 || strings != nullptr, call, ": strings is NULL");
    Tensor t(DType::String, shape);
    auto* out = t.data<std::string>();
    for (int64_t i = 0; i < n; ++i) {
      TG_CHECK(strings[i] != nullptr, call, ": string ", i, " is NULL");
      out[i] = lengths ? std::string(strings[i], lengths[i]) : std::string(strings[i]);
    }
    return new_tensor(std::move(t));
  });
}

void tg_DeleteTensor(tg_Tensor* t) { delete t; }

tg_DataType tg_TensorType(const tg_Tensor* t) { return t ? c_dtype(t->t.dtype()) : TG_FLOAT; }
int tg_NumDims(const tg_Tensor* t) { return t && !t->t.empty() ? t->t.shape().rank() : -1; }
int64_t tg_Dim(const tg_Tensor* t, int i) {
  if (!t || t->t.empty() || i < 0 || i >= t->t.shape().rank()) return -1;
  return t->t.shape().dim(i);
}
int64_t tg_TensorElementCount(const tg_Tensor* t) { return t && !t->t.empty() ? t->t.num_elements() : 0; }
size_t tg_TensorByteSize(const tg_Tensor* t) {
  return t && !t->t.empty() && t->t.dtype() != DType::String ? t->t.bytes() : 0;
}
void* tg_TensorData(const tg_Tensor* t) {
  if (!t || t->t.empty() || t->t.dtype() == DType::String || !t->t.on_host()) return nullptr;
  return t->t.raw();
}
const char* tg_TensorStringAt(const tg_Tensor* t, int64_t i, size_t* len) {
  if (!t || t->t.empty() || t->t.dtype() != DType::String || i < 0 || i >= t->t.num_elements()) return nullptr;
  const std::string& s = static_cast<const std::string*>(t->t.raw())[i];
  if (len) *len = s.size();
  return s.c_str();
}

}  // extern "C"
