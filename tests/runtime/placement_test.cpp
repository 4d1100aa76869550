// Placement: the rules of runtime/placement.h on an inventory with a GPU (whether or not this
// machine has one: placement only decides), and sessions on a machine or session without GPUs.
#include <gtest/gtest.h>

#include "graph/gradients.h"
#include "graph/ops.h"
#include "graph/ops/feature.h"
#include "graph/optimizers.h"
#include "runtime/device.h"
#include "runtime/plan.h"
#include "runtime/session.h"

namespace tg {
namespace {

const DeviceId kCpu{DeviceType::CPU, 0};
const DeviceId kGpu{DeviceType::CUDA, 0};

// Placement with one GPU, as on a machine that has one.
std::vector<DeviceId> place_with_gpu(const std::vector<const Node*>& nodes, bool soft = true,
                                     std::function<std::optional<DeviceId>(const Node*)> vars = nullptr) {
  PlacementOptions o;
  o.soft_placement = soft;
  DeviceInventory inv;
  inv.num_gpus = 1;
  inv.variable_device = std::move(vars);
  return place_nodes(nodes, o, inv);
}

class PlacementWithGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!find_kernel("MatMul", DeviceType::CUDA, DType::Float32))
      GTEST_SKIP() << "this build has no CUDA kernels (built without nvcc)";
  }
  Graph g;
};

TEST_F(PlacementWithGpu, OpsWithACudaKernelGoToTheGpuOthersToTheCpu) {
  Output x = ops::placeholder(g, DType::Float32, {-1, 3});
  Output w = ops::constant(g, Tensor::from_vector<float>({3, 2}, {1, 2, 3, 4, 5, 6}));
  Output y = ops::relu(ops::matmul(x, w));
  Output b = ops::bucketize(y, {0.5, 1.5});        // no CUDA kernel
  Output s = ops::placeholder(g, DType::String, {-1});
  Output h = ops::hash_bucket(s, 10);               // strings stay on the CPU
  auto d = place_with_gpu({w.node, y.node->inputs[0].node, y.node, b.node, h.node});
  EXPECT_EQ(d[0], kCpu);  // constants are host values, copied to their readers
  EXPECT_EQ(d[1], kGpu);
  EXPECT_EQ(d[2], kGpu);
  EXPECT_EQ(d[3], kCpu);
  EXPECT_EQ(d[4], kCpu);
}

TEST_F(PlacementWithGpu, AnExplicitScopeWins) {
  Output x = ops::placeholder(g, DType::Float32, {2, 2});
  Output y;
  {
    auto scope = g.device("/cpu:0");
    y = ops::matmul(x, x);
  }
  EXPECT_EQ(place_with_gpu({y.node})[0], kCpu);
}

TEST_F(PlacementWithGpu, AGpuScopeOverAnOpWithoutCudaKernelFallsBackOrFails) {
  Output x = ops::placeholder(g, DType::Float32, {4});
  Output b;
  {
    auto scope = g.device("/gpu:0");
    b = ops::bucketize(x, {0.0});
  }
  EXPECT_EQ(place_with_gpu({b.node}, true)[0], kCpu);
  try {
    place_with_gpu({b.node}, false);
    FAIL() << "a hard request that cannot be honoured must fail";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(b.node->name), std::string::npos) << m;
    EXPECT_NE(m.find("has no CUDA kernel"), std::string::npos) << m;
  }
}

// Kernels are chosen by input 0's dtype: Select's is its bool condition. Its string values
// cannot be on a GPU, so it runs on the CPU; a numeric Select still goes to the GPU.
TEST_F(PlacementWithGpu, AnOpWithAStringInputOrOutputStaysOnTheCpu) {
  Output x = ops::placeholder(g, DType::Float32, {-1});
  Output cond = ops::greater(x, ops::scalar(g, 0.0));
  Output a = ops::placeholder(g, DType::String, {-1});
  Output b = ops::placeholder(g, DType::String, {-1});
  Output strings = ops::select(cond, a, b);
  Output numbers = ops::select(cond, x, x);
  auto d = place_with_gpu({strings.node, numbers.node});
  EXPECT_EQ(d[0], kCpu);
  EXPECT_EQ(d[1], kGpu);
  Output hard;
  {
    auto scope = g.device("/gpu:0");
    hard = ops::select(cond, a, b);
  }
  EXPECT_EQ(place_with_gpu({hard.node}, true)[0], kCpu);
  try {
    place_with_gpu({hard.node}, false);
    FAIL() << "strings cannot be placed on a GPU";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(hard.node->name), std::string::npos) << m;
    EXPECT_NE(m.find("string inputs or outputs"), std::string::npos) << m;
  }
}

TEST_F(PlacementWithGpu, AMissingGpuFallsBackOrFails) {
  Output x = ops::placeholder(g, DType::Float32, {2, 2});
  Output y;
  {
    auto scope = g.device("/device:GPU:3");
    y = ops::matmul(x, x);
  }
  EXPECT_EQ(place_with_gpu({y.node}, true)[0], kGpu);  // soft: the default rules
  EXPECT_THROW(place_with_gpu({y.node}, false), Error);
  try {
    place_with_gpu({y.node}, false);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/gpu:3 does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(PlacementWithGpu, VariablesStayWhereTheyLiveAndUpdatesFollowThem) {
  Output v = ops::variable(g, {3}, DType::Float32, ops::Initializer::zeros(), "v");
  Output upd = ops::assign_add(v, ops::constant(g, Tensor::from_vector<float>({3}, {1, 2, 3})));
  auto fresh = place_with_gpu({v.node, upd.node});
  EXPECT_EQ(fresh[0], kGpu);
  EXPECT_EQ(fresh[1], kGpu);
  // A variable whose state already lives on the CPU stays there, and so does its update.
  auto on_cpu = place_with_gpu({v.node, upd.node}, true, [](const Node*) { return std::optional<DeviceId>(kCpu); });
  EXPECT_EQ(on_cpu[0], kCpu);
  EXPECT_EQ(on_cpu[1], kCpu);
}

TEST_F(PlacementWithGpu, GradientNodesFollowTheirForwardNode) {
  Output x = ops::placeholder(g, DType::Float32, {2, 2});
  Output w = ops::constant(g, Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4}));
  Output y;
  {
    auto scope = g.device("/cpu:0");
    y = ops::matmul(x, w);
  }
  Output grad = gradients({ops::reduce_sum(y)}, {x})[0];
  EXPECT_EQ(grad.node->device, "/cpu:0");
  EXPECT_EQ(place_with_gpu({grad.node})[0], kCpu);
}

TEST(Placement, UnknownDeviceNamesAreErrors) {
  EXPECT_EQ(*parse_device("/device:GPU:1"), (DeviceId{DeviceType::CUDA, 1}));
  EXPECT_EQ(*parse_device("/cpu:0"), kCpu);
  EXPECT_EQ(*parse_device("gpu"), kGpu);
  EXPECT_FALSE(parse_device("").has_value());
  EXPECT_THROW(parse_device("/tpu:0"), Error);
  EXPECT_THROW(parse_device("/gpu:x"), Error);
}

// A graph asking for a GPU, in a session that has none: it runs on the CPU, same result.
TEST(Placement, WithoutAGpuEverythingRunsOnTheCpu) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {2, 2}, "x");
  Output y;
  {
    auto scope = g.device("/gpu:0");
    y = ops::relu(ops::matmul(x, x));
  }
  SessionOptions o;
  o.use_gpus = false;
  o.log_device_placement = true;
  Session sess(g, o);
  Tensor out = sess.run({{x, Tensor::from_vector<float>({2, 2}, {1, -2, 3, 4})}}, {y})[0];
  EXPECT_EQ(out.to_vector<float>(), (std::vector<float>{0, 0, 15, 10}));
  ASSERT_FALSE(sess.last_plan()->placements().empty());
  for (const auto& [name, dev] : sess.last_plan()->placements()) EXPECT_EQ(dev, "/cpu:0") << name;
  EXPECT_EQ(sess.last_plan()->num_copies(), 0);
}

TEST(Placement, AHardGpuRequestWithoutSoftPlacementIsAClearError) {
  Graph g;
  Output x = ops::placeholder(g, DType::Float32, {2, 2}, "x");
  Output y;
  {
    auto scope = g.device("/gpu:0");
    y = ops::matmul(x, x, false, false, "product");
  }
  SessionOptions o;
  o.use_gpus = false;
  o.soft_placement = false;
  Session sess(g, o);
  try {
    sess.run({{x, Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4})}}, {y});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("'product'"), std::string::npos) << m;
    EXPECT_NE(m.find("'/gpu:0'"), std::string::npos) << m;
    EXPECT_NE(m.find("there is no GPU"), std::string::npos) << m;
  }
}

// The machine itself: a CUDA runtime without a GPU (or a driver) means zero GPUs, not a failure.
TEST(Devices, NoGpuMeansZeroDevicesAndTheCpuRunsEverything) {
  if (!cuda_devices().empty()) GTEST_SKIP() << "this machine has a GPU";
  EXPECT_FALSE(cuda_unavailable_reason().empty());
  EXPECT_EQ(find_device(kGpu), nullptr);
  Graph g;
  Output v = ops::variable(g, {2}, DType::Float32, ops::Initializer::ones(), "v");
  Output step = ops::assign_add(v, ops::constant(g, Tensor::from_vector<float>({2}, {1, 2})));
  Session sess(g);
  sess.run(ops::global_variables_initializer(g));
  sess.run(FeedList{}, {}, {step.node});
  EXPECT_EQ(sess.variable_value(v).to_vector<float>(), (std::vector<float>{2, 3}));
  for (const auto& [name, dev] : sess.last_plan()->placements()) EXPECT_EQ(dev, "/cpu:0") << name;
}

// Discovery that throws (a GPU that cannot be opened) means zero GPUs with the reason kept,
// the same answer every time -- never an exception at each later use.
TEST(Devices, ADiscoveryFailureMeansZeroGpusWithTheReason) {
  int calls = 0;
  std::string reason;
  auto devices = discover_devices_safely(
      [&](std::string*) -> std::vector<Device*> {
        ++calls;
        throw Error("CUDA error 'out of memory' in cudaStreamCreateWithFlags");
      },
      &reason);
  EXPECT_TRUE(devices.empty());
  EXPECT_EQ(calls, 1);
  EXPECT_NE(reason.find("opening the GPUs failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("cudaStreamCreateWithFlags"), std::string::npos) << reason;
  std::string other;
  EXPECT_TRUE(discover_devices_safely([](std::string*) -> std::vector<Device*> { throw 42; }, &other).empty());
  EXPECT_NE(other.find("unknown exception"), std::string::npos) << other;
  // And the inventory itself answers the same way at every call.
  EXPECT_EQ(cuda_devices().size(), cuda_devices().size());
  EXPECT_EQ(cuda_unavailable_reason(), cuda_unavailable_reason());
}

}  // namespace
}  // namespace tg
