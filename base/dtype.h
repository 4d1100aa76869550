// Element types of tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tg {

enum class DType : uint8_t { Float32, Float64, Int32, Int64, Bool, String };

// Bytes per element (sizeof(std::string) for String, whose elements are objects).
size_t dtype_size(DType t);
const char* dtype_name(DType t);
// Parses "float32", "float64", "int32", "int64", "bool", "string"; throws tg::Error otherwise.
DType dtype_from_name(std::string_view name);

// How float32 matrix products compute (SessionOptions::precision). Float32: exactly. TF32: on a
// GPU, tensor cores with 10-bit mantissa inputs and f32 accumulation (as Float32 on the CPU,
// which has no TF32). BFloat16: inputs rounded to bf16 (8-bit mantissa, f32's exponent) and f32
// accumulation, on AMX/AVX512-BF16 CPUs through oneDNN and on GPUs through cuBLASLt. Variables,
// optimizer state and everything but the products stay float32.
enum class MathPrecision : uint8_t { Float32, TF32, BFloat16 };
const char* precision_name(MathPrecision p);  // "f32", "tf32", "bf16"
// Parses those names; throws tg::Error naming the choices for another.
MathPrecision precision_from_name(std::string_view name);
inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64; }
inline bool is_integer(DType t) { return t == DType::Int32 || t == DType::Int64; }
inline bool is_numeric(DType t) { return is_floating(t) || is_integer(t); }

template <class T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::Float32; }
template <> constexpr DType dtype_of<double>() { return DType::Float64; }
template <> constexpr DType dtype_of<int32_t>() { return DType::Int32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::Int64; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<std::string>() { return DType::String; }

// Calls f(T{}) with the C++ type of a numeric or bool dtype; throws for String.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::Float32: return f(float{});
    case DType::Float64: return f(double{});
    case DType::Int32: return f(int32_t{});
    case DType::Int64: return f(int64_t{});
    case DType::Bool: return f(bool{});
    default: break;
  }
  return f(float{});  // unreachable for callers that reject String first
}

}  // namespace tg
