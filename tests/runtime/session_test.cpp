// Session behaviour: feed and fetch errors naming the node, plan caching, steady-state runs
// without allocations, a growing graph, variables, fusion and placement.
#include <gtest/gtest.h>

#include <functional>

#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/optimizers.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg {
namespace {

// Runs f and returns the tg::Error message it throws (fails the test if it throws none).
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a tg::Error";
  return "";
}

Tensor filled(DType t, Shape s, double v) {
  Tensor x(t, s);
  visit_dtype(t, [&](auto z) {
    for (auto& e : x.flat<decltype(z)>()) e = static_cast<decltype(z)>(v);
  });
  return x;
}

TEST(SessionErrors, ShapeMismatchAtBuildTimeNamesNodeOpAndShapes) {
  Graph g;
  Output a = ops::placeholder(g, DType::Float32, {2, 3}, "a");
  Output b = ops::placeholder(g, DType::Float32, {4, 5}, "b");
  std::string m = error_of([&] { ops::matmul(a, b, false, false, "product"); });
  EXPECT_NE(m.find("'product'"), std::string::npos) << m;
  EXPECT_NE(m.find("MatMul"), std::string::npos) << m;
  EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
  EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  m = error_of([&] { ops::add(a, b, "sum"); });
  EXPECT_NE(m.find("'sum'"), std::string::npos) << m;
  EXPECT_NE(m.find("broadcast"), std::string::npos) << m;
  try {
    ops::matmul(a, b, false, false, "bad_product");
    FAIL() << "no throw";
  } catch (const Error& e) {  // the context is in fields too, not only in the message
    EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
    EXPECT_EQ(e.context().node, "bad_product");
    EXPECT_EQ(e.context().op, "MatMul");
  }
}

TEST(SessionErrors, UninitializedVariableIsAFailedPrecondition) {
  Graph g;
  Output v = ops::variable(g, {2}, DType::Float32, ops::Initializer::zeros(), "v");
  Session s(g);
  try {
    s.run(FeedList{}, {v});
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::FailedPrecondition) << e.what();
    EXPECT_NE(std::string(e.what()).find("'v'"), std::string::npos) << e.what();
    EXPECT_EQ(e.context().node, "v");
  }
}

TEST(SessionErrors, FeedErrorsNameThePlaceholderInTheirContext) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 2}, "features");
  Output y = ops::relu(x);
  Session s(g);
  for (auto run : {std::function<void()>([&] { s.run({{x, Tensor(DType::Float32, {3, 5})}}, {y}); }),
                   std::function<void()>([&] { s.run(FeedList{}, {y}); })}) {
    try {
      run();
      FAIL() << "no throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::InvalidArgument) << e.what();
      EXPECT_EQ(e.context().node, "features") << e.what();
      EXPECT_EQ(e.context().op, "Placeholder") << e.what();
    }
  }
}

TEST(SessionErrors, WrongFeedDtypeNamesPlaceholder) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 2}, "features");
  Output y = ops::relu(x);
  Session s(g);
  std::string m = error_of([&] { s.run({{x, filled(DType::Float64, {3, 2}, 1)}}, {y}); });
  EXPECT_NE(m.find("'features'"), std::string::npos) << m;
  EXPECT_NE(m.find("float32"), std::string::npos) << m;
  EXPECT_NE(m.find("float64"), std::string::npos) << m;
}

TEST(SessionErrors, WrongFeedShapeNamesPlaceholder) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 2}, "features");
  Output y = ops::relu(x);
  Session s(g);
  std::string m = error_of([&] { s.run({{x, filled(DType::Float32, {3, 5}, 1)}}, {y}); });
  EXPECT_NE(m.find("'features'"), std::string::npos) << m;
  EXPECT_NE(m.find("[-1, 2]"), std::string::npos) << m;
  EXPECT_NE(m.find("[3, 5]"), std::string::npos) << m;
}

TEST(SessionErrors, MissingFeedNamesPlaceholder) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1, 2}, "features");
  Output y = ops::relu(x, "activation");
  Session s(g);
  std::string m = error_of([&] { s.run(FeedList{}, {y}); });
  EXPECT_NE(m.find("'features'"), std::string::npos) << m;
  EXPECT_NE(m.find("must be fed"), std::string::npos) << m;
}

TEST(SessionErrors, UnknownFetchNamesNode) {
  Graph g;
  ops::scalar(g, 1, DType::Float32, "one");
  Session s(g);
  std::string m = error_of([&] { s.run(std::vector<std::pair<std::string, Tensor>>{}, {"no_such_node"}); });
  EXPECT_NE(m.find("'no_such_node'"), std::string::npos) << m;
  EXPECT_EQ(s.run(std::vector<std::pair<std::string, Tensor>>{}, {"one"})[0].scalar_as_double(), 1);
}

TEST(SessionErrors, KernelFailureNamesNode) {
  Graph g;
  Output table = ops::constant(g, filled(DType::Float32, {3, 2}, 1));
  Output ids = ops::placeholder(g, DType::Int64, {-1}, "ids");
  Output rows = ops::gather(table, ids, "lookup");
  Session s(g);
  std::string m = error_of([&] { s.run({{ids, Tensor::from_vector<int64_t>({2}, {0, 7})}}, {rows}); });
  EXPECT_NE(m.find("'lookup'"), std::string::npos) << m;
  EXPECT_NE(m.find("out of range"), std::string::npos) << m;
}

TEST(SessionErrors, UninitializedVariableIsNamed) {
  Graph g;
  Output w = ops::variable(g, {2}, DType::Float32, ops::Initializer::ones(), "weights");
  Session s(g);
  std::string m = error_of([&] { s.run(FeedList{}, {ops::mul(w, w)}); });
  EXPECT_NE(m.find("'weights'"), std::string::npos) << m;
  s.run(ops::global_variables_initializer(g));
  EXPECT_EQ(s.run(FeedList{}, {w})[0].to_vector<float>(), (std::vector<float>{1, 1}));
}

TEST(SessionErrors, GradientThroughOpWithoutGradientIsNamed) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float64, {3}, "x");
  Output dx = gradients({ops::reduce_sum(ops::relu(x))}, {x})[0];
  std::string m = error_of([&] { gradients({ops::reduce_sum(dx)}, {x}); });
  EXPECT_NE(m.find("ActivationGrad"), std::string::npos) << m;
}

TEST(Session, PlansAreCachedPerSignature) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {-1}, "x");
  Output y = x * 2.0, z = x + 1.0;
  Session s(g);
  Tensor v = Tensor::from_vector<float>({3}, {1, 2, 3});
  s.run({{x, v}}, {y});
  s.run({{x, v}}, {y});
  EXPECT_EQ(s.num_cached_plans(), 1u);
  EXPECT_EQ(s.run({{x, v}}, {z})[0].to_vector<float>(), (std::vector<float>{2, 3, 4}));
  EXPECT_EQ(s.num_cached_plans(), 2u);
}

TEST(Session, GraphMayGrowAfterARun) {
  Graph g;
  Output a = ops::scalar(g, 2, DType::Float64);
  Session s(g);
  EXPECT_EQ(s.run(FeedList{}, {a * 3.0})[0].scalar_as_double(), 6);
  Output later = ops::square(a) + 1.0;  // added after the session ran
  EXPECT_EQ(s.run(FeedList{}, {later})[0].scalar_as_double(), 5);
}

// A small MLP train step, the shape of the estimators' graphs.
struct Mlp {
  Graph g;
  Output x, y, loss;
  Node* train = nullptr;
  Mlp() {
    x = ops::placeholder(g, DType::Float32, {-1, 6}, "x");
    y = ops::placeholder(g, DType::Float32, {-1, 1}, "y");
    Output h = x;
    int64_t in = 6;
    for (int64_t units : {16, 8, 1}) {
      Output w = ops::variable(g, {in, units}, DType::Float32, ops::Initializer::glorot_uniform(1));
      Output b = ops::variable(g, {units}, DType::Float32, ops::Initializer::zeros());
      h = ops::bias_add(ops::matmul(h, w), b);
      if (units != 1) h = ops::relu(h);
      in = units;
    }
    loss = ops::mean_squared_error(y, h);
    AdamOptimizer adam(ops::scalar(g, 0.01));
    train = adam.minimize(loss);
  }
  FeedList batch(int64_t n) {
    Tensor xs(DType::Float32, {n, 6}), ys(DType::Float32, {n, 1});
    for (int64_t i = 0; i < n; ++i) {
      float s = 0;
      for (int j = 0; j < 6; ++j) s += (xs.data<float>()[i * 6 + j] = static_cast<float>((i * 7 + j * 3) % 11) / 11.f);
      ys.data<float>()[i] = s;
    }
    return {{x, xs}, {y, ys}};
  }
};

TEST(Session, SteadyStateRunsAllocateNoIntermediateBuffers) {
  Mlp m;
  CountingAllocator counter;
  SessionOptions o;
  o.allocator = &counter;
  Session s(m.g, o);
  s.run(ops::global_variables_initializer(m.g));
  FeedList b64 = m.batch(64);
  s.run(b64, {m.loss}, {m.train});
  size_t after_first = counter.allocations();
  EXPECT_GT(after_first, 0u);
  for (int i = 0; i < 10; ++i) s.run(b64, {m.loss}, {m.train});
  EXPECT_EQ(counter.allocations(), after_first);
  // A new batch size re-plans once, then is steady again.
  FeedList b32 = m.batch(32);
  s.run(b32, {m.loss}, {m.train});
  size_t after_resize = counter.allocations();
  for (int i = 0; i < 5; ++i) s.run(b32, {m.loss}, {m.train});
  EXPECT_EQ(counter.allocations(), after_resize);
}

TEST(Session, FusedAndUnfusedTrainingAgree) {
  std::vector<float> losses[2];
  for (int fuse = 0; fuse < 2; ++fuse) {
    Mlp m;
    SessionOptions o;
    o.fuse_ops = fuse == 1;
    Session s(m.g, o);
    s.run(ops::global_variables_initializer(m.g));
    for (int i = 0; i < 20; ++i)
      losses[fuse].push_back(static_cast<float>(s.run(m.batch(32), {m.loss}, {m.train})[0].scalar_as_double()));
    EXPECT_EQ(s.last_plan()->num_fused(), fuse ? 3 : 0);
  }
  for (size_t i = 0; i < losses[0].size(); ++i) EXPECT_NEAR(losses[0][i], losses[1][i], 1e-4 * (1 + losses[0][i]));
  EXPECT_LT(losses[1].back(), losses[1].front());
}

TEST(Session, SoftPlacementFallsBackToCpuAndHardRequestFails) {
  Graph g;
  Output x;
  {
    auto dev = g.device("/gpu:0");
    x = ops::scalar(g, 3, DType::Float32) * 2.0;
  }
  Session soft(g);
  EXPECT_EQ(soft.run(FeedList{}, {x})[0].scalar_as_double(), 6);
  SessionOptions hard;
  hard.soft_placement = false;
  Session strict(g, hard);
  std::string m = error_of([&] { strict.run(FeedList{}, {x}); });
  EXPECT_NE(m.find("/gpu:0"), std::string::npos) << m;
}

TEST(Session, AssignmentsUpdateVariablesInPlace) {
  Graph g;
  Output v = ops::variable(g, {2}, DType::Float64, ops::Initializer::constant(5), "v");
  Output delta = ops::constant(g, Tensor::from_vector<double>({2}, {1, 2}));
  Output add = ops::assign_add(v, delta), sub = ops::assign_sub(v, delta);
  Output set = ops::assign(v, ops::constant(g, Tensor::from_vector<double>({2}, {-1, -2})));
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  EXPECT_EQ(s.run(FeedList{}, {add})[0].to_vector<double>(), (std::vector<double>{6, 7}));
  EXPECT_EQ(s.run(FeedList{}, {add})[0].to_vector<double>(), (std::vector<double>{7, 9}));
  EXPECT_EQ(s.run(FeedList{}, {sub})[0].to_vector<double>(), (std::vector<double>{6, 7}));
  EXPECT_EQ(s.run(FeedList{}, {set})[0].to_vector<double>(), (std::vector<double>{-1, -2}));
  EXPECT_EQ(s.variable_value(v).to_vector<double>(), (std::vector<double>{-1, -2}));
}

TEST(Session, DropoutDrawsAFreshScaledMaskEachRun) {
  Graph g;
  Output x = ops::constant(g, filled(DType::Float32, {10000}, 1));
  Output d = ops::dropout(x, 0.25, 3);
  Session s(g);
  auto a = s.run(FeedList{}, {d})[0].to_vector<float>();
  auto b = s.run(FeedList{}, {d})[0].to_vector<float>();
  int zeros = 0, differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(a[i] == 0.f || std::abs(a[i] - 1 / 0.75f) < 1e-6);
    zeros += a[i] == 0.f;
    differ += a[i] != b[i];
  }
  EXPECT_NEAR(zeros / 10000.0, 0.25, 0.02);
  EXPECT_GT(differ, 1000);
  Output same = ops::dropout(x, 0.25, 3, /*training=*/false);
  EXPECT_EQ(s.run(FeedList{}, {same})[0].to_vector<float>(), std::vector<float>(10000, 1.f));
}

TEST(Session, NameScopesPrefixAndUniquifyNames) {
  Graph g;
  Output a, b;
  {
    auto scope = g.name_scope("layer1");
    a = ops::scalar(g, 1, DType::Float32, "w");
    b = ops::scalar(g, 1, DType::Float32, "w");
  }
  EXPECT_EQ(a.node->name, "layer1/w");
  EXPECT_EQ(b.node->name, "layer1/w_1");
  EXPECT_EQ(g.find("layer1/w"), a.node);
}

}  // namespace
}  // namespace tg
