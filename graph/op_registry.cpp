#include "graph/op_registry.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>

#include "base/error.h"

namespace tg {

// Each op family registers itself from graph/ops/<family>.cpp.
void register_math_ops();
void register_reduce_ops();
void register_nn_ops();
void register_array_ops();
void register_state_ops();
void register_loss_ops();
void register_training_ops();
void register_feature_ops();
void register_collective_ops();

namespace {
std::unordered_map<std::string, OpDef>& table() {
  static std::unordered_map<std::string, OpDef> t;
  return t;
}
void ensure_registered() {
  static std::once_flag once;
  std::call_once(once, [] {
    register_math_ops();
    register_reduce_ops();
    register_nn_ops();
    register_array_ops();
    register_state_ops();
    register_loss_ops();
    register_training_ops();
    register_feature_ops();
    register_collective_ops();
  });
}
std::string describe_inputs(const std::vector<DType>& t, const std::vector<Shape>& s) {
  std::string r;
  for (size_t i = 0; i < t.size(); ++i) {
    if (i) r += ", ";
    r += std::string(dtype_name(t[i])) + s[i].to_string();
  }
  return r.empty() ? "none" : r;
}
}  // namespace

void register_op(OpDef def) {
  auto name = def.name;
  TG_ASSERT(!table().count(name));
  table().emplace(name, std::move(def));
}

const OpDef& op_def(const std::string& name) {
  ensure_registered();
  auto it = table().find(name);
  TG_CHECK(it != table().end(), "unknown op '", name, "'");
  return it->second;
}

bool has_op(const std::string& name) {
  ensure_registered();
  return table().count(name) > 0;
}

std::vector<std::string> registered_ops() {
  ensure_registered();
  std::vector<std::string> names;
  for (const auto& [name, def] : table()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

void InferContext::set_output(int i, DType t, Shape s) {
  size_t k = static_cast<size_t>(i);
  if (out_dtypes.size() <= k) {
    out_dtypes.resize(k + 1);
    out_shapes.resize(k + 1);
  }
  out_dtypes[k] = t;
  out_shapes[k] = std::move(s);
}

void InferContext::fail(const std::string& what) const {
  throw Error(cat("node '", node_name, "' (op ", op, "): ", what,
                  "; inputs: ", describe_inputs(in_dtypes, in_shapes)),
              ErrorCode::InvalidArgument, ErrorContext{.node = node_name, .op = op});
}

void InferContext::expect_inputs(int n) const {
  if (num_inputs() != n) fail(cat("expected ", n, " inputs, got ", num_inputs()));
}

void InferContext::expect_same_dtype(int a, int b) const {
  if (in_dtypes[static_cast<size_t>(a)] != in_dtypes[static_cast<size_t>(b)])
    fail(cat("inputs ", a, " and ", b, " have different dtypes"));
}

void InferContext::expect_floating(int i) const {
  if (!is_floating(in_dtypes[static_cast<size_t>(i)]))
    fail(cat("input ", i, " must be float32 or float64"));
}

void infer_shapes(const std::string& op, const std::string& node_name,
                  const std::vector<DType>& in_dtypes, const std::vector<Shape>& in_shapes,
                  const Attrs& attrs, std::vector<DType>* out_dtypes,
                  std::vector<Shape>* out_shapes) {
  const OpDef& def = op_def(op);
  InferContext c{op, node_name, in_dtypes, in_shapes, attrs, {}, {}};
  try {
    def.shape_fn(c);
  } catch (const Error& e) {
    // Attribute lookups and helpers throw without the node; add it once.
    if (!e.context().node.empty()) throw;
    c.fail(e.what());
  }
  *out_dtypes = std::move(c.out_dtypes);
  *out_shapes = std::move(c.out_shapes);
}

void unary_same_shape(InferContext& c) {
  c.expect_inputs(1);
  c.expect_floating(0);
  c.set_output(0, c.in_dtypes[0], c.in_shapes[0]);
}

void binary_broadcast(InferContext& c) {
  c.expect_inputs(2);
  c.expect_same_dtype(0, 1);
  Shape out;
  if (!broadcast_shapes(c.in_shapes[0], c.in_shapes[1], &out))
    c.fail(cat("shapes ", c.in_shapes[0].to_string(), " and ", c.in_shapes[1].to_string(),
               " cannot be broadcast together"));
  c.set_output(0, c.in_dtypes[0], out);
}

}  // namespace tg
