// Running a plan: shapes and buffers when feed shapes change, then the steps -- kernels,
// copies between devices, CUDA graph segments -- and the fetches.
#include <algorithm>
#include <climits>
#include <cstring>
#include <map>

#include "base/log.h"
#include "graph/op_registry.h"
#include "runtime/plan.h"

namespace tg {

void Plan::infer_all_shapes() {
  std::vector<DType> in_t, out_t;
  std::vector<Shape> in_s, out_s;
  for (const auto& st : steps_) {
    if (st.kind == StepKind::Copy) {
      slots_[static_cast<size_t>(st.out[0])].shape = slots_[static_cast<size_t>(st.in[0])].shape;
      continue;
    }
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
  // Buffers are dropped before new ones are planned, so device memory is reused at once.
  for (auto& s : slots_)
    if (s.kind == SlotKind::Computed) s.tensor = Tensor();
  buffers_.clear();
  planned_bytes_ = 0;
  // Free buffers per device: a buffer is reused only on the device that owns it.
  std::map<std::pair<int, int>, std::vector<std::shared_ptr<Buffer>>> free_lists;
  std::vector<std::vector<int>> release_after(steps_.size());
  std::vector<std::shared_ptr<Buffer>> held(slots_.size());
  for (size_t i = 0; i < steps_.size(); ++i) {
    Step& st = steps_[i];
    for (int s : st.out) {
      Slot& o = slots_[static_cast<size_t>(s)];
      if (o.kind != SlotKind::Computed) continue;
      if (o.dtype == DType::String) {
        o.tensor = Tensor(o.dtype, o.shape, options_.allocator);
        continue;
      }
      Allocator* alloc = o.device.is_gpu() ? st.device->allocator() : options_.allocator;
      auto& free_list = free_lists[{static_cast<int>(o.device.type), o.device.index}];
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
        try {
          buf = Buffer::of_bytes(need, alloc);
        } catch (const std::exception& e) {
          throw Error(cat("node '", o.node->name, "' (op ", o.node->op, ") on ", o.device.name(), ": its output ",
                          dtype_name(o.dtype), o.shape.to_string(), " cannot be allocated: ", e.what()),
                      ErrorCode::ResourceExhausted, ErrorContext{.node = o.node->name, .op = o.node->op});
        }
        buffers_.push_back(buf);
        planned_bytes_ += buf->bytes();
      }
      o.tensor = Tensor::view(buf, o.dtype, o.shape);
      held[static_cast<size_t>(s)] = buf;
      int l = last[static_cast<size_t>(s)];
      if (l != INT_MAX) release_after[static_cast<size_t>(std::max(l, static_cast<int>(i)))].push_back(s);
    }
    // A host-to-device copy reads from page-locked staging of the source's size.
    if (st.kind == StepKind::Copy && st.gpu) {
      // Shapes change only here, so the source's inferred size is every run's until the next.
      const Slot& src = slots_[static_cast<size_t>(st.in[0])];
      size_t need = std::max<size_t>(1, static_cast<size_t>(src.shape.num_elements()) * dtype_size(src.dtype));
      if (!st.staging || st.staging->bytes() < need) {
        if (st.staged) st.device->wait_event(st.staged);  // the old buffer may still be read
        st.staging = std::make_shared<Buffer>(DType::Bool, need, st.device->staging_allocator());
      }
    }
    for (int s : release_after[i]) {
      free_lists[{static_cast<int>(slots_[static_cast<size_t>(s)].device.type), slots_[static_cast<size_t>(s)].device.index}]
          .push_back(held[static_cast<size_t>(s)]);
      held[static_cast<size_t>(s)].reset();
    }
  }
}

Plan::ShapeState Plan::save_state() {
  ShapeState st;
  st.feed_shapes = last_feed_shapes_;  // already the new ones: the caller fixes this up
  for (auto& s : slots_) {
    st.slot_shapes.push_back(s.shape);
    bool own = s.kind == SlotKind::Computed || s.kind == SlotKind::Alias;
    st.slot_tensors.push_back(own ? s.tensor : Tensor());
  }
  st.buffers = std::move(buffers_);
  buffers_.clear();
  st.segments = segments_;
  for (auto& seg : segments_) seg.graph = nullptr;  // now the state's
  st.planned_bytes = planned_bytes_;
  st.last_used = ++shape_uses_;
  return st;
}

void Plan::restore_state(ShapeState&& st) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (s.kind == SlotKind::Feed) continue;  // its shape and tensor are this run's feed
    s.shape = st.slot_shapes[i];
    if (s.kind == SlotKind::Computed || s.kind == SlotKind::Alias) s.tensor = st.slot_tensors[i];
  }
  buffers_ = std::move(st.buffers);
  segments_ = std::move(st.segments);
  planned_bytes_ = st.planned_bytes;
}

void Plan::release_state(ShapeState& st) {
  for (auto& seg : st.segments)
    if (seg.graph) seg.device->destroy_graph(seg.graph);
  st.segments.clear();
  st.slot_tensors.clear();
  st.buffers.clear();
}

// New feed shapes: the state kept for them, or shapes inferred and buffers planned afresh.
// The state being left is kept too, up to the limit, dropping the least recently used.
void Plan::change_shapes() {
  size_t limit = options_.shape_states > 0 ? static_cast<size_t>(options_.shape_states)
                 : (options_.cuda_graphs && !segments_.empty()) ? 4 : 1;
  if (shapes_ready_ && limit > 1) {
    ShapeState old = save_state();
    old.feed_shapes = previous_feed_shapes_;
    saved_states_.push_back(std::move(old));
  }
  auto found = std::find_if(saved_states_.begin(), saved_states_.end(),
                            [&](const ShapeState& st) { return st.feed_shapes == last_feed_shapes_; });
  if (found != saved_states_.end()) {
    // Device work of the previous shapes may still read buffers; it is ordered before all
    // later work on the same stream, so the restored buffers are safe to use.
    restore_state(std::move(*found));
    saved_states_.erase(found);
  } else {
    infer_all_shapes();
    drop_graphs();
    plan_memory();
  }
  while (saved_states_.size() + 1 > limit) {
    auto lru = std::min_element(saved_states_.begin(), saved_states_.end(),
                                [](const ShapeState& a, const ShapeState& b) { return a.last_used < b.last_used; });
    if (lru == saved_states_.end()) break;
    release_state(*lru);
    saved_states_.erase(lru);
  }
  shapes_ready_ = true;
}

void Plan::drop_graphs() {
  for (auto& seg : segments_) {
    if (seg.graph) seg.device->destroy_graph(seg.graph);
    seg.graph = nullptr;
    seg.runs = 0;
    seg.capturable = true;  // new shapes: capturing is worth another try
  }
}

// A kernel's fault is reported by whatever next waits for the stream -- a copy to the host --
// so a CUDA error there also names the GPU work enqueued last, the likelier culprit.
std::string Plan::late_fault_hint(const std::string& message) const {
  if (last_gpu_work_.empty() || message.find("CUDA error") == std::string::npos) return "";
  return cat(" (CUDA reports a kernel's fault at the next wait for its stream: the last GPU work enqueued was ",
             last_gpu_work_, ")");
}

void Plan::rethrow_in_step(const Step& s, const std::exception& e) const {
  std::string m = e.what();
  std::string hint = s.kind == StepKind::Copy ? late_fault_hint(m) : "";
  auto* err = dynamic_cast<const Error*>(&e);
  ErrorCode code = err ? err->code() : ErrorCode::Internal;
  if (err && !err->context().node.empty()) throw Error(m + hint, code, err->context());
  ErrorContext where = err ? err->context() : ErrorContext{};
  where.node = s.node->name;
  where.op = s.op;
  throw Error(cat("node '", s.node->name, "' (op ", s.op, ") on ", s.device->name(), ": ", m, hint), code,
              std::move(where));
}

void Plan::run_step(Step& st, uint64_t run_counter) {
  try {
    if (st.kind == StepKind::Copy) {
      const Tensor& src = *st.in_ptr[0];
      Tensor& dst = *st.out_ptr[0];
      size_t bytes = src.bytes();
      if (bytes == 0) return;
      if (st.gpu && src.on_host()) {
        // Through page-locked staging, so that the copy runs asynchronously.
        if (!st.staged) st.staged = st.device->create_event();
        else st.device->wait_event(st.staged);
        std::memcpy(st.staging->data(), src.raw(), bytes);
        st.device->copy_from_host(dst.raw(), st.staging->data(), bytes);
        st.device->record_event(st.staged);
      } else if (st.gpu) {
        // Between two GPUs: through the host.
        Tensor host(src.dtype(), src.shape());
        find_device(slots_[static_cast<size_t>(st.in[0])].device)->copy_to_host(host.raw(), src.raw(), bytes);
        st.device->copy_from_host(dst.raw(), host.raw(), bytes);
        st.device->synchronize();
      } else {
        find_device(slots_[static_cast<size_t>(st.in[0])].device)->copy_to_host(dst.raw(), src.raw(), bytes);
      }
      return;
    }
    if (st.alias) {
      Slot& o = slots_[static_cast<size_t>(st.out[0])];
      const Tensor& in = slots_[static_cast<size_t>(st.in[0])].tensor;
      if (!o.tensor.same_buffer(in) || o.tensor.shape() != o.shape) o.tensor = in.with_shape(o.shape);
    }
    if (st.fn) st.fn(KernelContext{st.in_ptr, st.out_ptr, *st.attrs, run_counter, st.stream, options_.precision});
  } catch (const std::exception& e) {
    rethrow_in_step(st, e);
  }
}

void Plan::run_segment(Segment& seg, uint64_t run_counter) {
  seg.device->activate();
  last_gpu_work_ = cat("the segment of steps '", steps_[static_cast<size_t>(seg.first)].node->name, "' to '",
                       steps_[static_cast<size_t>(seg.last)].node->name, "' on ", seg.device->name());
  auto run_steps = [&] {
    for (int i = seg.first; i <= seg.last; ++i) run_step(steps_[static_cast<size_t>(i)], run_counter);
  };
  // The first run with new shapes runs the kernels directly: they choose algorithms and make
  // their handles then, which must not happen inside a capture.
  if (!seg.graph && (!options_.cuda_graphs || !seg.capturable || seg.runs == 0)) {
    run_steps();
    ++seg.runs;
    return;
  }
  if (!seg.graph) {
    // Ending the capture and instantiating the graph can fail too: until then the steps were
    // only recorded, so any failure abandons the capture and runs them directly.
    seg.device->begin_capture();
    try {
      run_steps();
      seg.graph = seg.device->end_capture();
    } catch (const std::exception& e) {
      // The segment runs kernel by kernel until its shapes change (drop_graphs resets this).
      seg.device->abandon_capture();
      seg.capturable = false;
      log_warn("a CUDA graph could not capture steps '", steps_[static_cast<size_t>(seg.first)].node->name,
               "' to '", steps_[static_cast<size_t>(seg.last)].node->name, "' on ", seg.device->name(), " (",
               e.what(), "): they run kernel by kernel");
      run_steps();
      ++seg.runs;
      return;
    }
  }
  seg.device->launch_graph(seg.graph);
  ++seg.runs;
  ++graph_launches_;
}

Tensor Plan::fetch(int slot, size_t k) {
  const Slot& s = slots_[static_cast<size_t>(slot)];
  if (s.tensor.on_host()) return s.tensor.clone();
  Tensor& staging = fetch_staging_[k];
  Device* dev = find_device(s.device);
  if (staging.empty() || staging.capacity() < static_cast<size_t>(s.tensor.num_elements()))
    staging = Tensor(s.dtype, s.tensor.shape(), dev->staging_allocator());
  staging = staging.with_shape(s.tensor.shape());
  try {
    dev->copy_to_host(staging.raw(), s.tensor.raw(), s.tensor.bytes());
  } catch (const std::exception& e) {
    std::string m = e.what();
    throw Error(cat("fetching '", s.node->name, ":", s.index, "' from ", dev->name(), ": ", m, late_fault_hint(m)));
  }
  return staging.clone();
}

std::vector<Tensor> Plan::run(const FeedList& feeds, uint64_t run_counter) {
  DeviceLocks lock(gpus_);
  bool changed = !shapes_ready_;
  for (const auto& [out, t] : feeds) {
    const Shape& want = out.shape();
    if (t.empty()) fail_at_node(out.node, ErrorCode::InvalidArgument, cat("feed for '", out.name(), "' is an empty tensor"));
    if (!t.on_host())
      fail_at_node(out.node, ErrorCode::InvalidArgument, cat("feed for '", out.name(), "' must be a host tensor"));
    if (t.dtype() != out.dtype() || !t.shape().compatible_with(want))
      fail_at_node(out.node, ErrorCode::InvalidArgument,
                   cat("feed for '", out.name(), "': expected ", dtype_name(out.dtype()), want.to_string(), ", got ",
                       dtype_name(t.dtype()), t.shape().to_string()));
    size_t k = 0;
    while (k < feed_outputs_.size() && !(feed_outputs_[k] == out)) ++k;
    if (k == feed_outputs_.size()) continue;  // fed but not needed by this run
    Slot& s = slots_[static_cast<size_t>(feed_slots_[k])];
    s.tensor = t;
    if (last_feed_shapes_[k] != t.shape()) {
      if (!changed) previous_feed_shapes_ = last_feed_shapes_;
      last_feed_shapes_[k] = t.shape();
      s.shape = t.shape();
      changed = true;
    }
  }
  for (const auto& [slot, read_first] : var_slots_) {
    const Node* v = slots_[static_cast<size_t>(slot)].node;
    if (read_first && !vars_.get(v).initialized)
      fail_at_node(v, ErrorCode::FailedPrecondition,
                   cat("variable '", v->name, "' is read before it was initialized: run the initializer first"));
  }
  if (changed) change_shapes();
  for (size_t i = 0; i < steps_.size();) {
    Step& st = steps_[i];
    if (st.segment >= 0) {
      Segment& seg = segments_[static_cast<size_t>(st.segment)];
      run_segment(seg, run_counter);
      i = static_cast<size_t>(seg.last) + 1;
    } else {
      if (st.gpu) st.device->activate();
      if (st.gpu && st.kind == StepKind::Kernel)
        last_gpu_work_ = cat("node '", st.node->name, "' (op ", st.op, ") on ", st.device->name());
      run_step(st, run_counter);
      ++i;
    }
  }
  for (const Node* v : assigned_vars_) vars_.get(v).initialized = true;
  std::vector<Tensor> result;
  result.reserve(fetch_slots_.size());
  for (size_t k = 0; k < fetch_slots_.size(); ++k) result.push_back(fetch(fetch_slots_[k], k));
  return result;
}

}  // namespace tg
