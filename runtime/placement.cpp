#include "runtime/placement.h"

#include "base/log.h"

namespace tg {

bool is_source_op(const std::string& op) {
  return op == "Placeholder" || op == "Const" || op == "Variable" || op == "NoOp";
}

DType kernel_dtype(const Node& n) {
  return n.inputs.empty() ? n.out_dtypes[0] : n.inputs[0].dtype();
}

namespace {

// Parses "/cpu:0", "/device:GPU:1", "gpu:0"; empty means no request.
bool requests_gpu(const std::string& d) {
  std::string s;
  for (char c : d) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.find("gpu") != std::string::npos || s.find("cuda") != std::string::npos;
}

}  // namespace

std::vector<DeviceType> place_nodes(const std::vector<const Node*>& nodes,
                                    const PlacementOptions& options) {
  std::vector<DeviceType> r;
  r.reserve(nodes.size());
  for (const Node* n : nodes) {
    if (!n->device.empty() && requests_gpu(n->device)) {
      TG_CHECK(options.soft_placement, "node '", n->name, "' (op ", n->op, ") asks for device '",
               n->device, "', which does not exist; enable soft placement to fall back to the CPU");
      log_info("node '", n->name, "' asked for '", n->device,
               "', which does not exist: placed on the CPU (soft placement)");
    }
    if (!is_source_op(n->op))
      TG_CHECK(find_kernel(n->op, DeviceType::CPU, kernel_dtype(*n)) != nullptr, "node '",
               n->name, "' (op ", n->op, "): no kernel for dtype ",
               dtype_name(kernel_dtype(*n)), " on any device");
    r.push_back(DeviceType::CPU);
    if (options.log_device_placement)
      log_info("placement: ", n->name, " (", n->op, ") on /cpu:0");
  }
  return r;
}

}  // namespace tg
