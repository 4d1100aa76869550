// The feature-column ops against hand-worked values.
#include <gtest/gtest.h>

#include "graph/ops.h"
#include "graph/ops/feature.h"
#include "runtime/session.h"

namespace tg {
namespace {

Tensor strings(std::vector<std::string> v) {
  Tensor t(DType::String, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<std::string>()[i] = v[i];
  return t;
}

std::vector<int64_t> run_ids(Graph& g, Output ids, FeedList feeds = {}) {
  Session s(g);
  return s.run(feeds, {ids})[0].to_vector<int64_t>();
}

TEST(FeatureOps, BucketizeCountsBoundariesAtOrBelow) {
  Graph g;
  Output x = ops::constant(g, Tensor::from_vector<float>({6}, {-5, 0, 3, 10, 11, 9.99f}));
  EXPECT_EQ(run_ids(g, ops::bucketize(x, {0, 10})), (std::vector<int64_t>{0, 1, 1, 2, 2, 1}));
  EXPECT_THROW(ops::bucketize(x, {10, 0}), Error);
}

TEST(FeatureOps, VocabularyLookupWithOutOfVocabularyBuckets) {
  Graph g;
  Output x = ops::placeholder(g, DType::String, {-1}, "borough");
  Output ids = ops::vocabulary_lookup(x, {"Manhattan", "Queens", "Brooklyn"}, 2);
  auto got = run_ids(g, ids, {{x, strings({"Queens", "Manhattan", "Brooklyn", "Bronx", "Bronx"})}});
  EXPECT_EQ(std::vector<int64_t>(got.begin(), got.begin() + 3), (std::vector<int64_t>{1, 0, 2}));
  EXPECT_TRUE(got[3] == 3 || got[3] == 4);
  EXPECT_EQ(got[3], got[4]);
  Output strict = ops::vocabulary_lookup(x, {"Manhattan"}, 0, "strict");
  Session s(g);
  try {
    s.run({{x, strings({"Bronx"})}}, {strict});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'Bronx' is not in the vocabulary"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'strict'"), std::string::npos) << e.what();
  }
}

TEST(FeatureOps, HashesAreStableAndInRange) {
  Graph g;
  Output x = ops::constant(g, strings({"a", "b", "a", "zebra"}));
  auto ids = run_ids(g, ops::hash_bucket(x, 7));
  EXPECT_EQ(ids[0], ids[2]);
  for (int64_t id : ids) EXPECT_TRUE(id >= 0 && id < 7);
  // FNV-1a("a") = 0xaf63dc4c8601ec8c; modulo 7 is fixed forever.
  EXPECT_EQ(ids[0], static_cast<int64_t>(0xaf63dc4c8601ec8cull % 7));
  Output y = ops::constant(g, Tensor::from_vector<int64_t>({4}, {1, 2, 1, 2}));
  Output z = ops::constant(g, Tensor::from_vector<int64_t>({4}, {5, 5, 5, 6}));
  auto crossed = run_ids(g, ops::cross_hash({y, z}, 1000));
  EXPECT_EQ(crossed[0], crossed[2]);
  EXPECT_NE(crossed[0], crossed[1]);
  EXPECT_NE(crossed[1], crossed[3]);
}

TEST(FeatureOps, IdentityIdsUseTheDefaultOrFail) {
  Graph g;
  Output x = ops::constant(g, Tensor::from_vector<int64_t>({3}, {0, 4, 9}));
  EXPECT_EQ(run_ids(g, ops::check_ids(x, 5, 0)), (std::vector<int64_t>{0, 4, 0}));
  Output strict = ops::check_ids(x, 5);
  Session s(g);
  EXPECT_THROW(s.run(FeedList{}, {strict}), Error);
}

}  // namespace
}  // namespace tg
