// Scales, snapping and proposals: every search proposes values of the right type, inside the
// range, spread by the scale type.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "tuning/random.h"
#include "tuning/search.h"
#include "tuning/space.h"

namespace tg::tuning {
namespace {

ParamSpec double_param(double lo, double hi, ScaleType s) {
  ParamSpec p;
  p.name = "x";
  p.type = ParamType::Double;
  p.min = lo, p.max = hi, p.scale = s;
  return p;
}

TEST(TuningSpace, ScalesMapTheRangeOntoTheUnitInterval) {
  for (ScaleType s : {ScaleType::Linear, ScaleType::Log, ScaleType::ReverseLog}) {
    ParamSpec p = double_param(1e-4, 0.1, s);
    EXPECT_NEAR(to_unit(p, 1e-4), 0, 1e-12);
    EXPECT_NEAR(to_unit(p, 0.1), 1, 1e-12);
    for (double u : {0.0, 0.1, 0.37, 0.5, 0.9, 1.0}) EXPECT_NEAR(to_unit(p, from_unit(p, u)), u, 1e-9) << scale_type_name(s);
  }
  // Log: the middle of the unit interval is the geometric mean; reverse log spreads the top.
  EXPECT_NEAR(from_unit(double_param(1e-4, 1e-2, ScaleType::Log), 0.5), 1e-3, 1e-12);
  ParamSpec rev = double_param(1, 100, ScaleType::ReverseLog);
  EXPECT_NEAR(from_unit(rev, 0.5), 101 - 10, 1e-9);
  // (the top of the range takes more of the unit interval: finer steps there)
  EXPECT_LT(from_unit(rev, 0.99) - from_unit(rev, 0.98), from_unit(rev, 0.02) - from_unit(rev, 0.01));
  // Outside the range: clamped.
  EXPECT_EQ(to_unit(double_param(0, 1, ScaleType::Linear), 7), 1);
}

TEST(TuningSpace, SnappingAndFormatting) {
  ParamSpec i;
  i.type = ParamType::Integer, i.min = 1, i.max = 10;
  EXPECT_EQ(snap(i, 3.6), 4);
  EXPECT_EQ(snap(i, 42), 10);
  EXPECT_EQ(format_value(i, {4, -1}), "4");
  ParamSpec d;
  d.type = ParamType::Discrete, d.values = {64, 128, 256, 512}, d.scale = ScaleType::Log;
  EXPECT_EQ(snap(d, 170), 128);  // nearer 128 than 256 on a log scale
  EXPECT_EQ(snap(d, 190), 256);
  EXPECT_EQ(from_unit(d, 0), 64);
  EXPECT_EQ(from_unit(d, 1), 512);
  ParamSpec c;
  c.type = ParamType::Categorical, c.categories = {"64 32", "128 64 32"};
  EXPECT_EQ(format_value(c, {0, 1}), "128 64 32");
  ParamSpec lr = double_param(1e-4, 0.1, ScaleType::Log);
  Value v = canonical(lr, {0.00123456789012345, -1});
  EXPECT_EQ(format_value(lr, v), "0.00123456789");
  EXPECT_EQ(v.number, std::strtod("0.00123456789", nullptr));
}

SearchSpace mixed_space() {
  SearchSpace s;
  s.params.push_back(double_param(1e-4, 0.1, ScaleType::Log));
  s.params[0].name = "learning_rate";
  ParamSpec units;
  units.name = "hidden_units", units.type = ParamType::Categorical, units.categories = {"64 32", "128 64 32", "256 128 64"};
  s.params.push_back(units);
  ParamSpec batch;
  batch.name = "batch_size", batch.type = ParamType::Discrete, batch.values = {64, 128, 256, 512};
  s.params.push_back(batch);
  ParamSpec layers;
  layers.name = "layers", layers.type = ParamType::Integer, layers.min = 1, layers.max = 4;
  s.params.push_back(layers);
  ParamSpec rev = double_param(0.5, 0.999, ScaleType::ReverseLog);
  rev.name = "momentum";
  s.params.push_back(rev);
  return s;
}

void expect_valid(const SearchSpace& s, const Assignment& a) {
  ASSERT_EQ(a.size(), s.params.size());
  EXPECT_GE(a[0].number, 1e-4);
  EXPECT_LE(a[0].number, 0.1);
  EXPECT_GE(a[1].category, 0);
  EXPECT_LT(a[1].category, 3);
  EXPECT_TRUE(std::count(s.params[2].values.begin(), s.params[2].values.end(), a[2].number)) << a[2].number;
  EXPECT_EQ(a[3].number, std::round(a[3].number));
  EXPECT_GE(a[3].number, 1);
  EXPECT_LE(a[3].number, 4);
  EXPECT_GE(a[4].number, 0.5);
  EXPECT_LE(a[4].number, 0.999);
  // What the trial is told is what the study records.
  for (size_t k = 0; k < a.size(); ++k) EXPECT_EQ(canonical(s.params[k], a[k]), a[k]);
}

TEST(TuningSpace, RandomProposalsRespectTypesRangesAndScales) {
  SearchSpace s = mixed_space();
  Rng rng(7);
  std::vector<double> lr, mom;
  std::set<int> cats, layers;
  std::set<double> batches;
  for (int i = 0; i < 4000; ++i) {
    Assignment a = random_assignment(s, rng);
    expect_valid(s, a);
    lr.push_back(a[0].number);
    mom.push_back(a[4].number);
    cats.insert(a[1].category);
    batches.insert(a[2].number);
    layers.insert(static_cast<int>(a[3].number));
  }
  EXPECT_EQ(cats.size(), 3u);
  EXPECT_EQ(batches.size(), 4u);
  EXPECT_EQ(layers, (std::set<int>{1, 2, 3, 4}));
  // Log scale: half the draws below the geometric mean of the range (about 0.00316), where a
  // linear draw would put 3%.
  double below = static_cast<double>(std::count_if(lr.begin(), lr.end(), [](double v) { return v < std::sqrt(1e-4 * 0.1); }));
  EXPECT_NEAR(below / 4000, 0.5, 0.04);
  // Reverse log: half the draws above 1.499 - sqrt(0.5 * 0.999), crowded towards the top.
  double mid = 0.5 + 0.999 - std::sqrt(0.5 * 0.999);
  double above = static_cast<double>(std::count_if(mom.begin(), mom.end(), [&](double v) { return v > mid; }));
  EXPECT_NEAR(above / 4000, 0.5, 0.04);
}

TEST(TuningSpace, BayesianProposalsRespectTypesAndRanges) {
  StudyConfig c;
  c.space = mixed_space();
  auto search = make_search(c, 3);
  std::vector<Observation> done;
  std::vector<Assignment> pending;
  for (int i = 0; i < 16; ++i) {
    auto a = search->propose(i, done, pending);
    ASSERT_TRUE(a.has_value());
    expect_valid(c.space, *a);
    // A smooth made-up objective, best at a small learning rate and the middle category.
    double y = std::pow(std::log10((*a)[0].number) + 3, 2) + ((*a)[1].category == 1 ? 0 : 1) + (*a)[3].number * 0.1;
    if (i % 3 == 2) pending.push_back(*a);  // some stay running
    else done.push_back({*a, y});
  }
}

TEST(TuningSpace, EncodingIsUnitPositionsAndOneHotCategories) {
  SearchSpace s = mixed_space();
  Assignment a{{1e-4, -1}, {0, 2}, {512, -1}, {1, -1}, {0.999, -1}};
  std::vector<double> x = encode(s, a), want{0, 0, 0, 1, 1, 0, 1};
  ASSERT_EQ(x.size(), want.size());
  for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], want[i], 1e-12) << i;
}

}  // namespace
}  // namespace tg::tuning
