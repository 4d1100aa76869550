#include "kernels/activation.h"

namespace tg {

Act act_from_name(const std::string& n) {
  if (n == "none" || n.empty()) return Act::None;
  if (n == "relu") return Act::Relu;
  if (n == "leaky_relu") return Act::LeakyRelu;
  if (n == "elu") return Act::Elu;
  if (n == "sigmoid") return Act::Sigmoid;
  if (n == "tanh") return Act::Tanh;
  if (n == "softplus") return Act::Softplus;
  fail("unknown activation '", n, "'");
}

}  // namespace tg
