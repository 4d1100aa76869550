#include "runtime/variables.h"

namespace tg {

VariableState& VariableStore::get(const Node* var) {
  auto it = vars_.find(var);
  if (it != vars_.end()) return it->second;
  TG_ASSERT(var->op == "Variable");
  VariableState s;
  s.value = Tensor(var->attrs.get<DType>("dtype"), var->attrs.get<Shape>("shape"));
  return vars_.emplace(var, std::move(s)).first->second;
}

const VariableState* VariableStore::find(const Node* var) const {
  auto it = vars_.find(var);
  return it == vars_.end() ? nullptr : &it->second;
}

}  // namespace tg
