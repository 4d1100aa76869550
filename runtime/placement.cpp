#include "runtime/placement.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "base/log.h"

namespace tg {

bool is_source_op(const std::string& op) {
  return op == "Placeholder" || op == "Const" || op == "Variable" || op == "NoOp";
}

bool is_update_op(const std::string& op) {
  return op.rfind("Assign", 0) == 0 || op.rfind("Apply", 0) == 0;
}

DType kernel_dtype(const Node& n) {
  return n.inputs.empty() ? n.out_dtypes[0] : n.inputs[0].dtype();
}

std::optional<DeviceId> parse_device(const std::string& spec) {
  if (spec.empty()) return std::nullopt;
  std::string s;
  for (char c : spec) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.rfind("/device:", 0) == 0) s = s.substr(8);
  if (!s.empty() && s[0] == '/') s = s.substr(1);
  DeviceId id;
  std::string kind = s.substr(0, s.find(':'));
  if (kind == "cpu") id.type = DeviceType::CPU;
  else if (kind == "gpu" || kind == "cuda") id.type = DeviceType::CUDA;
  else throw Error(cat("unknown device '", spec, "': expected /cpu:0 or /gpu:N"));
  if (s.size() > kind.size()) {
    std::string idx = s.substr(kind.size() + 1);
    TG_CHECK(!idx.empty() && idx.size() < 6 && std::all_of(idx.begin(), idx.end(), ::isdigit),
             "unknown device '", spec, "': expected /cpu:0 or /gpu:N");
    id.index = std::stoi(idx);
  }
  return id;
}

DeviceInventory current_inventory(const PlacementOptions& options,
                                  std::function<std::optional<DeviceId>(const Node*)> variable_device) {
  DeviceInventory inv;
  inv.num_gpus = options.use_gpus ? static_cast<int>(cuda_devices().size()) : 0;
  inv.no_gpu_reason = options.use_gpus ? cuda_unavailable_reason() : "the session does not use GPUs";
  inv.variable_device = std::move(variable_device);
  return inv;
}

namespace {

class Placer {
 public:
  Placer(const PlacementOptions& o, const DeviceInventory& inv) : options_(o), inv_(inv) {
    if (inv.num_gpus > 0) preferred_ = DeviceId{DeviceType::CUDA, 0};
  }

  DeviceId place(const Node* n) {
    DeviceId d = choose(n);
    placed_[n] = d;
    if (options_.log_device_placement) log_info("placement: ", n->name, " (", n->op, ") on ", d.name());
    return d;
  }

  // One log line per refused request, not per node: a model built under a device scope has
  // hundreds of nodes.
  void log_fallbacks() const {
    for (const auto& [request, first] : fallbacks_)
      log_info("soft placement: ", first.second, " node(s) asked for '", request,
               "; placed by the default rules (the first: '", first.first, "')");
  }

 private:
  bool exists(const DeviceId& d) const {
    return d.type == DeviceType::CPU ? d.index == 0 : d.index < inv_.num_gpus;
  }
  // Device memory holds no strings, and a CUDA kernel is chosen by one dtype (input 0's): a
  // Select over strings has a kernel for its bool condition, yet its values cannot be there.
  static bool touches_strings(const Node* n) {
    for (const auto& in : n->inputs)
      if (in.dtype() == DType::String) return true;
    return std::find(n->out_dtypes.begin(), n->out_dtypes.end(), DType::String) != n->out_dtypes.end();
  }
  static bool has_kernel(const Node* n, const DeviceId& d) {
    if (d.is_gpu() && touches_strings(n)) return false;
    if (n->op == "Variable") return find_kernel("Assign", d.type, n->out_dtypes[0]) != nullptr;
    if (is_source_op(n->op)) return d.type == DeviceType::CPU;
    return find_kernel(n->op, d.type, kernel_dtype(*n)) != nullptr;
  }
  // Why `d` cannot take `n`, or "" when it can.
  std::string refusal(const Node* n, const DeviceId& d) const {
    if (!exists(d))
      return d.is_gpu() && inv_.num_gpus == 0 ? cat("there is no GPU (", inv_.no_gpu_reason, ")")
                                              : cat(d.name(), " does not exist");
    if (d.is_gpu() && touches_strings(n))
      return cat("op ", n->op, " has string inputs or outputs, which a GPU cannot hold");
    if (!has_kernel(n, d))
      return cat("op ", n->op, " has no ", device_type_name(d.type), " kernel for ",
                 dtype_name(kernel_dtype(*n)));
    return "";
  }

  // A variable may live on `d` only if every op that updates it in place can run there.
  bool variable_fits(const Node* var, const DeviceId& d) const {
    if (!has_kernel(var, d)) return false;
    for (const auto& m : var->graph->nodes())
      if (is_update_op(m->op) && !m->inputs.empty() && m->inputs[0].node == var &&
          find_kernel(m->op, d.type, var->out_dtypes[0]) == nullptr)
        return false;
    return true;
  }

  DeviceId variable_device(const Node* var) const {
    if (inv_.variable_device)
      if (auto d = inv_.variable_device(var)) return *d;
    auto it = placed_.find(var);
    if (it != placed_.end()) return it->second;
    return DeviceId{};
  }

  DeviceId choose(const Node* n) {
    if (n->op == "Const" || n->op == "Placeholder" || n->op == "NoOp") return DeviceId{};
    if (n->op == "Variable") {
      if (inv_.variable_device)
        if (auto d = inv_.variable_device(n)) return *d;  // rule 2: it stays where it is
    }
    if (is_update_op(n->op) && !n->inputs.empty() && n->inputs[0].node->op == "Variable") {
      DeviceId d = variable_device(n->inputs[0].node);
      TG_CHECK(has_kernel(n, d), "node '", n->name, "' (op ", n->op, ") updates variable '",
               n->inputs[0].node->name, "' on ", d.name(), ", where it has no kernel for ",
               dtype_name(kernel_dtype(*n)));
      return d;
    }
    std::optional<DeviceId> want;
    try {
      want = parse_device(n->device);
    } catch (const Error& e) {
      throw Error(cat("node '", n->name, "' (op ", n->op, "): ", e.what()), e.code(),
                  ErrorContext{.node = n->name, .op = n->op});
    }
    if (want) {  // rule 1
      std::string why = n->op == "Variable" && exists(*want) && !variable_fits(n, *want)
                            ? cat("an op updating it has no ", device_type_name(want->type), " kernel")
                            : refusal(n, *want);
      if (why.empty()) return *want;
      TG_CHECK(options_.soft_placement, "node '", n->name, "' (op ", n->op, ") asks for device '",
               n->device, "', which cannot take it: ", why,
               "; enable soft placement to fall back to another device");
      auto& f = fallbacks_[cat(n->device, "': ", why)];
      if (f.second++ == 0) f.first = n->name;
    }
    // Rule 4.
    if (n->op == "Variable") return variable_fits(n, preferred_) ? preferred_ : DeviceId{};
    if (has_kernel(n, preferred_)) return preferred_;
    if (!has_kernel(n, DeviceId{}))
      throw Error(cat("node '", n->name, "' (op ", n->op, "): no kernel for dtype ", dtype_name(kernel_dtype(*n)),
                      " on any device"),
                  ErrorCode::Unimplemented, ErrorContext{.node = n->name, .op = n->op});
    return DeviceId{};
  }

  const PlacementOptions& options_;
  const DeviceInventory& inv_;
  DeviceId preferred_;
  std::unordered_map<const Node*, DeviceId> placed_;
  // Refused requests by "device': reason", with the first node and the count.
  std::map<std::string, std::pair<std::string, int>> fallbacks_;
};

}  // namespace

std::vector<DeviceId> place_nodes(const std::vector<const Node*>& nodes,
                                  const PlacementOptions& options, const DeviceInventory& inventory) {
  Placer placer(options, inventory);
  std::vector<DeviceId> r;
  r.reserve(nodes.size());
  for (const Node* n : nodes) r.push_back(placer.place(n));
  placer.log_fallbacks();
  return r;
}

}  // namespace tg
