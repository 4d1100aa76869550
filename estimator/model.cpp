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

// Batch normalization of [n, units]: batch statistics while training, moving averages (momentum
// 0.99, updated by the train op) otherwise; a learned scale and offset.
Output batch_normalize(Graph& g, Output x, Output training, std::vector<Node*>& updates) {
  auto scope = g.name_scope("batch_normalization");
  int64_t units = x.shape().dim(1);
  Output gamma = ops::variable(g, {units}, DType::Float32, ops::Initializer::ones(), "gamma");
  Output beta = ops::variable(g, {units}, DType::Float32, ops::Initializer::zeros(), "beta");
  Output moving_mean = ops::variable(g, {units}, DType::Float32, ops::Initializer::zeros(), "moving_mean", false);
  Output moving_var = ops::variable(g, {units}, DType::Float32, ops::Initializer::ones(), "moving_variance", false);
  Output mean = ops::reduce_mean(x, {0});
  Output var = ops::reduce_mean(ops::square(x - mean), {0});
  const double momentum = 0.99, eps = 1e-3;
  updates.push_back(ops::assign(moving_mean, moving_mean * momentum + ops::stop_gradient(mean) * (1 - momentum)).node);
  updates.push_back(ops::assign(moving_var, moving_var * momentum + ops::stop_gradient(var) * (1 - momentum)).node);
  Output m = training * mean + (1.0 - training) * moving_mean;
  Output v = training * var + (1.0 - training) * moving_var;
  return (x - m) / ops::sqrt(v + eps) * gamma + beta;
}

Output dnn_logits(Graph& g, const ModelSpec& s, const RawInputs& raw, Output training, int64_t seed,
                  std::vector<Node*>& bn_updates) {
  auto scope = g.name_scope("dnn");
  Output h = input_layer(g, raw, s.dnn_columns);
  for (size_t i = 0; i < s.hidden_units.size(); ++i) {
    TG_CHECK(s.hidden_units[i] > 0, "hidden_units must be positive");
    std::string layer = "hiddenlayer_" + std::to_string(i);
    h = dense(g, h, s.hidden_units[i], seed + static_cast<int64_t>(i), layer);
    if (s.batch_norm) {
      auto ls = g.name_scope(layer);
      h = batch_normalize(g, h, training, bn_updates);
    }
    h = activate(h, s.activation);
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
  std::vector<Node*> bn_updates;
  Output deep = s.dnn_columns.empty() ? Output{} : dnn_logits(g, s, m.raw, m.training, seed, bn_updates);
  size_t after_dnn = g.trainable_variables().size();
  m.logits = linear && deep ? ops::add(linear, deep, "logits") : (linear ? linear : deep);
  m.head = s.head.build(g, m.logits, m.label, m.weight);

  // One optimizer per part over its own variables; the global step moves once per step.
  TG_CHECK(s.l1 >= 0 && s.l2 >= 0, "l1 and l2 regularization must not be negative");
  TG_CHECK(s.clip_norm >= 0, "clip_norm must not be negative");
  auto rate = [&](double base) {
    Output lr = ops::scalar(g, base);
    const LearningRateDecay& d = s.learning_rate_decay;
    if (d.type.empty() || d.type == "none") return lr;
    if (d.type == "exponential") return exponential_decay(lr, g.global_step(), d.decay_steps, d.decay_rate, d.staircase);
    if (d.type == "piecewise_constant") {
      std::vector<double> v;
      for (double f : d.values) v.push_back(base * f);
      return piecewise_constant(g.global_step(), d.boundaries, v);
    }
    fail("learning rate decay: unknown type '", d.type, "' (exponential or piecewise_constant)");
  };
  std::vector<std::pair<std::unique_ptr<Optimizer>, std::vector<Output>>> parts;
  Output linear_lr, dnn_lr;
  if (linear) {
    linear_lr = rate(s.linear_learning_rate);
    parts.emplace_back(make_optimizer(s.linear_optimizer, linear_lr), trainables_between(g, before_linear, before_dnn));
  }
  if (deep) {
    dnn_lr = rate(s.dnn_learning_rate);
    parts.emplace_back(make_optimizer(s.dnn_optimizer, dnn_lr), trainables_between(g, before_dnn, after_dnn));
  }
  m.learning_rate = deep ? dnn_lr : linear_lr;
  std::vector<Output> vars;
  for (auto& [opt, vs] : parts) vars.insert(vars.end(), vs.begin(), vs.end());
  // Regularization of the weights (matrices: kernels, linear weights, embedding tables).
  Output objective = m.head.loss;
  if (s.l1 > 0 || s.l2 > 0) {
    auto rs = g.name_scope("regularization");
    for (const Output& v : vars) {
      if (v.shape().rank() != 2) continue;
      if (s.l1 > 0) objective = objective + ops::reduce_sum(ops::abs(v)) * s.l1;
      if (s.l2 > 0) objective = objective + ops::reduce_sum(ops::square(v)) * s.l2;
    }
  }
  m.objective = objective;
  auto grads = gradients({objective}, vars);
  if (s.clip_norm > 0) {
    // tf.clip_by_global_norm: every gradient times clip_norm / max(global norm, clip_norm).
    auto cs = g.name_scope("clip_by_global_norm");
    Output sq;
    for (const auto& gr : grads)
      if (gr) sq = sq ? sq + ops::reduce_sum(ops::square(gr)) : ops::reduce_sum(ops::square(gr));
    if (sq) {
      Output norm = ops::sqrt(sq);
      Output scale = ops::scalar(g, s.clip_norm) / ops::maximum(norm, ops::scalar(g, s.clip_norm));
      for (auto& gr : grads)
        if (gr) gr = gr * scale;
    }
  }
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
  updates.insert(updates.end(), bn_updates.begin(), bn_updates.end());
  Node* inc = g.add_node("AssignAdd", {g.global_step(), ops::scalar(g, 1, DType::Int64)}, {},
                         "global_step/increment", updates);
  m.train = ops::group(g, {inc}, "train_op");
  m.init = ops::global_variables_initializer(g);
  return m;
}

}  // namespace tg::estimator
