#include "base/dtype.h"

#include "base/error.h"

namespace tg {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int32: return 4;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
    case DType::String: return sizeof(std::string);
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
    case DType::String: return "string";
  }
  return "?";
}

DType dtype_from_name(std::string_view name) {
  for (DType t : {DType::Float32, DType::Float64, DType::Int32, DType::Int64, DType::Bool,
                  DType::String})
    if (name == dtype_name(t)) return t;
  fail("unknown dtype '", name, "' (expected float32, float64, int32, int64, bool or string)");
}

const char* precision_name(MathPrecision p) {
  switch (p) {
    case MathPrecision::Float32: return "f32";
    case MathPrecision::TF32: return "tf32";
    case MathPrecision::BFloat16: return "bf16";
  }
  return "f32";
}

MathPrecision precision_from_name(std::string_view name) {
  for (MathPrecision p : {MathPrecision::Float32, MathPrecision::TF32, MathPrecision::BFloat16})
    if (name == precision_name(p)) return p;
  fail("unknown precision '", name, "' (expected f32, tf32 or bf16)");
}

}  // namespace tg
