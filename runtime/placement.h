// Placement: which device runs each node. The rules, in order:
//
//  1. An explicit device scope ("/cpu:0", "/gpu:0") wins when that device exists and has a
//     kernel for the node. When it cannot be honoured, soft placement (on by default) falls
//     back to the rules below with a log line; with soft placement off it is a tg::Error.
//  2. Variables and their optimizer slots stay on the device where they were created; update
//     ops (Assign*, Apply*) run where their variable lives.
//  3. Gradient nodes follow their forward node.
//  4. Otherwise a node goes to the preferred device (the first GPU when there is one) if the
//     kernel registry has a kernel for (op, device, dtype), else to the CPU.
//
// This build has the CPU device; "/gpu:N" requests are answered by rule 1's fallback.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "kernels/registry.h"

namespace tg {

struct PlacementOptions {
  bool soft_placement = true;
  bool log_device_placement = false;
};

// The device of each node in `nodes` (same order). Throws tg::Error naming the node when a
// hard request cannot be honoured or no device has a kernel for it.
std::vector<DeviceType> place_nodes(const std::vector<const Node*>& nodes,
                                    const PlacementOptions& options);

// Ops the session runs itself, without a kernel.
bool is_source_op(const std::string& op);
// The dtype that selects a node's kernel: input 0's, or output 0's for ops without inputs.
DType kernel_dtype(const Node& n);

}  // namespace tg
