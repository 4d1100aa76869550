// Losses: mean squared error and the three cross-entropies.
#include "graph/ops.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {

void rows_of_logits(InferContext& c, bool sparse) {
  c.expect_inputs(2);
  c.expect_floating(1);
  const Shape &l = c.in_shapes[0], &x = c.in_shapes[1];
  if (x.rank() != 2) c.fail("logits must be [batch, classes]");
  if (sparse) {
    if (!is_integer(c.in_dtypes[0])) c.fail("sparse labels must be int32 or int64 class ids");
    if (l.rank() != 1 || (l.dim(0) >= 0 && x.dim(0) >= 0 && l.dim(0) != x.dim(0)))
      c.fail("sparse labels must be [batch] beside logits [batch, classes]");
  } else {
    c.expect_same_dtype(0, 1);
    if (!l.compatible_with(x)) c.fail("labels and logits must have the same shape");
  }
  c.set_output(0, c.in_dtypes[1], Shape{x.dim(0) >= 0 ? x.dim(0) : l.dim(0)});
}

Output per_row(Output g) { return reshape(g, {-1, 1}); }

}  // namespace

Output mean_squared_error(Output labels, Output predictions, const std::string& n) {
  TG_CHECK(labels.shape().compatible_with(predictions.shape()),
           "mean_squared_error: labels ", labels.shape().to_string(), " and predictions ",
           predictions.shape().to_string(), " differ in shape");
  return reduce_mean(square(sub(predictions, labels)), {}, false,
                     n.empty() ? "mean_squared_error" : n);
}

Output sigmoid_cross_entropy_with_logits(Output labels, Output logits, const std::string& n) {
  return make("SigmoidCrossEntropyWithLogits", {labels, logits}, {}, n);
}
Output softmax_cross_entropy_with_logits(Output labels, Output logits, const std::string& n) {
  return make("SoftmaxCrossEntropyWithLogits", {labels, logits}, {}, n);
}
Output sparse_softmax_cross_entropy_with_logits(Output labels, Output logits,
                                                const std::string& n) {
  return make("SparseSoftmaxCrossEntropyWithLogits", {labels, logits}, {}, n);
}

void register_loss_ops_impl() {
  register_op({"SigmoidCrossEntropyWithLogits",
               [](InferContext& c) {
                 c.expect_inputs(2);
                 c.expect_same_dtype(0, 1);
                 c.expect_floating(1);
                 if (!c.in_shapes[0].compatible_with(c.in_shapes[1]))
                   c.fail("labels and logits must have the same shape");
                 c.set_output(0, c.in_dtypes[1], c.in_shapes[1]);
               },
               [](GradContext& c) -> std::vector<Output> {
                 Output z = c.in(0), x = c.in(1), g = c.grad();
                 return {c.needs(0) ? neg(mul(g, x)) : Output{}, mul(g, sub(sigmoid(x), z))};
               }});
  register_op({"SoftmaxCrossEntropyWithLogits",
               [](InferContext& c) { rows_of_logits(c, false); },
               [](GradContext& c) -> std::vector<Output> {
                 Output z = c.in(0), x = c.in(1), g = per_row(c.grad());
                 // softmax * sum(z) - z: exact even when a row of labels does not sum to 1.
                 Output total = reduce_sum(z, {-1}, true);
                 return {c.needs(0) ? neg(mul(g, log_softmax(x))) : Output{},
                         mul(g, sub(mul(softmax(x), total), z))};
               }});
  register_op({"SparseSoftmaxCrossEntropyWithLogits",
               [](InferContext& c) { rows_of_logits(c, true); },
               [](GradContext& c) -> std::vector<Output> {
                 Output x = c.in(1);
                 int64_t classes = x.shape().dim(1);
                 TG_CHECK(classes > 0, "sparse softmax cross-entropy: the number of classes must ",
                          "be known to differentiate it");
                 Output target = one_hot(c.in(0), classes, 1, 0, x.dtype());
                 return {Output{}, mul(per_row(c.grad()), sub(softmax(x), target))};
               }});
}

}  // namespace tg::ops

namespace tg {
void register_loss_ops() { ops::register_loss_ops_impl(); }
}  // namespace tg
