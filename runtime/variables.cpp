#include "runtime/variables.h"

namespace tg {

VariableState& VariableStore::get(const Node* var, const DeviceId& device) {
  auto it = vars_.find(var);
  if (it != vars_.end()) return it->second;
  TG_ASSERT(var->op == "Variable");
  Device* dev = find_device(device);
  TG_ASSERT(dev != nullptr);
  DeviceLocks lock({dev});  // the allocator zeroes the value on the device's stream
  VariableState s;
  s.device = device;
  s.value = Tensor(var->attrs.get<DType>("dtype"), var->attrs.get<Shape>("shape"), dev->allocator());
  return vars_.emplace(var, std::move(s)).first->second;
}

VariableState* VariableStore::find(const Node* var) {
  auto it = vars_.find(var);
  return it == vars_.end() ? nullptr : &it->second;
}

Tensor VariableStore::read(const VariableState& s) {
  if (s.value.on_host()) return s.value.clone();
  Tensor host(s.value.dtype(), s.value.shape());
  DeviceLocks lock({find_device(s.device)});
  find_device(s.device)->copy_to_host(host.raw(), s.value.raw(), host.bytes());
  return host;
}

void VariableStore::write(VariableState& s, const Tensor& host_value) {
  if (s.value.on_host()) {
    s.value.copy_from(host_value);
    return;
  }
  Device* dev = find_device(s.device);
  DeviceLocks lock({dev});
  dev->copy_from_host(s.value.raw(), host_value.raw(), host_value.bytes());
  // The source is the caller's memory, which may change once this returns.
  dev->synchronize();
}

}  // namespace tg
