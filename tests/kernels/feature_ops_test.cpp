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

// 2011-01-28 was a Friday, the 28th day of the year; 20:42:59 UTC is 1296247379.
TEST(FeatureOps, TimestampPartsOfEveryForm) {
  Graph g;
  Output x = ops::placeholder(g, DType::String, {-1}, "pickup_datetime");
  std::vector<std::string> forms{"2011-01-28 20:42:59 UTC", "2011-01-28T20:42:59Z", "2011-01-28T20:42:59+01:00",
                                 "1296247379", "2011-01-28 20:42:59", "2012-12-31T23:59:59.250-0500"};
  FeedList feed{{x, strings(forms)}};
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "hour"), feed), (std::vector<int64_t>{20, 20, 20, 20, 20, 23}));
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "dayofweek"), feed), (std::vector<int64_t>{4, 4, 4, 4, 4, 0}));
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "dayofmonth"), feed), (std::vector<int64_t>{28, 28, 28, 28, 28, 31}));
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "month"), feed), (std::vector<int64_t>{1, 1, 1, 1, 1, 12}));
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "dayofyear"), feed), (std::vector<int64_t>{28, 28, 28, 28, 28, 366}));
  // The instant: the +01:00 one is an hour earlier; 2012-12-31 23:59:59 at -05:00 is 2013-01-01 04:59:59 UTC.
  EXPECT_EQ(run_ids(g, ops::timestamp_part(x, "epoch"), feed),
            (std::vector<int64_t>{1296247379, 1296247379, 1296243779, 1296247379, 1296247379, 1357016399}));
  EXPECT_THROW(ops::timestamp_part(x, "week"), Error);
  Output n = ops::constant(g, Tensor::from_vector<float>({1}, {1.f}));
  EXPECT_THROW(ops::timestamp_part(n, "hour"), Error);
}

TEST(FeatureOps, ABadTimestampIsAnErrorNamingIt) {
  Graph g;
  Output x = ops::placeholder(g, DType::String, {-1}, "pickup_datetime");
  Output h = ops::timestamp_part(x, "hour");
  Session s(g);
  for (const char* bad : {"yesterday", "2011-02-30 10:00:00", "2011-01-28 25:00:00", "2011-01-28T20:42:59+1", ""}) {
    try {
      s.run({{x, strings({"2011-01-28 20:42:59 UTC", bad})}}, {h});
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "' is not a timestamp"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace tg
