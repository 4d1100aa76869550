// Tensor shapes. A dimension of -1 is unknown (a placeholder's batch dimension, say).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tg {

class Shape {
 public:
  Shape() = default;  // a scalar
  Shape(std::initializer_list<int64_t> dims) : dims_(dims) {}
  explicit Shape(std::vector<int64_t> dims) : dims_(std::move(dims)) {}

  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[static_cast<size_t>(i)]; }
  int64_t& dim(int i) { return dims_[static_cast<size_t>(i)]; }
  const std::vector<int64_t>& dims() const { return dims_; }
  bool is_fully_defined() const;
  // Product of the dimensions; -1 when any is unknown.
  int64_t num_elements() const;
  // True when the two could describe the same tensor (same rank, known dims equal).
  bool compatible_with(const Shape& other) const;
  std::string to_string() const;  // "[-1, 6]"; "[]" for a scalar

  bool operator==(const Shape& o) const { return dims_ == o.dims_; }
  bool operator!=(const Shape& o) const { return dims_ != o.dims_; }

 private:
  std::vector<int64_t> dims_;
};

// Numpy broadcasting of two shapes with unknown dims; returns false when they cannot broadcast.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out);

// Resolves a possibly negative axis against a rank; throws tg::Error when out of range.
int normalize_axis(int64_t axis, int rank);

}  // namespace tg
