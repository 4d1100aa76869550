#include "kernels/activation.h"

namespace tg {

namespace {

struct Row {
  Act act;
  const char* name;
  bool reads_input;
  double alpha;
};
#define TG_ACT_ROW(e, name, op, alpha, dnnl, dnnl_a, lt, cudnn, onnx, reads) \
  Row{Act::e, name, #reads[0] == 'I', alpha},
constexpr Row kRows[] = {Row{Act::None, "none", false, 0.0}, TG_ACTIVATIONS(TG_ACT_ROW)};
#undef TG_ACT_ROW
static_assert(sizeof(kRows) / sizeof(kRows[0]) == kNumActivations + 1, "one row per activation");

}  // namespace

Act act_from_name(const std::string& n) {
  if (n.empty()) return Act::None;
  std::string names;
  for (const Row& r : kRows) {
    if (n == r.name) return r.act;
    names += names.empty() ? r.name : std::string(", ") + r.name;
  }
  fail("unknown activation '", n, "' (expected one of ", names, ")");
}

const char* act_name(Act a) { return kRows[static_cast<int>(a)].name; }

bool act_grad_reads_input(Act a) { return kRows[static_cast<int>(a)].reads_input; }

double act_default_alpha(Act a) { return kRows[static_cast<int>(a)].alpha; }

}  // namespace tg
