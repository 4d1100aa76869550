#include "base/tensor.h"

#include <cstring>
#include <sstream>

namespace tg {

std::shared_ptr<Buffer> Buffer::of_bytes(size_t bytes, Allocator* alloc) {
  return std::make_shared<Buffer>(DType::Float64, (bytes + 7) / 8, alloc);
}

Buffer::Buffer(DType dtype, size_t count, Allocator* alloc)
    : dtype_(dtype), count_(count), alloc_(alloc) {
  TG_CHECK(dtype != DType::String || alloc_->host_accessible(), "string tensors live in host memory only");
  size_t bytes = count * dtype_size(dtype);
  data_ = alloc_->allocate(bytes);
  if (dtype == DType::String) {
    auto* s = static_cast<std::string*>(data_);
    for (size_t i = 0; i < count; ++i) new (s + i) std::string();
  } else {
    alloc_->zero(data_, bytes);
  }
}

Buffer::~Buffer() {
  if (dtype_ == DType::String) {
    auto* s = static_cast<std::string*>(data_);
    for (size_t i = 0; i < count_; ++i) s[i].~basic_string();
  }
  alloc_->deallocate(data_, count_ * dtype_size(dtype_));
}

Tensor::Tensor(DType dtype, const Shape& shape, Allocator* alloc) : dtype_(dtype), shape_(shape) {
  TG_CHECK(shape.is_fully_defined(), "cannot allocate a tensor of partial shape ",
           shape.to_string());
  buf_ = std::make_shared<Buffer>(dtype, static_cast<size_t>(shape.num_elements()), alloc);
}

bool Tensor::on_host() const { return !buf_ || buf_->host_accessible(); }

double Tensor::scalar_as_double() const {
  TG_CHECK(on_host(), "scalar_as_double: the tensor is in device memory");
  TG_CHECK(num_elements() == 1, "expected one element, tensor has shape ", shape_.to_string());
  TG_CHECK(dtype_ != DType::String, "expected a number, tensor holds strings");
  return visit_dtype(dtype_, [&](auto z) { return static_cast<double>(*data<decltype(z)>()); });
}

Tensor Tensor::view(std::shared_ptr<Buffer> buf, DType dtype, const Shape& shape) {
  TG_CHECK(dtype != DType::String, "string tensors cannot view raw buffers");
  TG_CHECK(shape.is_fully_defined() &&
               static_cast<size_t>(shape.num_elements()) * dtype_size(dtype) <= buf->bytes(),
           "view: ", shape.to_string(), " does not fit a buffer of ", buf->bytes(), " bytes");
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.buf_ = std::move(buf);
  return t;
}

Tensor Tensor::with_shape(const Shape& shape) const {
  TG_CHECK(shape.is_fully_defined() &&
               static_cast<size_t>(shape.num_elements()) * dtype_size(dtype_) <=
                   (buf_ ? buf_->bytes() : 0),
           "with_shape: ", shape.to_string(), " does not fit a buffer of ", capacity(),
           " elements");
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

Tensor Tensor::clone(Allocator* alloc) const {
  if (empty()) return {};
  Tensor t(dtype_, shape_, alloc);
  t.copy_from(*this);
  return t;
}

void Tensor::copy_from(const Tensor& src) {
  TG_CHECK(src.dtype_ == dtype_ && src.num_elements() == num_elements(), "copy_from: ",
           dtype_name(src.dtype_), src.shape_.to_string(), " into ", dtype_name(dtype_),
           shape_.to_string());
  if (src.raw() == raw()) return;
  TG_CHECK(on_host() && src.on_host(),
           "copy_from: device tensors are copied by their device, not by the host");
  if (dtype_ == DType::String) {
    auto* d = static_cast<std::string*>(raw());
    auto* s = static_cast<const std::string*>(src.raw());
    for (int64_t i = 0; i < num_elements(); ++i) d[i] = s[i];
  } else {
    std::memcpy(raw(), src.raw(), bytes());
  }
}

std::string Tensor::debug_string(int max_elements) const {
  std::ostringstream os;
  os << dtype_name(dtype_) << shape_.to_string() << " {";
  if (!on_host()) return os.str() + "in device memory}";
  int64_t n = empty() ? 0 : std::min<int64_t>(num_elements(), max_elements);
  for (int64_t i = 0; i < n; ++i) {
    if (i) os << ", ";
    if (dtype_ == DType::String) {
      os << '"' << static_cast<const std::string*>(raw())[i] << '"';
    } else {
      visit_dtype(dtype_, [&](auto z) {
        using T = decltype(z);
        if constexpr (std::is_same_v<T, bool>) os << (data<bool>()[i] ? "true" : "false");
        else os << +data<T>()[i];
      });
    }
  }
  if (!empty() && num_elements() > n) os << ", ...";
  os << "}";
  return os.str();
}

}  // namespace tg
