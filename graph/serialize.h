// Graph serialization: the nodes that some outputs need, as JSON, and back. Every node keeps
// its op, name, inputs and attributes (constant tensors included); loading re-runs each op's
// shape function, so a file that does not describe a valid graph is rejected with the node
// that breaks it. Variable values are stored apart (a checkpoint), by variable name.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "graph.h"

namespace tg {

// The pruned graph that `outputs` need (control inputs dropped), in dependency order.
nlohmann::json serialize_graph(const std::vector<Output>& outputs);
// Adds the serialized nodes to `g` (which should be empty). Throws tg::Error naming the node
// and the problem: an unknown op, a missing input, a bad attribute, a shape the op rejects, a
// name (of a node, op, input or attribute) longer than max_name_bytes.
void deserialize_graph(const nlohmann::json& nodes, Graph& g, size_t max_name_bytes = 4096);

}  // namespace tg
