#include "runtime/plan.h"

#include <algorithm>
#include <climits>
#include <unordered_set>

#include "base/log.h"
#include "graph/op_registry.h"
#include "runtime/fusion.h"

namespace tg {

namespace {

// Ops whose output 0 is input 0's buffer: in-place updates of a variable, and views.
bool aliases_input0(const std::string& op) {
  static const std::unordered_set<std::string> ops = {
      "Assign",     "AssignAdd",    "AssignSub",   "ApplyGradientDescent", "ApplyMomentum",
      "ApplyAdagrad", "ApplyRMSProp", "ApplyAdam", "ApplyFtrl",            "Reshape",
      "ReshapeLike", "Identity",     "StopGradient"};
  return ops.count(op) > 0;
}

int64_t slot_key(const Node* n, int index) { return static_cast<int64_t>(n->id) * 64 + index; }

}  // namespace

int Plan::slot_of(const Output& o) const {
  int64_t key = slot_key(o.node, o.index);
  auto it = std::lower_bound(slot_index_.begin(), slot_index_.end(), key,
                             [](const auto& e, int64_t k) { return slot_key(e.first.first, e.first.second) < k; });
  TG_ASSERT(it != slot_index_.end() && slot_key(it->first.first, it->first.second) == key);
  return it->second;
}

Plan::Plan(Graph& g, const std::vector<Output>& feeds, const std::vector<Output>& fetches,
           const std::vector<Node*>& targets, VariableStore& vars, const PlanOptions& options)
    : graph_(g), vars_(vars), options_(options) {
  if (!options_.allocator) options_.allocator = default_allocator();
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
    TG_CHECK(n->op != "Placeholder" || fed[static_cast<size_t>(n->id)], "placeholder '",
             n->name, "' (", dtype_name(n->out_dtypes[0]), n->out_shapes[0].to_string(),
             ") must be fed: the requested fetches depend on it");

  std::vector<const Node*> to_place;
  for (const Node* n : nodes)
    if (!fed[static_cast<size_t>(n->id)]) to_place.push_back(n);
  auto devices = place_nodes(to_place, options_.placement);

  std::vector<MatMulFusion> fusions;
  if (options_.fuse_ops) fusions = find_matmul_fusions(nodes, pinned);
  std::unordered_set<const Node*> fused_away;
  std::vector<const MatMulFusion*> fusion_at(n_nodes, nullptr);
  for (const auto& f : fusions) {
    fused_away.insert(f.matmul);
    if (f.activation) fused_away.insert(f.bias_add);
    fusion_at[static_cast<size_t>(f.last()->id)] = &f;
  }
  num_fused_ = static_cast<int>(fusions.size());

  auto add_source_slot = [&](const Node* n, int index, SlotKind kind) {
    Slot s;
    s.kind = kind;
    s.node = n;
    s.index = index;
    s.dtype = n->out_dtypes[static_cast<size_t>(index)];
    s.shape = n->out_shapes[static_cast<size_t>(index)];
    slot_index_.push_back({{n, index}, static_cast<int>(slots_.size())});
    slots_.push_back(std::move(s));
  };
  size_t place_i = 0;
  for (const Node* n : nodes) {
    if (fed[static_cast<size_t>(n->id)]) {
      feed_slots_.push_back(static_cast<int>(slots_.size()));
      feed_outputs_.push_back(Output{const_cast<Node*>(n), 0});
      add_source_slot(n, 0, SlotKind::Feed);
      continue;
    }
    DeviceType dev = devices[place_i++];
    if (n->op == "Const") {
      add_source_slot(n, 0, SlotKind::Const);
      slots_.back().tensor = n->attrs.get<Tensor>("value");
    } else if (n->op == "Variable") {
      add_source_slot(n, 0, SlotKind::Variable);
      slots_.back().tensor = vars_.get(n).value;
      var_slots_.push_back({static_cast<int>(slots_.size()) - 1, true});
    } else if (n->op == "NoOp" || fused_away.count(n)) {
      continue;
    } else if (const MatMulFusion* f = fusion_at[static_cast<size_t>(n->id)]) {
      Attrs a = f->matmul->attrs;
      a.set("activation", f->activation_kind());
      if (f->activation && f->activation->attrs.has("alpha"))
        a.set("alpha", f->activation->attrs.get<double>("alpha"));
      owned_attrs_.push_back(std::move(a));
      add_step("FusedMatMul", n, &owned_attrs_.back(),
               {f->matmul->inputs[0], f->matmul->inputs[1], f->bias_add->inputs[1]}, n, dev);
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
  last_feed_shapes_.resize(feed_slots_.size());
}

void Plan::add_step(std::string op, const Node* node, const Attrs* attrs,
                    std::vector<Output> inputs, const Node* output_node, DeviceType device) {
  Step s;
  s.node = node;
  s.attrs = attrs;
  s.alias = aliases_input0(op);
  DType key = inputs.empty() ? output_node->out_dtypes[0] : inputs[0].dtype();
  s.fn = find_kernel(op, device, key);
  TG_CHECK(s.fn != nullptr, "node '", node->name, "' (op ", op, "): no ", device_type_name(device),
           " kernel for dtype ", dtype_name(key));
  for (const auto& in : inputs) {
    int found = -1;
    for (const auto& e : slot_index_)
      if (e.first.first == in.node && e.first.second == in.index) found = e.second;
    TG_ASSERT(found >= 0);
    s.in.push_back(found);
  }
  for (int k = 0; k < output_node->num_outputs(); ++k) {
    Slot out;
    out.kind = (s.alias && k == 0) ? SlotKind::Alias : SlotKind::Computed;
    out.alias_of = out.kind == SlotKind::Alias ? s.in[0] : -1;
    out.node = output_node;
    out.index = k;
    out.dtype = output_node->out_dtypes[static_cast<size_t>(k)];
    out.shape = output_node->out_shapes[static_cast<size_t>(k)];
    s.out.push_back(static_cast<int>(slots_.size()));
    slot_index_.push_back({{output_node, k}, static_cast<int>(slots_.size())});
    slots_.push_back(std::move(out));
  }
  s.op = std::move(op);
  steps_.push_back(std::move(s));
}

void Plan::infer_all_shapes() {
  std::vector<DType> in_t, out_t;
  std::vector<Shape> in_s, out_s;
  for (const auto& st : steps_) {
    in_t.clear();
    in_s.clear();
    for (int s : st.in) {
      in_t.push_back(slots_[static_cast<size_t>(s)].dtype);
      in_s.push_back(slots_[static_cast<size_t>(s)].shape);
    }
    infer_shapes(st.op, st.node->name, in_t, in_s, *st.attrs, &out_t, &out_s);
    for (size_t k = 0; k < st.out.size(); ++k) {
      Slot& o = slots_[static_cast<size_t>(st.out[k])];
      TG_CHECK(out_s[k].is_fully_defined(), "node '", st.node->name, "' (op ", st.op,
               "): its output shape ", out_s[k].to_string(), " is not known at run time");
      o.shape = out_s[k];
    }
  }
}

void Plan::plan_memory() {
  // The buffer of an alias chain lives until the last reader of any slot in the chain.
  std::vector<int> root(slots_.size()), last(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    int r = static_cast<int>(i);
    while (slots_[static_cast<size_t>(r)].kind == SlotKind::Alias) r = slots_[static_cast<size_t>(r)].alias_of;
    root[i] = r;
  }
  for (size_t i = 0; i < slots_.size(); ++i) last[i] = slots_[i].last_use;
  for (size_t i = 0; i < slots_.size(); ++i) {
    int& l = last[static_cast<size_t>(root[i])];
    l = std::max(l, slots_[i].last_use);
  }
  buffers_.clear();
  planned_bytes_ = 0;
  std::vector<std::shared_ptr<Buffer>> free_list;
  std::vector<std::vector<int>> release_after(steps_.size());
  std::vector<std::shared_ptr<Buffer>> held(slots_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    for (int s : steps_[i].out) {
      Slot& o = slots_[static_cast<size_t>(s)];
      if (o.kind != SlotKind::Computed) continue;
      if (o.dtype == DType::String) {
        o.tensor = Tensor(o.dtype, o.shape, options_.allocator);
        continue;
      }
      size_t need = std::max<size_t>(1, static_cast<size_t>(o.shape.num_elements()) * dtype_size(o.dtype));
      auto best = free_list.end();
      for (auto it = free_list.begin(); it != free_list.end(); ++it)
        if ((*it)->bytes() >= need && (best == free_list.end() || (*it)->bytes() < (*best)->bytes()))
          best = it;
      std::shared_ptr<Buffer> buf;
      if (best != free_list.end()) {
        buf = *best;
        free_list.erase(best);
      } else {
        buf = std::make_shared<Buffer>(DType::Float64, (need + 7) / 8, options_.allocator);
        buffers_.push_back(buf);
        planned_bytes_ += buf->bytes();
      }
      o.tensor = Tensor::view(buf, o.dtype, o.shape);
      held[static_cast<size_t>(s)] = buf;
      int l = last[static_cast<size_t>(s)];
      if (l != INT_MAX) release_after[static_cast<size_t>(std::max(l, static_cast<int>(i)))].push_back(s);
    }
    for (int s : release_after[i]) {
      free_list.push_back(held[static_cast<size_t>(s)]);
      held[static_cast<size_t>(s)].reset();
    }
  }
}

void Plan::rethrow_in_step(const Step& s, const std::exception& e) const {
  std::string m = e.what();
  if (m.rfind("node '", 0) == 0) throw Error(m);
  throw Error(cat("node '", s.node->name, "' (op ", s.op, "): ", m));
}

std::vector<Tensor> Plan::run(const FeedList& feeds, uint64_t run_counter) {
  bool changed = !shapes_ready_;
  for (const auto& [out, t] : feeds) {
    const Shape& want = out.shape();
    TG_CHECK(!t.empty(), "feed for '", out.name(), "' is an empty tensor");
    TG_CHECK(t.dtype() == out.dtype() && t.shape().compatible_with(want), "feed for '",
             out.name(), "': expected ", dtype_name(out.dtype()), want.to_string(), ", got ",
             dtype_name(t.dtype()), t.shape().to_string());
    size_t k = 0;
    while (k < feed_outputs_.size() && !(feed_outputs_[k] == out)) ++k;
    if (k == feed_outputs_.size()) continue;  // fed but not needed by this run
    Slot& s = slots_[static_cast<size_t>(feed_slots_[k])];
    s.tensor = t;
    if (last_feed_shapes_[k] != t.shape()) {
      last_feed_shapes_[k] = t.shape();
      s.shape = t.shape();
      changed = true;
    }
  }
  for (const auto& [slot, read_first] : var_slots_) {
    const Node* v = slots_[static_cast<size_t>(slot)].node;
    TG_CHECK(!read_first || vars_.get(v).initialized, "variable '", v->name,
             "' is read before it was initialized: run the initializer first");
  }
  if (changed) {
    infer_all_shapes();
    plan_memory();
    shapes_ready_ = true;
  }
  for (const Step& st : steps_) {
    try {
      if (st.alias) {
        Slot& o = slots_[static_cast<size_t>(st.out[0])];
        const Tensor& in = slots_[static_cast<size_t>(st.in[0])].tensor;
        if (!o.tensor.same_buffer(in) || o.tensor.shape() != o.shape) o.tensor = in.with_shape(o.shape);
      }
      if (st.fn) st.fn(KernelContext{st.in_ptr, st.out_ptr, *st.attrs, run_counter});
    } catch (const std::exception& e) {
      rethrow_in_step(st, e);
    }
  }
  for (const Node* v : assigned_vars_) vars_.get(v).initialized = true;
  std::vector<Tensor> result;
  result.reserve(fetch_slots_.size());
  for (int s : fetch_slots_) result.push_back(slots_[static_cast<size_t>(s)].tensor.clone());
  return result;
}

}  // namespace tg
