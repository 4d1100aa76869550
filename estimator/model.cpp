#include "estimator/model.h"

#include <cmath>

#include "graph/distributed_optimizer.h"
#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/optimizers.h"

namespace tg::estimator {

namespace {

Output activate(Output x, const std::string& a) { return ops::activation(x, a); }

Output dense(Graph& g, Output x, int64_t units, int64_t seed, const std::string& name) {
  auto scope = g.name_scope(name);
  Output k = ops::variable(g, {x.shape().dim(1), units}, DType::Float32, ops::Initializer::glorot_uniform(seed), "kernel");
  Output b = ops::variable(g, {units}, DType::Float32, ops::Initializer::zeros(), "bias");
  return ops::bias_add(ops::matmul(x, k), b);
}

Output dnn_logits(Graph& g, const ModelSpec& s, const RawInputs& raw, Output training, int64_t seed) {
  auto scope = g.name_scope("dnn");
  Output h = input_layer(g, raw, s.dnn_columns);
  for (size_t i = 0; i < s.hidden_units.size(); ++i) {
    TG_CHECK(s.hidden_units[i] > 0, "hidden_units must be positive");
    h = activate(dense(g, h, s.hidden_units[i], seed + static_cast<int64_t>(i), "hiddenlayer_" + std::to_string(i)), s.activation);
    if (s.dropout > 0) {
      // Dropped only while training: training * dropped + (1 - training) * h.
      Output dropped = ops::dropout(h, s.dropout, seed + 100 + static_cast<int64_t>(i));
      h = training * dropped + (1.0 - training) * h;
    }
  }
  return dense(g, h, s.head.logits_dimension(), seed + 99, "logits");
}

// Linear logits: a weight row per id for categorical columns (a gather, as TensorFlow's
// weighted sum), a weight matrix for dense ones.
Output linear_logits(Graph& g, const ModelSpec& s, const RawInputs& raw) {
  auto scope = g.name_scope("linear");
  int64_t units = s.head.logits_dimension();
  Output sum;
  for (const auto& c : s.linear_columns) {
    auto cs = g.name_scope(c->name());
    Output part;
    if (auto cat = std::dynamic_pointer_cast<const CategoricalColumn>(c)) {
      Output w = ops::variable(g, {cat->num_buckets(), units}, DType::Float32, ops::Initializer::zeros(), "weights");
      part = ops::gather(w, cat->ids(g, raw));
    } else {
      Output w = ops::variable(g, {c->dimension(), units}, DType::Float32, ops::Initializer::zeros(), "weights");
      part = ops::matmul(c->dense(g, raw), w);
    }
    sum = sum ? ops::add(sum, part) : part;
  }
  Output bias = ops::variable(g, {units}, DType::Float32, ops::Initializer::zeros(), "bias_weights");
  return ops::bias_add(sum, bias);
}

// The trainable variables created between two counts of them.
std::vector<Output> trainables_between(Graph& g, size_t from, size_t to) {
  std::vector<Output> r;
  for (size_t i = from; i < to; ++i) r.push_back(g.trainable_variables()[i]->out());
  return r;
}

}  // namespace

ModelGraph build_model(Graph& g, const ModelSpec& s, int64_t seed, int64_t allreduce_bucket_bytes) {
  TG_CHECK(!s.linear_columns.empty() || !s.dnn_columns.empty(), "the model has no feature columns");
  TG_CHECK(s.dnn_columns.empty() || !s.hidden_units.empty(), "a DNN needs hidden_units");
  TG_CHECK(s.dropout >= 0 && s.dropout < 1, "dropout must be in [0, 1)");
  g.set_seed(seed);
  ModelGraph m;
  std::vector<Column> all = s.linear_columns;
  all.insert(all.end(), s.dnn_columns.begin(), s.dnn_columns.end());
  m.raw = make_raw_inputs(g, all);
  TG_CHECK(!m.raw.count(s.label_column), "the label column '", s.label_column, "' is also a feature");
  m.label = ops::placeholder(g, s.head.label_dtype(), {-1}, s.label_column);
  if (!s.weight_column.empty()) m.weight = ops::placeholder(g, DType::Float32, {-1}, s.weight_column);
  m.training = ops::placeholder(g, DType::Float32, {}, "training");
  g.global_step();

  size_t before_linear = g.trainable_variables().size();
  Output linear = s.linear_columns.empty() ? Output{} : linear_logits(g, s, m.raw);
  size_t before_dnn = g.trainable_variables().size();
  Output deep = s.dnn_columns.empty() ? Output{} : dnn_logits(g, s, m.raw, m.training, seed);
  size_t after_dnn = g.trainable_variables().size();
  m.logits = linear && deep ? ops::add(linear, deep, "logits") : (linear ? linear : deep);
  m.head = s.head.build(g, m.logits, m.label, m.weight);

  // One optimizer per part over its own variables; the global step moves once per step.
  std::vector<std::pair<std::unique_ptr<Optimizer>, std::vector<Output>>> parts;
  if (linear)
    parts.emplace_back(make_optimizer(s.linear_optimizer, ops::scalar(g, s.linear_learning_rate)),
                       trainables_between(g, before_linear, before_dnn));
  if (deep)
    parts.emplace_back(make_optimizer(s.dnn_optimizer, ops::scalar(g, s.dnn_learning_rate)),
                       trainables_between(g, before_dnn, after_dnn));
  std::vector<Output> vars;
  for (auto& [opt, vs] : parts) vars.insert(vars.end(), vs.begin(), vs.end());
  auto grads = gradients({m.head.loss}, vars);
  if (allreduce_bucket_bytes >= 0) {
    // Data parallelism: one set of buckets over both parts' gradients.
    std::vector<std::pair<Output, Output>> gv;
    for (size_t i = 0; i < vars.size(); ++i)
      if (grads[i]) gv.emplace_back(grads[i], vars[i]);
    auto reduced = allreduce_gradients(gv, AllReduceOptions{allreduce_bucket_bytes, "mean"});
    for (size_t i = 0, k = 0; i < vars.size(); ++i)
      if (grads[i]) grads[i] = reduced[k++].first;
  }
  std::vector<Node*> updates;
  size_t k = 0;
  for (auto& [opt, vs] : parts) {
    std::vector<std::pair<Output, Output>> gv;
    for (const auto& v : vs) {
      if (grads[k]) gv.emplace_back(grads[k], v);
      ++k;
    }
    if (!gv.empty())
      for (Node* u : opt->update_ops(gv)) updates.push_back(u);
  }
  TG_CHECK(!updates.empty(), "no trainable variable affects the loss");
  Node* inc = g.add_node("AssignAdd", {g.global_step(), ops::scalar(g, 1, DType::Int64)}, {},
                         "global_step/increment", updates);
  m.train = ops::group(g, {inc}, "train_op");
  m.init = ops::global_variables_initializer(g);
  return m;
}

}  // namespace tg::estimator
