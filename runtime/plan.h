// An execution plan: one run signature (feeds, fetches, targets) compiled once -- pruned,
// fused, placed, with every intermediate buffer planned -- and then run many times.
//
// Steady-state runs (same feed shapes as the previous run) walk a flat step list, allocate no
// intermediate buffers and infer no shapes. A change of feed shapes re-infers shapes and
// re-plans buffers once.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "graph/graph.h"
#include "kernels/registry.h"
#include "runtime/placement.h"
#include "runtime/variables.h"

namespace tg {

using FeedList = std::vector<std::pair<Output, Tensor>>;

struct PlanOptions {
  Allocator* allocator = nullptr;  // intermediate buffers; nullptr = default_allocator()
  PlacementOptions placement;
  bool fuse_ops = true;
};

class Plan {
 public:
  Plan(Graph& g, const std::vector<Output>& feeds, const std::vector<Output>& fetches,
       const std::vector<Node*>& targets, VariableStore& vars, const PlanOptions& options);

  // Runs the plan; feeds must be the compiled feeds (any order). Returns fetched copies.
  std::vector<Tensor> run(const FeedList& feeds, uint64_t run_counter);

  int num_steps() const { return static_cast<int>(steps_.size()); }
  int num_fused() const { return num_fused_; }
  size_t planned_bytes() const { return planned_bytes_; }

 private:
  enum class SlotKind { Computed, Feed, Const, Variable, Alias };
  struct Slot {
    SlotKind kind = SlotKind::Computed;
    DType dtype = DType::Float32;
    Shape shape;
    Tensor tensor;
    const Node* node = nullptr;
    int index = 0;
    int alias_of = -1;   // for Alias slots: the slot whose buffer this one shares
    int last_use = -1;   // last step reading it; INT_MAX when fetched
  };
  struct Step {
    std::string op;
    const Node* node = nullptr;  // the node named in errors (the last node of a fusion)
    const Attrs* attrs = nullptr;
    KernelFn fn = nullptr;       // null: nothing to compute (NoOp)
    bool alias = false;          // output 0 shares input 0's buffer
    std::vector<int> in, out;
    std::vector<const Tensor*> in_ptr;
    std::vector<Tensor*> out_ptr;
  };

  int slot_of(const Output& o) const;
  void add_step(std::string op, const Node* node, const Attrs* attrs, std::vector<Output> inputs,
                const Node* output_node, DeviceType device);
  void infer_all_shapes();
  void plan_memory();
  [[noreturn]] void rethrow_in_step(const Step& s, const std::exception& e) const;

  Graph& graph_;
  VariableStore& vars_;
  PlanOptions options_;
  std::vector<Slot> slots_;
  std::vector<std::pair<std::pair<const Node*, int>, int>> slot_index_;  // sorted lookup
  std::vector<Step> steps_;
  std::deque<Attrs> owned_attrs_;               // attributes of fused steps
  std::vector<int> feed_slots_;                 // per compiled feed
  std::vector<Output> feed_outputs_;
  std::vector<int> fetch_slots_;
  std::vector<std::pair<int, bool>> var_slots_;  // (slot, read before written)
  std::vector<const Node*> assigned_vars_;       // initialized by this plan's Assign steps
  std::vector<std::shared_ptr<Buffer>> buffers_;
  std::vector<Shape> last_feed_shapes_;
  bool shapes_ready_ = false;
  int num_fused_ = 0;
  size_t planned_bytes_ = 0;
};

}  // namespace tg
