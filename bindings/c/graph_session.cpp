// The C API: graphs, operations, gradients, optimizers, sessions and checkpoints.
#include <cmath>

#include "c_api_internal.h"
#include "graph/gradients.h"
#include "graph/op_registry.h"
#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/checkpoint.h"
#include "runtime/session.h"

struct tg_OperationDescription {
  tg_Graph* graph;
  std::string op, name, device;
  std::vector<tg::Output> inputs;
  std::vector<tg::Node*> control_inputs;
  tg::Attrs attrs;
  std::string error;  // the first problem found while describing, reported by tg_FinishOperation
};

struct tg_SessionOptions {
  tg::SessionOptions o;
};

struct tg_Session {
  std::shared_ptr<tg::Graph> graph;  // kept alive while the session lives (declared first: outlives it)
  std::unique_ptr<tg::Session> s;
};

namespace tg::capi {

Output output_of(const Graph& g, tg_Output o, const char* call, const char* what) {
  TG_CHECK(o.oper != nullptr, call, ": ", what, " has no operation (NULL)");
  Node* n = node_of(o.oper);
  TG_CHECK(n->graph == &g, call, ": ", what, " ('", n->name, "') belongs to another graph");
  TG_CHECK(o.index >= 0 && o.index < n->num_outputs(), call, ": ", what, " ('", n->name, "') has no output ",
           o.index);
  return Output{n, o.index};
}

namespace {

const tg_Output kNoOutput{nullptr, 0};

Graph& graph_arg(tg_Graph* g, const char* call) {
  require_handle(g, call, "the graph");
  return *g->g;
}

std::vector<Output> outputs_arg(const Graph& g, const tg_Output* xs, int n, const char* call, const char* what) {
  require_count(xs, n, call, what);
  std::vector<Output> r;
  r.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) r.push_back(output_of(g, xs[i], call, cat(what, "[", i, "]").c_str()));
  return r;
}

// Records a describing problem (the first one wins).
void note(tg_OperationDescription* d, const std::string& what) {
  if (d && d->error.empty()) d->error = what;
}

// Sets an attribute, recording a NULL name.
void set_attr(tg_OperationDescription* d, const char* name, AttrValue v) {
  if (!d) return;
  if (!name) return note(d, "an attribute name is NULL");
  d->attrs.set(name, std::move(v));
}

// Runs a describing step at the boundary: an exception becomes the description's error.
template <class F>
void describe(tg_OperationDescription* d, F&& f) noexcept {
  if (!d) return;
  try {
    f();
  } catch (const std::exception& e) {
    try {
      note(d, e.what());
    } catch (...) {
    }
  } catch (...) {
  }
}

}  // namespace
}  // namespace tg::capi

using namespace tg;
using namespace tg::capi;

extern "C" {

// ---- graphs ----

tg_Graph* tg_NewGraph(void) {
  try {
    return new tg_Graph();
  } catch (...) {
    return nullptr;
  }
}
void tg_DeleteGraph(tg_Graph* g) { delete g; }

void tg_GraphSetSeed(tg_Graph* g, int64_t seed, tg_Status* status) {
  guard_void(status, [&] { graph_arg(g, "tg_GraphSetSeed").set_seed(seed); });
}

int tg_GraphNumOperations(const tg_Graph* g) { return g ? g->g->num_nodes() : 0; }

tg_Operation* tg_GraphOperationByName(const tg_Graph* g, const char* name) {
  if (!g || !name) return nullptr;
  try {
    return c_oper(g->g->find(name));
  } catch (...) {
    return nullptr;
  }
}

tg_Output tg_GraphOutputByName(const tg_Graph* g, const char* name, tg_Status* status) {
  return guard(status, kNoOutput, [&] {
    require_handle(g, "tg_GraphOutputByName", "the graph");
    require_handle(name, "tg_GraphOutputByName", "the name");
    return c_output(g->g->output_by_name(name));
  });
}

int tg_GraphGetTensorNumDims(const tg_Graph* g, tg_Output output, tg_Status* status) {
  return guard(status, -1, [&] {
    require_handle(g, "tg_GraphGetTensorNumDims", "the graph");
    return output_of(*g->g, output, "tg_GraphGetTensorNumDims", "the output").shape().rank();
  });
}

void tg_GraphGetTensorShape(const tg_Graph* g, tg_Output output, int64_t* dims, int num_dims, tg_Status* status) {
  guard_void(status, [&] {
    const char* call = "tg_GraphGetTensorShape";
    require_handle(g, call, "the graph");
    const Shape& s = output_of(*g->g, output, call, "the output").shape();
    require_count(dims, num_dims, call, "dims");
    TG_CHECK(num_dims == s.rank(), call, ": num_dims is ", num_dims, " but the output has rank ", s.rank());
    for (int i = 0; i < num_dims; ++i) dims[i] = s.dim(i);
  });
}

// ---- operations ----

const char* tg_OperationName(const tg_Operation* o) { return o ? node_of(o)->name.c_str() : nullptr; }
const char* tg_OperationOpType(const tg_Operation* o) { return o ? node_of(o)->op.c_str() : nullptr; }
const char* tg_OperationDevice(const tg_Operation* o) { return o ? node_of(o)->device.c_str() : nullptr; }
int tg_OperationNumInputs(const tg_Operation* o) { return o ? static_cast<int>(node_of(o)->inputs.size()) : -1; }
int tg_OperationNumOutputs(const tg_Operation* o) { return o ? node_of(o)->num_outputs() : -1; }
tg_DataType tg_OperationOutputType(tg_Output out) {
  if (!out.oper || out.index < 0 || out.index >= node_of(out.oper)->num_outputs()) return TG_FLOAT;
  return c_dtype(node_of(out.oper)->out_dtypes[static_cast<size_t>(out.index)]);
}

tg_OperationDescription* tg_NewOperation(tg_Graph* g, const char* op_type, const char* oper_name) {
  tg_OperationDescription* d = nullptr;
  try {
    d = new tg_OperationDescription{g, str_arg(op_type), str_arg(oper_name), "", {}, {}, {}, ""};
    if (!g) note(d, "tg_NewOperation: the graph is NULL");
    if (!op_type) note(d, "tg_NewOperation: the op type is NULL");
  } catch (...) {
  }
  return d;
}

void tg_SetDevice(tg_OperationDescription* d, const char* device) {
  describe(d, [&] { d->device = str_arg(device); });
}

void tg_AddInput(tg_OperationDescription* d, tg_Output input) {
  describe(d, [&] {
    TG_CHECK(d->graph, "tg_AddInput: the description has no graph");
    d->inputs.push_back(output_of(*d->graph->g, input, "tg_AddInput", cat("input ", d->inputs.size()).c_str()));
  });
}

void tg_AddInputList(tg_OperationDescription* d, const tg_Output* inputs, int n) {
  describe(d, [&] {
    TG_CHECK(d->graph, "tg_AddInputList: the description has no graph");
    for (Output o : outputs_arg(*d->graph->g, inputs, n, "tg_AddInputList", "inputs")) d->inputs.push_back(o);
  });
}

void tg_AddControlInput(tg_OperationDescription* d, tg_Operation* input) {
  describe(d, [&] {
    require_handle(input, "tg_AddControlInput", "the control input");
    TG_CHECK(d->graph && node_of(input)->graph == d->graph->g.get(), "tg_AddControlInput: '",
             node_of(input)->name, "' belongs to another graph");
    d->control_inputs.push_back(node_of(input));
  });
}

void tg_SetAttrInt(tg_OperationDescription* d, const char* n, int64_t v) {
  describe(d, [&] { set_attr(d, n, v); });
}
void tg_SetAttrIntList(tg_OperationDescription* d, const char* n, const int64_t* v, int k) {
  describe(d, [&] {
    require_count(v, k, "tg_SetAttrIntList", "values");
    set_attr(d, n, std::vector<int64_t>(v, v + k));
  });
}
void tg_SetAttrFloat(tg_OperationDescription* d, const char* n, double v) {
  describe(d, [&] { set_attr(d, n, v); });
}
void tg_SetAttrFloatList(tg_OperationDescription* d, const char* n, const double* v, int k) {
  describe(d, [&] {
    require_count(v, k, "tg_SetAttrFloatList", "values");
    set_attr(d, n, std::vector<double>(v, v + k));
  });
}
void tg_SetAttrBool(tg_OperationDescription* d, const char* n, unsigned char v) {
  describe(d, [&] { set_attr(d, n, v != 0); });
}
void tg_SetAttrString(tg_OperationDescription* d, const char* n, const void* v, size_t len) {
  describe(d, [&] {
    TG_CHECK(v != nullptr || len == 0, "tg_SetAttrString: the value is NULL");
    set_attr(d, n, len ? std::string(static_cast<const char*>(v), len) : std::string());
  });
}
void tg_SetAttrStringList(tg_OperationDescription* d, const char* n, const void* const* v, const size_t* lens, int k) {
  describe(d, [&] {
    require_count(v, k, "tg_SetAttrStringList", "values");
    TG_CHECK(k == 0 || lens != nullptr, "tg_SetAttrStringList: lengths is NULL");
    std::vector<std::string> s;
    for (int i = 0; i < k; ++i) {
      TG_CHECK(v[i] != nullptr || lens[i] == 0, "tg_SetAttrStringList: value ", i, " is NULL");
      s.push_back(lens[i] ? std::string(static_cast<const char*>(v[i]), lens[i]) : std::string());
    }
    set_attr(d, n, std::move(s));
  });
}
void tg_SetAttrType(tg_OperationDescription* d, const char* n, tg_DataType v) {
  describe(d, [&] { set_attr(d, n, dtype_arg(v, "tg_SetAttrType")); });
}
void tg_SetAttrShape(tg_OperationDescription* d, const char* n, const int64_t* dims, int k) {
  describe(d, [&] { set_attr(d, n, shape_arg(dims, k, "tg_SetAttrShape")); });
}
void tg_SetAttrTensor(tg_OperationDescription* d, const char* n, const tg_Tensor* value, tg_Status* status) {
  guard_void(status, [&] {
    require_handle(d, "tg_SetAttrTensor", "the description");
    require_handle(n, "tg_SetAttrTensor", "the attribute name");
    set_attr(d, n, tensor_arg(value, "tg_SetAttrTensor", "the value").clone());
  });
}

tg_Operation* tg_FinishOperation(tg_OperationDescription* d, tg_Status* status) {
  std::unique_ptr<tg_OperationDescription> owned(d);
  return guard<tg_Operation*>(status, nullptr, [&] {
    require_handle(d, "tg_FinishOperation", "the description");
    TG_CHECK(d->error.empty(), d->error);
    Graph& g = *d->graph->g;
    auto add = [&] { return c_oper(g.add_node(d->op, d->inputs, d->attrs, d->name, d->control_inputs)); };
    if (d->device.empty()) return add();
    auto scope = g.device(d->device);
    return add();
  });
}

// ---- builders ----

tg_Output tg_Placeholder(tg_Graph* g, tg_DataType dtype, const int64_t* dims, int num_dims, const char* name,
                         tg_Status* status) {
  return guard(status, kNoOutput, [&] {
    const char* call = "tg_Placeholder";
    Graph& gr = graph_arg(g, call);
    return c_output(ops::placeholder(gr, dtype_arg(dtype, call), shape_arg(dims, num_dims, call), str_arg(name)));
  });
}

tg_Output tg_Const(tg_Graph* g, const tg_Tensor* value, const char* name, tg_Status* status) {
  return guard(status, kNoOutput, [&] {
    Graph& gr = graph_arg(g, "tg_Const");
    return c_output(ops::constant(gr, tensor_arg(value, "tg_Const", "the value"), str_arg(name)));
  });
}

tg_Output tg_ScalarConst(tg_Graph* g, tg_DataType dtype, double value, const char* name, tg_Status* status) {
  return guard(status, kNoOutput, [&] {
    Graph& gr = graph_arg(g, "tg_ScalarConst");
    return c_output(ops::scalar(gr, value, dtype_arg(dtype, "tg_ScalarConst"), str_arg(name)));
  });
}

tg_Output tg_Variable(tg_Graph* g, tg_DataType dtype, const int64_t* dims, int num_dims, tg_InitializerKind init,
                      double a, double b, int64_t seed, unsigned char trainable, const char* name,
                      tg_Status* status) {
  return guard(status, kNoOutput, [&] {
    const char* call = "tg_Variable";
    Graph& gr = graph_arg(g, call);
    int k = static_cast<int>(init);
    TG_CHECK(k >= TG_INIT_ZEROS && k <= TG_INIT_GLOROT_UNIFORM, call, ": unknown initializer ", k);
    ops::Initializer in{static_cast<ops::Initializer::Kind>(k), a, b, seed};
    return c_output(ops::variable(gr, shape_arg(dims, num_dims, call), dtype_arg(dtype, call), in, str_arg(name),
                                  trainable != 0));
  });
}

tg_Operation* tg_GlobalVariablesInitializer(tg_Graph* g, tg_Status* status) {
  return guard<tg_Operation*>(status, nullptr, [&] {
    return c_oper(ops::global_variables_initializer(graph_arg(g, "tg_GlobalVariablesInitializer")));
  });
}

void tg_AddGradients(tg_Graph* g, const tg_Output* y, int ny, const tg_Output* x, int nx, const tg_Output* dx,
                     tg_Status* status, tg_Output* dy) {
  guard_void(status, [&] {
    const char* call = "tg_AddGradients";
    Graph& gr = graph_arg(g, call);
    auto ys = outputs_arg(gr, y, ny, call, "y");
    auto xs = outputs_arg(gr, x, nx, call, "x");
    TG_CHECK(ny > 0, call, ": no y");
    require_count(dy, nx, call, "dy");
    std::vector<Output> seeds = dx ? outputs_arg(gr, dx, ny, call, "dx") : std::vector<Output>{};
    auto grads = gradients(ys, xs, seeds);
    for (int i = 0; i < nx; ++i) dy[i] = grads[static_cast<size_t>(i)] ? c_output(grads[static_cast<size_t>(i)]) : kNoOutput;
  });
}

tg_Operation* tg_Minimize(tg_Graph* g, const char* optimizer, double learning_rate, tg_Output loss,
                          const tg_Output* var_list, int num_vars, tg_Status* status) {
  return guard<tg_Operation*>(status, nullptr, [&] {
    const char* call = "tg_Minimize";
    Graph& gr = graph_arg(g, call);
    require_handle(optimizer, call, "the optimizer name");
    Output l = output_of(gr, loss, call, "the loss");
    auto vars = outputs_arg(gr, var_list, num_vars, call, "var_list");
    TG_CHECK(std::isfinite(learning_rate) && learning_rate > 0, call, ": the learning rate must be positive, got ",
             learning_rate);
    auto opt = make_optimizer(optimizer, ops::scalar(gr, learning_rate, l.dtype(), "learning_rate"));
    return c_oper(opt->minimize(l, vars));
  });
}

// ---- sessions ----

tg_SessionOptions* tg_NewSessionOptions(void) { return new (std::nothrow) tg_SessionOptions(); }
void tg_DeleteSessionOptions(tg_SessionOptions* o) { delete o; }
void tg_SessionOptionsSetNumThreads(tg_SessionOptions* o, int n) {
  if (o) o->o.num_threads = n > 0 ? n : 0;
}
void tg_SessionOptionsSetUseGpus(tg_SessionOptions* o, unsigned char v) {
  if (o) o->o.use_gpus = v != 0;
}
void tg_SessionOptionsSetSoftPlacement(tg_SessionOptions* o, unsigned char v) {
  if (o) o->o.soft_placement = v != 0;
}
void tg_SessionOptionsSetLogDevicePlacement(tg_SessionOptions* o, unsigned char v) {
  if (o) o->o.log_device_placement = v != 0;
}
void tg_SessionOptionsSetFuseOps(tg_SessionOptions* o, unsigned char v) {
  if (o) o->o.fuse_ops = v != 0;
}
void tg_SessionOptionsSetCudaGraphs(tg_SessionOptions* o, unsigned char v) {
  if (o) o->o.cuda_graphs = v != 0;
}

tg_Session* tg_NewSession(tg_Graph* g, const tg_SessionOptions* opts, tg_Status* status) {
  return guard<tg_Session*>(status, nullptr, [&] {
    graph_arg(g, "tg_NewSession");
    auto s = std::make_unique<tg_Session>();
    s->graph = g->g;
    s->s = std::make_unique<Session>(*s->graph, opts ? opts->o : SessionOptions{});
    return s.release();
  });
}

void tg_DeleteSession(tg_Session* s) { delete s; }

void tg_SessionRun(tg_Session* s, const tg_Output* inputs, tg_Tensor* const* input_values, int ninputs,
                   const tg_Output* outputs, tg_Tensor** output_values, int noutputs, tg_Operation* const* targets,
                   int ntargets, tg_Status* status) {
  if (output_values && noutputs > 0)
    for (int i = 0; i < noutputs; ++i) output_values[i] = nullptr;
  guard_void(status, [&] {
    const char* call = "tg_SessionRun";
    require_handle(s, call, "the session");
    Graph& g = *s->graph;
    auto in = outputs_arg(g, inputs, ninputs, call, "inputs");
    require_count(input_values, ninputs, call, "input_values");
    FeedList feeds;
    for (int i = 0; i < ninputs; ++i)
      feeds.push_back({in[static_cast<size_t>(i)],
                       tensor_arg(input_values[i], call, cat("input_values[", i, "]").c_str())});
    auto fetches = outputs_arg(g, outputs, noutputs, call, "outputs");
    require_count(output_values, noutputs, call, "output_values");
    require_count(targets, ntargets, call, "targets");
    std::vector<Node*> tg_targets;
    for (int i = 0; i < ntargets; ++i) {
      TG_CHECK(targets[i] != nullptr, call, ": targets[", i, "] is NULL");
      TG_CHECK(node_of(targets[i])->graph == &g, call, ": targets[", i, "] ('", node_of(targets[i])->name,
               "') belongs to another graph");
      tg_targets.push_back(node_of(targets[i]));
    }
    auto results = s->s->run(feeds, fetches, tg_targets);
    std::vector<std::unique_ptr<tg_Tensor>> made;
    for (auto& r : results) made.push_back(std::make_unique<tg_Tensor>(tg_Tensor{std::move(r)}));
    for (int i = 0; i < noutputs; ++i) output_values[i] = made[static_cast<size_t>(i)].release();
  });
}

tg_Tensor* tg_SessionVariableValue(tg_Session* s, tg_Output variable, tg_Status* status) {
  return guard<tg_Tensor*>(status, nullptr, [&] {
    require_handle(s, "tg_SessionVariableValue", "the session");
    return new_tensor(s->s->variable_value(output_of(*s->graph, variable, "tg_SessionVariableValue", "the variable")));
  });
}

void tg_SessionSetVariableValue(tg_Session* s, tg_Output variable, const tg_Tensor* value, tg_Status* status) {
  guard_void(status, [&] {
    const char* call = "tg_SessionSetVariableValue";
    require_handle(s, call, "the session");
    Output v = output_of(*s->graph, variable, call, "the variable");
    s->s->set_variable_value(v, tensor_arg(value, call, "the value").clone());
  });
}

// ---- checkpoints ----

void tg_SaveCheckpoint(tg_Session* s, const char* path, tg_Status* status) {
  guard_void(status, [&] {
    require_handle(s, "tg_SaveCheckpoint", "the session");
    require_handle(path, "tg_SaveCheckpoint", "the path");
    save_checkpoint(*s->s, s->graph->variables(), path);
  });
}

void tg_RestoreCheckpoint(tg_Session* s, const char* path, tg_Status* status) {
  guard_void(status, [&] {
    require_handle(s, "tg_RestoreCheckpoint", "the session");
    require_handle(path, "tg_RestoreCheckpoint", "the path");
    restore_checkpoint(*s->s, s->graph->variables(), path);
  });
}

}  // extern "C"
