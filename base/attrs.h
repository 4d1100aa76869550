// Named attributes of a node (axes, flags, constants), readable by kernels without a Node.
#pragma once

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dtype.h"
#include "error.h"
#include "shape.h"
#include "tensor.h"

namespace tg {

using AttrValue = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>,
                               std::vector<double>, std::vector<std::string>, DType, Shape, Tensor>;

class Attrs {
 public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<std::string, AttrValue>> items) : items_(items) {}

  void set(const std::string& name, AttrValue v);
  bool has(const std::string& name) const { return find(name) != nullptr; }

  template <class T>
  const T& get(const std::string& name) const {
    const AttrValue* v = find(name);
    TG_CHECK(v != nullptr, "missing attribute '", name, "'");
    const T* t = std::get_if<T>(v);
    TG_CHECK(t != nullptr, "attribute '", name, "' has another type");
    return *t;
  }
  template <class T>
  T get_or(const std::string& name, T fallback) const {
    const AttrValue* v = find(name);
    if (!v) return fallback;
    const T* t = std::get_if<T>(v);
    return t ? *t : fallback;
  }
  const std::vector<std::pair<std::string, AttrValue>>& items() const { return items_; }

 private:
  const AttrValue* find(const std::string& name) const;
  std::vector<std::pair<std::string, AttrValue>> items_;
};

}  // namespace tg
