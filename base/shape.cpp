#include "base/shape.h"

#include "base/error.h"

namespace tg {

bool Shape::is_fully_defined() const {
  for (int64_t d : dims_)
    if (d < 0) return false;
  return true;
}

int64_t Shape::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims_)
    if (d < 0) return -1;
  // Shapes also come from files and requests: a product past int64 is an error, not UB.
  bool overflow = false;
  for (int64_t d : dims_) overflow |= __builtin_mul_overflow(n, d, &n);
  if (overflow) {
    for (int64_t d : dims_)
      if (d == 0) return 0;
    fail("the shape ", to_string(), " has more elements than a tensor can hold");
  }
  return n;
}

bool Shape::compatible_with(const Shape& other) const {
  if (rank() != other.rank()) return false;
  for (int i = 0; i < rank(); ++i)
    if (dim(i) >= 0 && other.dim(i) >= 0 && dim(i) != other.dim(i)) return false;
  return true;
}

std::string Shape::to_string() const {
  std::string s = "[";
  for (size_t i = 0; i < dims_.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
  int rank = std::max(a.rank(), b.rank());
  std::vector<int64_t> dims(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    int64_t da = ia >= 0 ? a.dim(ia) : 1, db = ib >= 0 ? b.dim(ib) : 1;
    int64_t d;
    if (da == 1) d = db;
    else if (db == 1) d = da;
    else if (da < 0) d = db;  // unknown vs n>1 (or unknown): the known one must hold
    else if (db < 0) d = da;
    else if (da == db) d = da;
    else return false;
    dims[static_cast<size_t>(i)] = d;
  }
  *out = Shape(std::move(dims));
  return true;
}

int normalize_axis(int64_t axis, int rank) {
  int64_t a = axis < 0 ? axis + rank : axis;
  TG_CHECK(a >= 0 && a < std::max(rank, 1), "axis ", axis, " is out of range for rank ", rank);
  return static_cast<int>(a);
}

}  // namespace tg
