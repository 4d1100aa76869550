#include "graph/distributed_optimizer.h"

#include "base/log.h"
#include "graph/gradients.h"
#include "graph/ops.h"

namespace tg {

namespace {

struct Bucket {
  DType dtype;
  std::vector<size_t> members;  // indices into grads_and_vars
  int64_t bytes = 0;
};

int64_t elements_of(const Output& grad, const Output& var) {
  const Shape& s = var.shape();
  TG_CHECK(s.is_fully_defined(), "allreduce_gradients: the variable '", var.name(), "' has shape ",
           s.to_string(), "; all-reducing its gradient needs a fully known shape");
  TG_CHECK(grad.shape().compatible_with(s), "allreduce_gradients: the gradient '", grad.name(), "' of shape ",
           grad.shape().to_string(), " does not match the variable '", var.name(), "' of shape ", s.to_string());
  return s.num_elements();
}

}  // namespace

std::vector<std::pair<Output, Output>> allreduce_gradients(const std::vector<std::pair<Output, Output>>& gv,
                                                           const AllReduceOptions& o) {
  TG_CHECK(o.bucket_bytes >= 0, "allreduce_gradients: bucket_bytes must not be negative");
  std::vector<std::pair<Output, Output>> out = gv;
  if (gv.empty()) return out;
  Graph& g = gv[0].second.graph();
  auto scope = g.name_scope("DistributedOptimizer");

  // Buckets in variable order, one open bucket per dtype.
  std::vector<Bucket> buckets;
  std::vector<int> open(8, -1);
  for (size_t i = 0; i < gv.size(); ++i) {
    const auto& [grad, var] = gv[i];
    int64_t bytes = elements_of(grad, var) * static_cast<int64_t>(dtype_size(grad.dtype()));
    if (grad.node->op == "GatherGrad")
      log_warn("the gradient of the embedding '", var.name(), "' ", var.shape().to_string(),
               " is all-reduced densified: ", bytes, " bytes per step");
    int& slot = open[static_cast<size_t>(grad.dtype())];
    if (slot < 0 || buckets[static_cast<size_t>(slot)].bytes + bytes > o.bucket_bytes) {
      buckets.push_back({grad.dtype(), {}, 0});
      slot = static_cast<int>(buckets.size() - 1);
    }
    Bucket& b = buckets[static_cast<size_t>(slot)];
    b.members.push_back(i);
    b.bytes += bytes;
  }

  for (size_t k = 0; k < buckets.size(); ++k) {
    const Bucket& b = buckets[k];
    auto bs = g.name_scope("bucket_" + std::to_string(k));
    if (b.members.size() == 1) {
      size_t i = b.members[0];
      out[i].first = ops::all_reduce(gv[i].first, o.reduction);
      continue;
    }
    std::vector<Output> flat;
    for (size_t i : b.members) flat.push_back(ops::reshape(gv[i].first, {-1}));
    Output reduced = ops::all_reduce(ops::concat(flat, 0), o.reduction);
    int64_t offset = 0;
    for (size_t i : b.members) {
      const Shape& s = gv[i].second.shape();
      int64_t n = s.num_elements();
      out[i].first = ops::reshape(ops::slice(reduced, {offset}, {n}), s.dims());
      offset += n;
    }
  }
  return out;
}

DistributedOptimizer::DistributedOptimizer(std::unique_ptr<Optimizer> inner, AllReduceOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {
  TG_CHECK(inner_ != nullptr, "DistributedOptimizer: no optimizer to wrap");
}

std::vector<std::pair<Output, Output>> DistributedOptimizer::compute_gradients(Output loss,
                                                                               std::vector<Output> var_list) {
  Graph& g = loss.graph();
  TG_CHECK(loss.shape().rank() == 0 || loss.shape().num_elements() == 1,
           "DistributedOptimizer: the loss '", loss.name(), "' must be a scalar, has shape ", loss.shape().to_string());
  if (var_list.empty())
    for (Node* v : g.trainable_variables()) var_list.push_back(v->out());
  TG_CHECK(!var_list.empty(), "DistributedOptimizer: there are no trainable variables");
  auto grads = gradients({loss}, var_list);
  std::vector<std::pair<Output, Output>> gv;
  for (size_t i = 0; i < var_list.size(); ++i)
    if (grads[i]) gv.emplace_back(grads[i], var_list[i]);
  TG_CHECK(!gv.empty(), "DistributedOptimizer: no variable affects the loss '", loss.name(), "'");
  return allreduce_gradients(gv, options_);
}

Node* DistributedOptimizer::apply_gradients(const std::vector<std::pair<Output, Output>>& grads_and_vars) {
  return inner_->apply_gradients(grads_and_vars);
}

Node* DistributedOptimizer::minimize(Output loss, std::vector<Output> var_list) {
  return apply_gradients(compute_gradients(loss, std::move(var_list)));
}

}  // namespace tg
