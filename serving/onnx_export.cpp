#include "serving/onnx_export.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <fstream>
#include <map>

#include "base/activations.h"
#include "base/error.h"

namespace tg::serving {

namespace {

// The activations (base/activations.h) as the export needs them.
struct ActivationRow {
  const char* name;
  const char* op;
  double alpha;      // the op's default "alpha"
  const char* onnx;  // "" = composed from other ONNX ops (Converter::compose)
};
#define TG_ACT_ONNX(e, name, op, alpha, dnnl, dnnl_a, lt, cudnn, onnx, reads) ActivationRow{name, op, alpha, onnx},
constexpr ActivationRow kActivations[] = {TG_ACTIVATIONS(TG_ACT_ONNX)};
#undef TG_ACT_ONNX

const ActivationRow* activation_of(const std::string& op) {
  for (const ActivationRow& r : kActivations)
    if (op == r.op) return &r;
  return nullptr;
}

int onnx_type(DType t) {
  switch (t) {
    case DType::Float32: return onnx::TensorProto::FLOAT;
    case DType::Float64: return onnx::TensorProto::DOUBLE;
    case DType::Int32: return onnx::TensorProto::INT32;
    case DType::Int64: return onnx::TensorProto::INT64;
    case DType::Bool: return onnx::TensorProto::BOOL;
    case DType::String: return onnx::TensorProto::STRING;
  }
  return 0;
}

void fill_tensor(onnx::TensorProto* p, const std::string& name, const Tensor& t) {
  p->set_name(name);
  p->set_data_type(onnx_type(t.dtype()));
  for (int64_t d : t.shape().dims()) p->add_dims(d);
  TG_CHECK(t.dtype() != DType::String, "ONNX export: string constants are not supported ('", name, "')");
  p->set_raw_data(std::string(static_cast<const char*>(t.raw()), t.bytes()));
}

void value_info(onnx::ValueInfoProto* v, const std::string& name, DType t, const Shape& s) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx_type(t));
  for (int64_t d : s.dims()) {
    auto* dim = tt->mutable_shape()->add_dim();
    if (d < 0) dim->set_dim_param("n");
    else dim->set_dim_value(d);
  }
}

class Converter {
 public:
  Converter(Predictor& p, onnx::GraphProto* g) : p_(p), g_(g) {}

  std::string name_of(const Output& o) const {
    auto it = renamed_.find(o.name());
    return it == renamed_.end() ? o.name() : it->second;
  }

  onnx::NodeProto* node(const std::string& op, std::vector<std::string> in, const std::string& out) {
    auto* n = g_->add_node();
    n->set_op_type(op);
    n->set_name(out);
    for (auto& i : in) n->add_input(i);
    n->add_output(out);
    return n;
  }
  void attr_int(onnx::NodeProto* n, const std::string& k, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  void attr_float(onnx::NodeProto* n, const std::string& k, double v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::FLOAT);
    a->set_f(static_cast<float>(v));
  }
  void attr_ints(onnx::NodeProto* n, const std::string& k, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(k);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
  }
  // An activation: its ONNX op (with "alpha" where ONNX's op takes one), or a composition.
  void activation(const ActivationRow& act, const Attrs& a, const std::string& x, const std::string& out) {
    std::string onnx_op = act.onnx;
    if (onnx_op.empty()) return compose(act.name, x, out);
    onnx::NodeProto* n = node(onnx_op, {x}, out);
    if (onnx_op == "LeakyRelu") attr_float(n, "alpha", a.get_or<double>("alpha", act.alpha));
    if (onnx_op == "Elu") attr_float(n, "alpha", 1.0);
  }
  // Activations without an op in ONNX opset 17, written with the ops it has.
  void compose(const std::string& name, const std::string& x, const std::string& out) {
    auto c = [&](const char* what, float v) { return scalar(out + "/" + what, v); };
    auto op = [&](const char* type, std::vector<std::string> in, const char* what) {
      return node(type, std::move(in), out + "/" + what)->output(0);
    };
    if (name == "silu") {  // x * sigmoid(x)
      node("Mul", {x, op("Sigmoid", {x}, "sigmoid")}, out);
    } else if (name == "gelu") {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
      std::string cube = op("Mul", {x, op("Mul", {x, x}, "x2")}, "x3");
      std::string inner = op("Mul", {c("k", 0.7978845608f), op("Add", {x, op("Mul", {c("a", 0.044715f), cube}, "ax3")}, "sum")}, "u");
      node("Mul", {op("Mul", {c("half", 0.5f), x}, "hx"), op("Add", {c("one", 1.f), op("Tanh", {inner}, "tanh")}, "1t")}, out);
    } else if (name == "gelu_erf") {  // 0.5 x (1 + erf(x / sqrt 2))
      std::string e = op("Erf", {op("Mul", {x, c("r", 0.7071067812f)}, "xr")}, "erf");
      node("Mul", {op("Mul", {c("half", 0.5f), x}, "hx"), op("Add", {c("one", 1.f), e}, "1e")}, out);
    } else {
      fail("ONNX export: activation '", name, "' of '", x, "' has no ONNX lowering");
    }
  }
  // A float32 scalar constant as an initializer.
  std::string scalar(const std::string& name, float v) {
    fill_tensor(g_->add_initializer(), name, Tensor::scalar<float>(v));
    return name;
  }

  // An int64 constant as an initializer (shapes, axes, slice bounds).
  std::string ints(const std::string& name, const std::vector<int64_t>& v) {
    fill_tensor(g_->add_initializer(), name, Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v));
    return name;
  }

  void convert(const Node& n) {
    std::vector<std::string> in;
    for (const auto& i : n.inputs) in.push_back(name_of(i));
    const std::string out = n.name;
    const std::string& op = n.op;
    const Attrs& a = n.attrs;
    static const std::map<std::string, std::string> same = {
        {"Add", "Add"}, {"Sub", "Sub"}, {"Mul", "Mul"}, {"Div", "Div"}, {"Pow", "Pow"}, {"Maximum", "Max"},
        {"Minimum", "Min"}, {"Neg", "Neg"}, {"Sqrt", "Sqrt"}, {"Exp", "Exp"}, {"Log", "Log"}, {"Abs", "Abs"},
        {"Floor", "Floor"}, {"Equal", "Equal"}, {"Less", "Less"}, {"Greater", "Greater"}, {"Select", "Where"},
        {"Identity", "Identity"},
        {"StopGradient", "Identity"}, {"BiasAdd", "Add"}};
    if (op == "Placeholder") {
      if (n.out_shapes[0].rank() == 0) {  // the training flag: a constant 0 in the ONNX model
        fill_tensor(g_->add_initializer(), out, Tensor::scalar<float>(0));
        return;
      }
      // Inputs keep the signature's names, as requests to the server use them.
      std::string name = out;
      for (const auto& spec : p_.inputs())
        if (spec.node == n.name) name = spec.name;
      renamed_[out] = name;
      value_info(g_->add_input(), name, n.out_dtypes[0], n.out_shapes[0]);
    } else if (op == "Const") {
      fill_tensor(g_->add_initializer(), out, a.get<Tensor>("value"));
    } else if (op == "Variable") {
      fill_tensor(g_->add_initializer(), out, p_.session().variable_value(const_cast<Node&>(n).out()));
    } else if (auto it = same.find(op); it != same.end()) {
      node(it->second, in, out);
    } else if (op == "Square") {
      node("Mul", {in[0], in[0]}, out);
    } else if (op == "MatMul") {
      node("Gemm", in, out);
      attr_int(g_->mutable_node(g_->node_size() - 1), "transA", a.get_or<bool>("transpose_a", false));
      attr_int(g_->mutable_node(g_->node_size() - 1), "transB", a.get_or<bool>("transpose_b", false));
    } else if (const ActivationRow* act = activation_of(op)) {
      activation(*act, a, in[0], out);
    } else if (op == "Softmax" || op == "LogSoftmax") {
      attr_int(node(op, in, out), "axis", -1);
    } else if (op == "Reshape") {
      node("Reshape", {in[0], ints(out + "/shape", a.get<std::vector<int64_t>>("shape"))}, out);
    } else if (op == "Concat") {
      attr_int(node("Concat", in, out), "axis", a.get<int64_t>("axis"));
    } else if (op == "Transpose") {
      attr_ints(node("Transpose", in, out), "perm", a.get<std::vector<int64_t>>("perm"));
    } else if (op == "Slice") {
      auto begin = a.get<std::vector<int64_t>>("begin"), size = a.get<std::vector<int64_t>>("size");
      std::vector<int64_t> end;
      for (size_t i = 0; i < begin.size(); ++i) end.push_back(size[i] < 0 ? INT64_MAX : begin[i] + size[i]);
      node("Slice", {in[0], ints(out + "/starts", begin), ints(out + "/ends", end)}, out);
    } else if (op == "Gather") {
      attr_int(node("Gather", in, out), "axis", 0);
    } else if (op == "Cast") {
      attr_int(node("Cast", in, out), "to", onnx_type(a.get<DType>("dtype")));
    } else if (op == "ArgMax") {
      auto* nd = node("ArgMax", in, out);
      attr_int(nd, "axis", a.get<int64_t>("axis"));
      attr_int(nd, "keepdims", 0);
    } else if (op == "ReduceSum" || op == "ReduceMean" || op == "ReduceMax" || op == "ReduceMin") {
      auto axes = a.get<std::vector<int64_t>>("axes");
      onnx::NodeProto* nd;
      if (op == "ReduceSum") {
        std::vector<std::string> args{in[0]};
        if (!axes.empty()) args.push_back(ints(out + "/axes", axes));
        nd = node("ReduceSum", args, out);
      } else {
        nd = node(op, in, out);
        if (!axes.empty()) attr_ints(nd, "axes", axes);
      }
      attr_int(nd, "keepdims", a.get<bool>("keep_dims") ? 1 : 0);
    } else if (op == "OneHot") {
      Tensor values = Tensor::from_vector<float>({2}, {static_cast<float>(a.get<double>("off")), static_cast<float>(a.get<double>("on"))});
      fill_tensor(g_->add_initializer(), out + "/values", values);
      auto* nd = node("OneHot", {in[0], ints(out + "/depth", {a.get<int64_t>("depth")}), out + "/values"}, out);
      attr_int(nd, "axis", -1);
    } else {
      fail("ONNX export: op ", op, " (node '", n.name, "') has no ONNX equivalent here; see serving/onnx_export.h");
    }
  }

 private:
  Predictor& p_;
  onnx::GraphProto* g_;
  std::map<std::string, std::string> renamed_;
};

}  // namespace

void export_onnx(Predictor& p, const std::string& path) {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.set_producer_name("tensorgraph");
  model.set_producer_version("0.1.0");
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(17);
  onnx::GraphProto* g = model.mutable_graph();
  g->set_name("tensorgraph_model");
  Converter conv(p, g);
  // Timestamps are parsed from strings in the graph; ONNX has no such op. Refused by name
  // before anything else is converted (its string input would fail less clearly).
  for (const auto& n : p.graph().nodes())
    if (n->op == "TimestampPart")
      fail("ONNX export: the timestamp feature '", n->name, "' (op TimestampPart, parsing '", n->inputs[0].node->name,
           "' strings into calendar parts) has no ONNX equivalent; serve this model with tg serve, or train one "
           "without datetime features to export it to ONNX");
  for (const auto& n : p.graph().nodes()) conv.convert(*n);
  // Graph outputs carry the signature's names through Identity nodes.
  for (const auto& o : p.outputs()) {
    Output src = p.graph().output_by_name(o.node);
    conv.node("Identity", {conv.name_of(src)}, o.name);
    value_info(g->add_output(), o.name, o.dtype, o.shape);
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    fail("ONNX export: the checker rejects the model: ", e.what());
  }
  std::ofstream f(path, std::ios::binary);
  TG_CHECK(f.good() && model.SerializeToOstream(&f), "cannot write '", path, "'");
}

}  // namespace tg::serving
