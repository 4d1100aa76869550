#include "runtime/session.h"

#include <algorithm>

#include <map>

#include "base/parallel.h"
#include "runtime/plan.h"
#include "runtime/variables.h"

namespace tg {

// What a session holds, kept out of its public header: plans and variables are the engine's
// private types (devices, kernels).
struct Session::Impl {
  explicit Impl(SessionOptions o) : options(o) {}
  VariableState& variable_state(const Node* var);

  SessionOptions options;
  VariableStore vars;
  std::map<std::vector<int64_t>, std::unique_ptr<Plan>> plans;
  Plan* last_plan = nullptr;
  uint64_t run_counter = 0;
};

Session::Session(Graph& graph, SessionOptions options)
    : graph_(graph), impl_(std::make_unique<Impl>(options)) {
  if (options.num_threads > 0) set_num_threads(options.num_threads);
}

Session::~Session() = default;

size_t Session::num_cached_plans() const { return impl_->plans.size(); }
const Plan* Session::last_plan() const { return impl_->last_plan; }

std::vector<Tensor> Session::run(const FeedList& feeds, const std::vector<Output>& fetches,
                                 const std::vector<Node*>& targets) {
  // The signature: feeds sorted (their order must not split the cache), fetches, targets.
  std::vector<int64_t> key;
  key.reserve(feeds.size() + fetches.size() + targets.size() + 3);
  std::vector<Output> feed_outputs;
  for (const auto& [o, t] : feeds) {
    TG_CHECK(o.node != nullptr && o.node->graph == &graph_, "a feed is not a node of this graph");
    feed_outputs.push_back(o);
  }
  for (const auto& o : fetches)
    TG_CHECK(o.node != nullptr && o.node->graph == &graph_, "a fetch is not a node of this graph");
  for (const Node* t : targets)
    TG_CHECK(t != nullptr && t->graph == &graph_, "a target is not a node of this graph");
  std::sort(feed_outputs.begin(), feed_outputs.end(), [](const Output& a, const Output& b) {
    return a.node->id != b.node->id ? a.node->id < b.node->id : a.index < b.index;
  });
  for (size_t i = 1; i < feed_outputs.size(); ++i)
    TG_CHECK(!(feed_outputs[i] == feed_outputs[i - 1]), "'", feed_outputs[i].name(),
             "' is fed twice");
  key.push_back(static_cast<int64_t>(feeds.size()));
  for (const auto& o : feed_outputs) key.push_back(o.node->id * 64 + o.index);
  key.push_back(-1);
  for (const auto& o : fetches) key.push_back(o.node->id * 64 + o.index);
  key.push_back(-2);
  for (const Node* t : targets) key.push_back(t->id);

  auto it = impl_->plans.find(key);
  if (it == impl_->plans.end()) {
    PlanOptions po;
    po.allocator = impl_->options.allocator;
    po.placement.soft_placement = impl_->options.soft_placement;
    po.placement.log_device_placement = impl_->options.log_device_placement;
    po.placement.use_gpus = impl_->options.use_gpus;
    po.fuse_ops = impl_->options.fuse_ops;
    po.cuda_graphs = impl_->options.cuda_graphs;
    po.precision = impl_->options.precision;
    auto plan = std::make_unique<Plan>(graph_, feed_outputs, fetches, targets, impl_->vars, po);
    it = impl_->plans.emplace(std::move(key), std::move(plan)).first;
  }
  impl_->last_plan = it->second.get();
  return it->second->run(feeds, ++impl_->run_counter);
}

std::vector<Tensor> Session::run(const std::vector<std::pair<std::string, Tensor>>& feeds,
                                 const std::vector<std::string>& fetches,
                                 const std::vector<std::string>& targets) {
  FeedList f;
  for (const auto& [name, t] : feeds) f.emplace_back(graph_.output_by_name(name), t);
  std::vector<Output> outs;
  for (const auto& name : fetches) outs.push_back(graph_.output_by_name(name));
  std::vector<Node*> ts;
  for (const auto& name : targets) ts.push_back(graph_.output_by_name(name).node);
  return run(f, outs, ts);
}

VariableState& Session::Impl::variable_state(const Node* var) {
  if (VariableState* s = vars.find(var)) return *s;
  // Not created by a run yet (restoring a checkpoint first): placed as a run would place it.
  PlacementOptions po{options.soft_placement, false, options.use_gpus};
  DeviceId device = place_nodes({var}, po, current_inventory(po, nullptr))[0];
  return vars.get(var, device);
}

Tensor Session::variable_value(Output var) {
  TG_CHECK(var.node && var.node->op == "Variable", "'", var.node ? var.node->name : "?",
           "' is not a variable");
  const auto& s = impl_->variable_state(var.node);
  TG_CHECK_CODE(s.initialized, FailedPrecondition, "variable '", var.node->name, "' is not initialized");
  return VariableStore::read(s);
}

void Session::set_variable_value(Output var, const Tensor& value) {
  TG_CHECK(var.node && var.node->op == "Variable", "'", var.node ? var.node->name : "?",
           "' is not a variable");
  auto& s = impl_->variable_state(var.node);
  TG_CHECK(value.dtype() == s.value.dtype() && value.shape() == s.value.shape(), "variable '",
           var.node->name, "' is ", dtype_name(s.value.dtype()), s.value.shape().to_string(),
           ", the value is ", dtype_name(value.dtype()), value.shape().to_string());
  TG_CHECK(value.on_host(), "the value for variable '", var.node->name, "' must be a host tensor");
  VariableStore::write(s, value);
  s.initialized = true;
}

}  // namespace tg
