#include <gtest/gtest.h>

#include "base/attrs.h"
#include "base/tensor.h"

namespace tg {
namespace {

TEST(Shape, BroadcastsLikeNumpyWithUnknownDims) {
  Shape out;
  ASSERT_TRUE(broadcast_shapes({2, 1, 3}, {4, 1}, &out));
  EXPECT_EQ(out, (Shape{2, 4, 3}));
  ASSERT_TRUE(broadcast_shapes({-1, 6}, {6}, &out));
  EXPECT_EQ(out, (Shape{-1, 6}));
  ASSERT_TRUE(broadcast_shapes({-1, 1}, {1, 5}, &out));
  EXPECT_EQ(out, (Shape{-1, 5}));
  EXPECT_FALSE(broadcast_shapes({2, 3}, {4}, &out));
  EXPECT_EQ((Shape{-1, 6}).to_string(), "[-1, 6]");
  EXPECT_TRUE((Shape{-1, 6}).compatible_with({128, 6}));
  EXPECT_FALSE((Shape{-1, 6}).compatible_with({128, 5}));
}

TEST(Tensor, HoldsEveryDtype) {
  EXPECT_EQ(Tensor::scalar<int32_t>(7).scalar_as_double(), 7);
  EXPECT_EQ(Tensor::scalar<int64_t>(-3).scalar_as_double(), -3);
  EXPECT_EQ(Tensor::scalar<bool>(true).scalar_as_double(), 1);
  EXPECT_EQ(Tensor::scalar<double>(2.5).scalar_as_double(), 2.5);
  Tensor s(DType::String, {2});
  s.data<std::string>()[0] = "Manhattan";
  Tensor copy = s.clone();
  s.data<std::string>()[0] = "Queens";
  EXPECT_EQ(copy.data<std::string>()[0], "Manhattan");
  EXPECT_THROW(s.data<float>(), Error);
  EXPECT_EQ(dtype_from_name("int64"), DType::Int64);
  EXPECT_THROW(dtype_from_name("float16"), Error);
}

TEST(Tensor, ViewsShareTheBuffer) {
  Tensor t = Tensor::from_vector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor v = t.with_shape({3, 2});
  v.data<float>()[0] = 10;
  EXPECT_EQ(t.data<float>()[0], 10);
  EXPECT_THROW(t.with_shape({4, 2}), Error);
  EXPECT_THROW(Tensor(DType::Float32, {-1, 2}), Error);
}

// Memory that host code must not touch, as a device's allocator hands out: here host memory
// that counts the zeroing it was asked to do itself.
class DeviceLikeAllocator : public Allocator {
 public:
  void* allocate(size_t bytes) override { return default_allocator()->allocate(bytes); }
  void deallocate(void* p, size_t bytes) override { default_allocator()->deallocate(p, bytes); }
  bool host_accessible() const override { return false; }
  void zero(void* p, size_t bytes) override {
    ++zeroed;
    default_allocator()->zero(p, bytes);
  }
  int zeroed = 0;
};

TEST(Tensor, DeviceMemoryIsNeverTouchedByTheHost) {
  DeviceLikeAllocator dev;
  Tensor t(DType::Float32, {2, 2}, &dev);
  EXPECT_EQ(dev.zeroed, 1);  // the allocator zeroes, not a host memset
  EXPECT_FALSE(t.on_host());
  EXPECT_TRUE(Tensor::from_vector<float>({1}, {1}).on_host());
  EXPECT_THROW(t.copy_from(Tensor::from_vector<float>({2, 2}, {1, 2, 3, 4})), Error);
  EXPECT_THROW(t.clone(), Error);
  EXPECT_THROW(t.with_shape({1}).scalar_as_double(), Error);
  EXPECT_NE(t.debug_string().find("in device memory"), std::string::npos);
  EXPECT_THROW(Tensor(DType::String, {2}, &dev), Error);
}

TEST(Attrs, TypedLookupsFailClearly) {
  Attrs a{{"axis", int64_t{1}}, {"name", std::string("x")}};
  EXPECT_EQ(a.get<int64_t>("axis"), 1);
  EXPECT_EQ(a.get_or<double>("alpha", 0.5), 0.5);
  EXPECT_THROW(a.get<double>("axis"), Error);
  EXPECT_THROW(a.get<int64_t>("missing"), Error);
}

}  // namespace
}  // namespace tg
