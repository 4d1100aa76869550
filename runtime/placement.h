// Placement: which device runs each node. The rules, in order:
//
//  1. An explicit device scope ("/cpu:0", "/gpu:1", "/device:GPU:0") wins when that device
//     exists and has a kernel for the node. When it cannot be honoured, soft placement (on by
//     default) falls back to the rules below with a log line; with soft placement off it is a
//     tg::Error naming the node, the device and the reason.
//  2. Variables and their optimizer slots stay on the device where their state was created.
//     A new variable goes to its scope's device or the preferred one, if every op that
//     updates it in place (Assign*, Apply*) has a kernel there for its dtype, else to the CPU.
//     Update ops run where their variable lives.
//  3. Gradient nodes follow their forward node: they inherit its device scope when built.
//  4. Otherwise a node goes to the preferred device (the first GPU when there is one) if the
//     kernel registry has a kernel for (op, CUDA, dtype), else to the CPU -- string and lookup
//     ops, for instance. A GPU never takes a node with a string input or output (a Select
//     over strings), whatever its kernel's dtype. Constants and fed placeholders are host values; the plan copies them
//     to the device that reads them.
//
// Where an edge crosses devices the plan inserts a copy (runtime/plan.h).
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "graph/graph.h"
#include "kernels/registry.h"
#include "runtime/device.h"

namespace tg {

struct PlacementOptions {
  bool soft_placement = true;
  bool log_device_placement = false;
  bool use_gpus = true;  // false: the GPUs are hidden from this placement
};

// What placement may choose from.
struct DeviceInventory {
  int num_gpus = 0;
  std::string no_gpu_reason;  // said in the log line when a GPU request falls back
  // The device of a variable whose state already exists; nullopt for a new one.
  std::function<std::optional<DeviceId>(const Node*)> variable_device;
};

// The machine's devices (none of its GPUs unless options.use_gpus), with variable devices
// looked up by `variable_device`.
DeviceInventory current_inventory(const PlacementOptions& options,
                                  std::function<std::optional<DeviceId>(const Node*)> variable_device);

// The device of each node in `nodes` (same order). Throws tg::Error naming the node when a
// hard request cannot be honoured or no device has a kernel for it.
std::vector<DeviceId> place_nodes(const std::vector<const Node*>& nodes,
                                  const PlacementOptions& options, const DeviceInventory& inventory);

// "/cpu:0", "/gpu:1", "/device:GPU:0", "gpu" (index 0); nullopt for "" and a tg::Error for
// anything else.
std::optional<DeviceId> parse_device(const std::string& spec);

// Ops the session runs itself, without a kernel.
bool is_source_op(const std::string& op);
// Ops that update their input 0 (a variable) in place.
bool is_update_op(const std::string& op);
// The dtype that selects a node's kernel: input 0's, or output 0's for ops without inputs.
DType kernel_dtype(const Node& n);

}  // namespace tg
