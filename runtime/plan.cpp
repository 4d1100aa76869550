#include "runtime/plan.h"

#include <algorithm>
#include <climits>
#include <unordered_set>

#include "base/log.h"
#include "graph/op_registry.h"
#include "runtime/fusion.h"

namespace tg {

namespace {

int64_t slot_key(const Node* n, int index) { return static_cast<int64_t>(n->id) * 64 + index; }

}  // namespace

int Plan::slot_of(const Output& o) const {
  int64_t key = slot_key(o.node, o.index);
  auto it = std::lower_bound(slot_index_.begin(), slot_index_.end(), key,
                             [](const auto& e, int64_t k) { return slot_key(e.first.first, e.first.second) < k; });
  TG_ASSERT(it != slot_index_.end() && slot_key(it->first.first, it->first.second) == key);
  return it->second;
}

void fail_at_node(const Node* n, ErrorCode code, const std::string& message) {
  throw Error(message, code, ErrorContext{.node = n->name, .op = n->op});
}

Plan::Plan(Graph& g, const std::vector<Output>& feeds, const std::vector<Output>& fetches,
           const std::vector<Node*>& targets, VariableStore& vars, const PlanOptions& options)
    : graph_(g), vars_(vars), options_(options) {
  if (!options_.allocator) options_.allocator = default_allocator();
  // Building creates variables and copies constants on the GPUs placement may choose.
  DeviceLocks lock(options_.placement.use_gpus ? cuda_devices() : std::vector<Device*>{});
  size_t n_nodes = static_cast<size_t>(g.num_nodes());
  std::vector<bool> fed(n_nodes), needed(n_nodes), pinned(n_nodes);
  for (const auto& f : feeds) {
    TG_CHECK(f.node->num_outputs() == 1, "cannot feed output ", f.index, " of node '",
             f.node->name, "': only single-output nodes can be fed");
    fed[static_cast<size_t>(f.node->id)] = pinned[static_cast<size_t>(f.node->id)] = true;
  }
  for (const auto& f : fetches) pinned[static_cast<size_t>(f.node->id)] = true;

  // Prune: everything the fetches and targets need, stopping at fed nodes.
  std::vector<const Node*> stack;
  for (const auto& f : fetches) stack.push_back(f.node);
  for (const Node* t : targets) stack.push_back(t);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    size_t id = static_cast<size_t>(n->id);
    if (needed[id]) continue;
    needed[id] = true;
    if (fed[id]) continue;
    for (const auto& in : n->inputs) stack.push_back(in.node);
    for (const Node* c : n->control_inputs) stack.push_back(c);
  }
  std::vector<const Node*> nodes;
  for (const auto& n : g.nodes())
    if (needed[static_cast<size_t>(n->id)]) nodes.push_back(n.get());
  for (const Node* n : nodes)
    if (n->op == "Placeholder" && !fed[static_cast<size_t>(n->id)])
      fail_at_node(n, ErrorCode::InvalidArgument,
                   cat("placeholder '", n->name, "' (", dtype_name(n->out_dtypes[0]), n->out_shapes[0].to_string(),
                       ") must be fed: the requested fetches depend on it"));

  std::vector<const Node*> to_place;
  for (const Node* n : nodes)
    if (!fed[static_cast<size_t>(n->id)]) to_place.push_back(n);
  auto inventory = current_inventory(options_.placement, [this](const Node* v) -> std::optional<DeviceId> {
    const VariableState* s = vars_.find(v);
    return s ? std::optional<DeviceId>(s->device) : std::nullopt;
  });
  auto devices = place_nodes(to_place, options_.placement, inventory);

  std::vector<MatMulFusion> fusions;
  if (options_.fuse_ops) fusions = find_matmul_fusions(nodes, pinned);
  std::unordered_set<const Node*> fused_away;
  std::vector<const MatMulFusion*> fusion_at(n_nodes, nullptr);
  for (const auto& f : fusions) {
    fused_away.insert(f.matmul);
    if (f.activation) fused_away.insert(f.bias_add);
    fusion_at[static_cast<size_t>(f.last()->id)] = &f;
  }

  size_t place_i = 0;
  for (const Node* n : nodes) {
    if (fed[static_cast<size_t>(n->id)]) {
      feed_slots_.push_back(add_slot(n, 0, SlotKind::Feed, DeviceId{}));
      feed_outputs_.push_back(Output{const_cast<Node*>(n), 0});
      continue;
    }
    DeviceId dev = devices[place_i++];
    if (n->op != "NoOp" && !fused_away.count(n)) placements_.emplace_back(n->name, dev.name());
    if (n->op == "Const") {
      slots_[static_cast<size_t>(add_slot(n, 0, SlotKind::Const, dev))].tensor = n->attrs.get<Tensor>("value");
    } else if (n->op == "Variable") {
      VariableState& v = vars_.get(n, dev);
      int s = add_slot(n, 0, SlotKind::Variable, v.device);
      slots_[static_cast<size_t>(s)].tensor = v.value;
      var_slots_.push_back({s, true});
    } else if (n->op == "NoOp" || fused_away.count(n)) {
      continue;
    } else if (const MatMulFusion* f = fusion_at[static_cast<size_t>(n->id)];
               f && find_kernel("FusedMatMul", dev.type, kernel_dtype(*f->matmul))) {
      Attrs a = f->matmul->attrs;
      a.set("activation", f->activation_kind());
      if (f->activation && f->activation->attrs.has("alpha"))
        a.set("alpha", f->activation->attrs.get<double>("alpha"));
      owned_attrs_.push_back(std::move(a));
      add_step("FusedMatMul", n, &owned_attrs_.back(),
               {f->matmul->inputs[0], f->matmul->inputs[1], f->bias_add->inputs[1]}, n, dev);
      ++num_fused_;
    } else if (f) {
      // The fused op has no kernel on this device: run the parts one by one.
      add_step(f->matmul->op, f->matmul, &f->matmul->attrs, f->matmul->inputs, f->matmul, dev);
      if (f->activation) add_step(f->bias_add->op, f->bias_add, &f->bias_add->attrs, f->bias_add->inputs, f->bias_add, dev);
      add_step(n->op, n, &n->attrs, n->inputs, n, dev);
    } else {
      add_step(n->op, n, &n->attrs, n->inputs, n, dev);
    }
  }
  std::sort(slot_index_.begin(), slot_index_.end(), [](const auto& a, const auto& b) {
    return slot_key(a.first.first, a.first.second) < slot_key(b.first.first, b.first.second);
  });
  // add_step looked slots up linearly while the index was unsorted; from here on, sorted.

  for (size_t i = 0; i < steps_.size(); ++i)
    for (int s : steps_[i].in) slots_[static_cast<size_t>(s)].last_use = static_cast<int>(i);
  for (const auto& f : fetches) {
    int s = slot_of(f);
    fetch_slots_.push_back(s);
    slots_[static_cast<size_t>(s)].last_use = INT_MAX;
  }
  fetch_staging_.resize(fetch_slots_.size());
  // A variable is read before it is written unless its first user is a plain Assign.
  for (auto& [slot, read_first] : var_slots_) {
    for (const auto& st : steps_) {
      if (std::find(st.in.begin(), st.in.end(), slot) == st.in.end()) continue;
      read_first = !(st.op == "Assign" && st.in[0] == slot);
      if (st.op == "Assign" && st.in[0] == slot)
        assigned_vars_.push_back(slots_[static_cast<size_t>(slot)].node);
      break;
    }
  }
  for (auto& st : steps_) {
    for (int s : st.in) st.in_ptr.push_back(&slots_[static_cast<size_t>(s)].tensor);
    for (int s : st.out) st.out_ptr.push_back(&slots_[static_cast<size_t>(s)].tensor);
  }
  find_segments();
  last_feed_shapes_.resize(feed_slots_.size());
  for (const auto& st : steps_)
    if (st.gpu) gpus_.push_back(st.device);
  for (const auto& s : slots_)
    if (s.device.is_gpu()) gpus_.push_back(find_device(s.device));
  std::sort(gpus_.begin(), gpus_.end());
  gpus_.erase(std::unique(gpus_.begin(), gpus_.end()), gpus_.end());
}

Plan::~Plan() {
  DeviceLocks lock(gpus_);
  // Work of the last run may still read the staging buffers and device memory released here.
  for (Device* d : gpus_) {
    try {
      d->synchronize();
    } catch (const std::exception& e) {
      log_warn("releasing a plan on ", d->name(), ": ", e.what());
    }
  }
  drop_graphs();
  for (auto& state : saved_states_) release_state(state);
  for (auto& st : steps_) {
    if (st.staged) st.device->destroy_event(st.staged);
    st.staging.reset();
  }
  // Released while the lock is held, not after it with the members.
  fetch_staging_.clear();
  for (auto& s : slots_) s.tensor = Tensor();
  buffers_.clear();
}

int Plan::num_copies() const {
  return static_cast<int>(std::count_if(steps_.begin(), steps_.end(), [](const Step& s) { return s.kind == StepKind::Copy; }));
}

int Plan::add_slot(const Node* n, int index, SlotKind kind, const DeviceId& device) {
  Slot s;
  s.kind = kind;
  s.node = n;
  s.index = index;
  s.device = device;
  s.dtype = n->out_dtypes[static_cast<size_t>(index)];
  s.shape = n->out_shapes[static_cast<size_t>(index)];
  slot_index_.push_back({{n, index}, static_cast<int>(slots_.size())});
  slots_.push_back(std::move(s));
  return static_cast<int>(slots_.size()) - 1;
}

// The slot holding `slot`'s value on `device`: itself, or a copy made by a copy step (one per
// slot and device, shared by all readers there). Constants are copied once, here.
int Plan::input_on(int slot, const DeviceId& device) {
  if (slots_[static_cast<size_t>(slot)].device == device) return slot;
  for (const auto& [key, copy] : copies_)
    if (key.first == slot && key.second == device) return copy;
  Slot src = slots_[static_cast<size_t>(slot)];
  Device* dev = find_device(device);
  TG_CHECK(src.dtype != DType::String, "node '", src.node->name, "': string tensors cannot be copied to ", device.name());
  Slot c;
  c.dtype = src.dtype;
  c.shape = src.shape;
  c.device = device;
  c.node = src.node;
  c.index = src.index;
  int id = static_cast<int>(slots_.size());
  if (src.kind == SlotKind::Const) {
    c.kind = SlotKind::Const;
    dev->activate();
    c.tensor = Tensor(src.dtype, src.tensor.shape(), dev->allocator());
    dev->copy_from_host(c.tensor.raw(), src.tensor.raw(), src.tensor.bytes());
    dev->synchronize();
  } else {
    Step s;
    s.kind = StepKind::Copy;
    s.op = cat("_Copy", src.device.name(), "->", device.name());
    s.node = src.node;
    s.device = dev;
    s.gpu = device.is_gpu();
    s.in = {slot};
    s.out = {id};
    steps_.push_back(std::move(s));
  }
  slots_.push_back(std::move(c));
  copies_.push_back({{slot, device}, id});
  return id;
}

void Plan::add_step(std::string op, const Node* node, const Attrs* attrs,
                    std::vector<Output> inputs, const Node* output_node, const DeviceId& device) {
  Step s;
  s.node = node;
  s.attrs = attrs;
  const OpDef& def = op_def(op);
  s.alias = def.aliases_input0;
  s.per_run_random = def.per_run_random || def.communicates;  // neither may be replayed from a CUDA graph
  s.device = find_device(device);
  s.gpu = device.is_gpu();
  s.stream = s.device->stream();
  DType key = inputs.empty() ? output_node->out_dtypes[0] : inputs[0].dtype();
  s.fn = find_kernel(op, device.type, key);
  TG_CHECK(s.fn != nullptr, "node '", node->name, "' (op ", op, "): no ", device_type_name(device.type),
           " kernel for dtype ", dtype_name(key));
  for (const auto& in : inputs) {
    int found = -1;
    for (const auto& e : slot_index_)
      if (e.first.first == in.node && e.first.second == in.index) found = e.second;
    TG_ASSERT(found >= 0);
    // An update op writes its variable where it lives (placement put it there).
    s.in.push_back(input_on(found, device));
  }
  for (int k = 0; k < output_node->num_outputs(); ++k) {
    bool alias = s.alias && k == 0;
    int id = add_slot(output_node, k, alias ? SlotKind::Alias : SlotKind::Computed, device);
    slots_[static_cast<size_t>(id)].alias_of = alias ? s.in[0] : -1;
    s.out.push_back(id);
  }
  s.op = std::move(op);
  steps_.push_back(std::move(s));
}

void Plan::find_segments() {
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& st = steps_[i];
    bool gpu_kernel = st.kind == StepKind::Kernel && st.gpu && !st.per_run_random;
    if (!gpu_kernel || !st.device->supports_graphs()) continue;
    if (!segments_.empty() && segments_.back().last + 1 == static_cast<int>(i) &&
        segments_.back().device == st.device) {
      segments_.back().last = static_cast<int>(i);
    } else {
      segments_.push_back(Segment{static_cast<int>(i), static_cast<int>(i), st.device});
    }
  }
  // A single kernel gains nothing from a graph.
  std::erase_if(segments_, [](const Segment& s) { return s.first == s.last; });
  for (size_t k = 0; k < segments_.size(); ++k)
    for (int i = segments_[k].first; i <= segments_[k].last; ++i) steps_[static_cast<size_t>(i)].segment = static_cast<int>(k);
}

}  // namespace tg
