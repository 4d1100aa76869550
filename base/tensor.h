// A tensor: a dtype, a shape and a reference-counted buffer, in host memory unless its
// allocator is a device's (on_host() tells; host code reads only host tensors).
//
// Copies of a Tensor share the buffer (like TensorFlow's host tensors); clone() copies the
// data. A buffer may be larger than the shape needs, so a session can reuse one buffer for
// several batch sizes (with_shape). String tensors hold std::string objects.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "allocator.h"
#include "dtype.h"
#include "error.h"
#include "shape.h"

namespace tg {

class Buffer {
 public:
  Buffer(DType dtype, size_t count, Allocator* alloc);
  // Untyped storage of at least `bytes` bytes (in 8-byte words), which tensors of any dtype
  // view: the planned buffers that several outputs share in turn.
  static std::shared_ptr<Buffer> of_bytes(size_t bytes, Allocator* alloc);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  void* data() const { return data_; }
  size_t count() const { return count_; }  // capacity in elements
  size_t bytes() const { return count_ * dtype_size(dtype_); }
  bool host_accessible() const { return alloc_->host_accessible(); }

 private:
  DType dtype_;
  size_t count_;
  Allocator* alloc_;
  void* data_;
};

class Tensor {
 public:
  Tensor() = default;  // empty: no dtype, no buffer
  // Allocates a zero-filled tensor of a fully defined shape.
  Tensor(DType dtype, const Shape& shape, Allocator* alloc = default_allocator());

  template <class T>
  static Tensor scalar(T v) {
    Tensor t(dtype_of<T>(), Shape{});
    *t.data<T>() = v;
    return t;
  }
  template <class T>
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values);

  bool empty() const { return buf_ == nullptr; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t num_elements() const { return shape_.num_elements(); }
  size_t bytes() const { return static_cast<size_t>(num_elements()) * dtype_size(dtype_); }
  size_t capacity() const { return buf_ ? buf_->count() : 0; }

  // False when the buffer is device memory: only kernels of that device may touch the data.
  bool on_host() const;
  void* raw() const { return buf_ ? buf_->data() : nullptr; }
  template <class T>
  T* data() const {
    TG_CHECK(dtype_of<T>() == dtype_, "tensor of dtype ", dtype_name(dtype_), " read as ",
             dtype_name(dtype_of<T>()));
    return static_cast<T*>(raw());
  }
  template <class T>
  std::span<T> flat() const { return {data<T>(), static_cast<size_t>(num_elements())}; }
  template <class T>
  std::vector<T> to_vector() const {
    auto f = flat<T>();
    return {f.begin(), f.end()};
  }
  // Value of a one-element tensor converted to double (numeric and bool dtypes).
  double scalar_as_double() const;

  // A numeric tensor over an existing buffer (of any dtype) that holds enough bytes.
  static Tensor view(std::shared_ptr<Buffer> buf, DType dtype, const Shape& shape);
  // Same buffer seen with another shape; the buffer must hold enough elements.
  Tensor with_shape(const Shape& shape) const;
  // Deep copy.
  Tensor clone(Allocator* alloc = default_allocator()) const;
  // Copies the elements of src (same dtype and element count) into this tensor's buffer.
  void copy_from(const Tensor& src);
  bool same_buffer(const Tensor& o) const { return buf_ == o.buf_; }

  std::string debug_string(int max_elements = 16) const;

 private:
  DType dtype_ = DType::Float32;
  Shape shape_;
  std::shared_ptr<Buffer> buf_;
};

template <class T>
Tensor Tensor::from_vector(const Shape& shape, const std::vector<T>& values) {
  Tensor t(dtype_of<T>(), shape);
  TG_CHECK(static_cast<int64_t>(values.size()) == t.num_elements(), "from_vector: ",
           values.size(), " values for shape ", shape.to_string());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

}  // namespace tg
