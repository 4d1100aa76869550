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
