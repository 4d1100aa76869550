#include "graph/serialize.h"

#include <map>

#include "base/error.h"
#include "graph/op_registry.h"

namespace tg {

using Json = nlohmann::json;

namespace {

// Names come from a file: quoted in errors, never more than their first 100 bytes.
std::string clip_name(const std::string& s) { return s.size() <= 100 ? s : cat(s.substr(0, 100), "... (", s.size(), " bytes)"); }

Json tensor_to_json(const Tensor& t) {
  Json j{{"dtype", dtype_name(t.dtype())}, {"shape", t.shape().dims()}};
  Json v = Json::array();
  if (t.dtype() == DType::String) {
    for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.data<std::string>()[i]);
  } else {
    visit_dtype(t.dtype(), [&](auto z) {
      using T = decltype(z);
      for (int64_t i = 0; i < t.num_elements(); ++i) v.push_back(t.data<T>()[i]);
    });
  }
  j["values"] = v;
  return j;
}

Tensor tensor_from_json(const Json& j) {
  DType dt = dtype_from_name(j.at("dtype").get<std::string>());
  Shape s(j.at("shape").get<std::vector<int64_t>>());
  TG_CHECK(s.is_fully_defined() && s.num_elements() < (int64_t{1} << 31), "bad constant shape ", s.to_string());
  const Json& v = j.at("values");
  TG_CHECK(v.is_array() && static_cast<int64_t>(v.size()) == s.num_elements(), "a constant of shape ", s.to_string(),
           " holds ", v.size(), " values");
  Tensor t(dt, s);
  if (dt == DType::String) {
    for (int64_t i = 0; i < s.num_elements(); ++i) t.data<std::string>()[i] = v[static_cast<size_t>(i)].get<std::string>();
  } else {
    visit_dtype(dt, [&](auto z) {
      using T = decltype(z);
      for (int64_t i = 0; i < s.num_elements(); ++i) t.data<T>()[i] = v[static_cast<size_t>(i)].get<T>();
    });
  }
  return t;
}

Json attr_to_json(const AttrValue& a) {
  return std::visit(
      [](const auto& v) -> Json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, int64_t>) return {{"int", v}};
        else if constexpr (std::is_same_v<V, double>) return {{"float", v}};
        else if constexpr (std::is_same_v<V, bool>) return {{"bool", v}};
        else if constexpr (std::is_same_v<V, std::string>) return {{"string", v}};
        else if constexpr (std::is_same_v<V, std::vector<int64_t>>) return {{"ints", v}};
        else if constexpr (std::is_same_v<V, std::vector<double>>) return {{"floats", v}};
        else if constexpr (std::is_same_v<V, std::vector<std::string>>) return {{"strings", v}};
        else if constexpr (std::is_same_v<V, DType>) return {{"dtype", dtype_name(v)}};
        else if constexpr (std::is_same_v<V, Shape>) return {{"shape", v.dims()}};
        else return {{"tensor", tensor_to_json(v)}};
      },
      a);
}

AttrValue attr_from_json(const Json& j) {
  TG_CHECK(j.is_object() && j.size() == 1, "an attribute must be an object with one typed value");
  // Not `*j.items().begin()`: a structured binding to it refers into a destroyed temporary.
  const std::string& kind = j.begin().key();
  const Json& v = j.begin().value();
  if (kind == "int") return v.get<int64_t>();
  if (kind == "float") return v.get<double>();
  if (kind == "bool") return v.get<bool>();
  if (kind == "string") return v.get<std::string>();
  if (kind == "ints") return v.get<std::vector<int64_t>>();
  if (kind == "floats") return v.get<std::vector<double>>();
  if (kind == "strings") return v.get<std::vector<std::string>>();
  if (kind == "dtype") return dtype_from_name(v.get<std::string>());
  if (kind == "shape") return Shape(v.get<std::vector<int64_t>>());
  if (kind == "tensor") return tensor_from_json(v);
  fail("unknown attribute kind '", clip_name(kind), "'");
}

}  // namespace

Json serialize_graph(const std::vector<Output>& outputs) {
  TG_CHECK(!outputs.empty(), "serialize_graph: no outputs");
  const Graph& g = outputs[0].graph();
  std::vector<bool> needed(static_cast<size_t>(g.num_nodes()), false);
  std::vector<const Node*> stack;
  for (const auto& o : outputs) stack.push_back(o.node);
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    if (needed[static_cast<size_t>(n->id)]) continue;
    needed[static_cast<size_t>(n->id)] = true;
    for (const auto& in : n->inputs) stack.push_back(in.node);
  }
  Json nodes = Json::array();
  for (const auto& n : g.nodes()) {
    if (!needed[static_cast<size_t>(n->id)]) continue;
    Json j{{"name", n->name}, {"op", n->op}};
    Json inputs = Json::array();
    for (const auto& in : n->inputs) inputs.push_back(in.name());
    j["inputs"] = inputs;
    Json attrs = Json::object();
    for (const auto& [k, v] : n->attrs.items()) attrs[k] = attr_to_json(v);
    j["attrs"] = attrs;
    nodes.push_back(j);
  }
  return nodes;
}

void deserialize_graph(const Json& nodes, Graph& g, size_t max_name_bytes) {
  TG_CHECK(nodes.is_array(), "the graph must be an array of nodes");
  auto check_name = [&](const std::string& what, const std::string& s) {
    TG_CHECK(s.size() <= max_name_bytes, what, " of ", s.size(), " bytes (the limit is ", max_name_bytes, "): '",
             clip_name(s), "'");
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Json& j = nodes[i];
    std::string name = "#" + std::to_string(i);
    try {
      TG_CHECK(j.is_object(), "a node must be an object");
      name = j.value("name", name);
      check_name("a node name", name);
      std::string op = j.at("op").get<std::string>();
      check_name("an op name", op);
      TG_CHECK(has_op(op), "unknown op '", clip_name(op), "'");
      std::vector<Output> inputs;
      for (const auto& in : j.at("inputs")) {
        check_name("an input name", in.get<std::string>());
        inputs.push_back(g.output_by_name(in.get<std::string>()));
      }
      Attrs attrs;
      for (auto it = j.at("attrs").begin(); it != j.at("attrs").end(); ++it) {
        check_name("an attribute name", it.key());
        attrs.set(it.key(), attr_from_json(it.value()));
      }
      Node* n = g.add_node(op, std::move(inputs), std::move(attrs), name);
      TG_CHECK(n->name == name, "the name '", clip_name(name), "' appears twice");
    } catch (const Json::exception& e) {
      fail("graph node '", clip_name(name), "': ", e.what());
    } catch (const Error& e) {
      std::string m = e.what();
      if (m.rfind("node '", 0) == 0) throw;
      fail("graph node '", clip_name(name), "': ", m);
    }
  }
}

}  // namespace tg
