// An execution plan: one run signature (feeds, fetches, targets) compiled once -- pruned,
// fused, placed, copies inserted where an edge crosses devices, every intermediate buffer
// planned on its device -- and then run many times.
//
// Steady-state runs (same feed shapes as the previous run) walk a flat step list, allocate no
// intermediate buffers and infer no shapes. A change of feed shapes re-infers shapes and
// re-plans buffers once.
//
// Copies: host values read on a GPU (feeds, constants, CPU results) are copied in; a feed goes
// through a page-locked staging buffer so that its copy runs asynchronously, overlapped with
// the host's work. Constants are copied once, when the plan is built. GPU results read on the
// CPU, and fetches, are copied out (fetches through page-locked staging too).
//
// Threads: a plan's build, runs and release hold the work mutexes of the GPUs it uses
// (Device::work_mutex), so that sessions on other threads never interleave their work with
// its captures on a device's one stream.
//
// CUDA graphs: each stretch of consecutive kernel steps on one GPU is a segment. Once a
// segment has run with the current shapes, its next run captures it as a CUDA graph, and later
// runs replay the graph -- one launch instead of one per kernel. The buffers and graphs of the
// last few feed shapes are kept (PlanOptions::shape_states), since a graph replays the
// buffers it captured. Steps that draw fresh random
// numbers per run (dropout) are left out of segments, since a graph would freeze their seed.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "graph/graph.h"
#include "kernels/registry.h"
#include "runtime/device.h"
#include "runtime/placement.h"
#include "runtime/variables.h"

namespace tg {


struct PlanOptions {
  Allocator* allocator = nullptr;  // host intermediate buffers; nullptr = default_allocator()
  PlacementOptions placement;
  bool fuse_ops = true;
  bool cuda_graphs = true;  // capture and replay GPU segments
  MathPrecision precision = MathPrecision::Float32;  // float32 matrix products
  // Feed shapes whose buffers and graphs are kept (least recently used dropped): alternating
  // batch sizes then replay their graphs instead of recapturing. 0: 4 for plans with CUDA
  // graphs, else 1 (a CPU plan gains nothing for the memory).
  int shape_states = 0;
};

// A user-facing failure at a node: its name and op go in the error's context as well as the
// message, so that callers (the C API's status, Python's exceptions) read them as fields.
[[noreturn]] void fail_at_node(const Node* n, ErrorCode code, const std::string& message);

class Plan {
 public:
  Plan(Graph& g, const std::vector<Output>& feeds, const std::vector<Output>& fetches,
       const std::vector<Node*>& targets, VariableStore& vars, const PlanOptions& options);
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  // Runs the plan; feeds must be the compiled feeds (any order). Returns fetched host copies.
  std::vector<Tensor> run(const FeedList& feeds, uint64_t run_counter);

  int num_steps() const { return static_cast<int>(steps_.size()); }
  int num_fused() const { return num_fused_; }
  int num_copies() const;            // copy steps between devices
  int num_graph_launches() const { return graph_launches_; }  // CUDA graph replays so far
  int num_shape_states() const { return static_cast<int>(saved_states_.size()) + (shapes_ready_ ? 1 : 0); }
  size_t planned_bytes() const { return planned_bytes_; }
  // Where each placed node runs, as (node name, device name), in plan order.
  const std::vector<std::pair<std::string, std::string>>& placements() const { return placements_; }

 private:
  enum class SlotKind { Computed, Feed, Const, Variable, Alias };
  struct Slot {
    SlotKind kind = SlotKind::Computed;
    DType dtype = DType::Float32;
    Shape shape;
    Tensor tensor;
    DeviceId device;  // where the tensor's memory is
    const Node* node = nullptr;
    int index = 0;
    int alias_of = -1;   // for Alias slots: the slot whose buffer this one shares
    int last_use = -1;   // last step reading it; INT_MAX when fetched
  };
  enum class StepKind { Kernel, Copy };
  struct Step {
    StepKind kind = StepKind::Kernel;
    std::string op;
    const Node* node = nullptr;  // the node named in errors (the last node of a fusion)
    const Attrs* attrs = nullptr;
    KernelFn fn = nullptr;       // null: nothing to compute (NoOp)
    Device* device = nullptr;    // where it runs (for a copy: the destination)
    bool gpu = false;            // device is a GPU
    void* stream = nullptr;      // the device's stream, handed to kernels
    bool alias = false;          // output 0 shares input 0's buffer
    bool per_run_random = false; // reads the run counter: never inside a CUDA graph
    int segment = -1;            // the GPU segment it belongs to
    std::vector<int> in, out;
    std::vector<const Tensor*> in_ptr;
    std::vector<Tensor*> out_ptr;
    std::shared_ptr<Buffer> staging;  // host-to-device copies: page-locked source
    void* staged = nullptr;           // event: the staging buffer's last copy has run
  };
  struct Segment {
    int first = 0, last = 0;  // step range, inclusive
    Device* device = nullptr;
    int runs = 0;             // runs since shapes last changed
    bool capturable = true;
    void* graph = nullptr;    // captured CUDA graph
  };

  // What a set of feed shapes planned: slot shapes, buffers, and the segments' graphs.
  struct ShapeState {
    std::vector<Shape> feed_shapes, slot_shapes;
    std::vector<Tensor> slot_tensors;  // of Computed and Alias slots
    std::vector<std::shared_ptr<Buffer>> buffers;
    std::vector<Segment> segments;
    size_t planned_bytes = 0;
    uint64_t last_used = 0;
  };

  int slot_of(const Output& o) const;
  void change_shapes();
  ShapeState save_state();
  void restore_state(ShapeState&& st);
  void release_state(ShapeState& st);
  int add_slot(const Node* n, int index, SlotKind kind, const DeviceId& device);
  int input_on(int slot, const DeviceId& device);
  void add_step(std::string op, const Node* node, const Attrs* attrs, std::vector<Output> inputs,
                const Node* output_node, const DeviceId& device);
  void find_segments();
  void infer_all_shapes();
  void plan_memory();
  void drop_graphs();
  void run_step(Step& st, uint64_t run_counter);
  void run_segment(Segment& seg, uint64_t run_counter);
  Tensor fetch(int slot, size_t k);
  std::string late_fault_hint(const std::string& message) const;
  [[noreturn]] void rethrow_in_step(const Step& s, const std::exception& e) const;

  Graph& graph_;
  VariableStore& vars_;
  PlanOptions options_;
  std::vector<Slot> slots_;
  std::vector<std::pair<std::pair<const Node*, int>, int>> slot_index_;  // sorted lookup
  std::vector<std::pair<std::pair<int, DeviceId>, int>> copies_;        // (slot, device) -> copy slot
  std::vector<Step> steps_;
  std::vector<Segment> segments_;
  std::deque<Attrs> owned_attrs_;               // attributes of fused steps
  std::vector<int> feed_slots_;                 // per compiled feed
  std::vector<Output> feed_outputs_;
  std::vector<int> fetch_slots_;
  std::vector<Tensor> fetch_staging_;           // page-locked, per fetch from a GPU
  std::vector<std::pair<int, bool>> var_slots_;  // (slot, read before written)
  std::vector<const Node*> assigned_vars_;       // initialized by this plan's Assign steps
  std::vector<std::shared_ptr<Buffer>> buffers_;
  std::vector<Shape> last_feed_shapes_, previous_feed_shapes_;
  std::vector<ShapeState> saved_states_;        // other feed shapes, kept for reuse
  uint64_t shape_uses_ = 0;
  std::vector<std::pair<std::string, std::string>> placements_;
  std::vector<Device*> gpus_;                   // the GPUs its steps and variables use
  std::string last_gpu_work_;                   // the last GPU work enqueued, for late faults
  bool shapes_ready_ = false;
  int num_fused_ = 0;
  int graph_launches_ = 0;
  size_t planned_bytes_ = 0;
};

}  // namespace tg
