// The streaming pipeline on generated taxi files and on the course's real taxi files: every
// row once per epoch, shuffling per epoch and per seed, partial batches, maps and filters.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <unistd.h>

#include "data/dataset.h"
#include "data/split.h"
#include "data/taxi_generator.h"
#include "test_dirs.h"

namespace tg::data {
namespace {

namespace fs = std::filesystem;

CsvSchema taxi_schema() {
  return CsvSchema({{"fare_amount", DType::Float32},
                    {"pickuplon", DType::Float32},
                    {"pickuplat", DType::Float32},
                    {"dropofflon", DType::Float32},
                    {"dropofflat", DType::Float32},
                    {"passengers", DType::Float32, "1"},
                    {"key", DType::Int64}});
}

// Three generated files of 1000, 700 and 301 rows with disjoint keys.
std::string generated_dir() {
  static std::string dir = [] {
    fs::path d = test::fresh_dir("dataset_test");
    int64_t key = 0;
    int i = 0;
    for (int64_t rows : {1000, 700, 301}) {
      TaxiGeneratorOptions o;
      o.rows = rows;
      o.seed = static_cast<uint64_t>(10 + i);
      o.first_key = key;
      generate_taxi_csv((d / ("taxi-part-" + std::to_string(i++) + ".csv")).string(), o);
      key += rows;
    }
    return d.string();
  }();
  return dir;
}

// Keys per epoch, in the order they came out.
std::vector<std::vector<int64_t>> keys_by_epoch(DatasetOptions o) {
  CsvDataset ds(std::move(o), taxi_schema());
  auto it = ds.iterate();
  std::vector<std::vector<int64_t>> out;
  while (auto b = it->next()) {
    if (static_cast<int64_t>(out.size()) <= b->epoch) out.resize(static_cast<size_t>(b->epoch + 1));
    for (int64_t k : (*b)["key"].to_vector<int64_t>()) out[static_cast<size_t>(b->epoch)].push_back(k);
  }
  return out;
}

DatasetOptions shuffled(uint64_t seed) {
  DatasetOptions o;
  o.files = {generated_dir() + "/taxi-part-*.csv"};
  o.batch_size = 64;
  o.epochs = 3;
  o.shuffle_files = true;
  o.shuffle_buffer = 500;
  o.cycle_length = 2;
  o.seed = seed;
  return o;
}

TEST(Dataset, EveryRowOncePerEpochAcrossFiles) {
  auto epochs = keys_by_epoch(shuffled(1));
  ASSERT_EQ(epochs.size(), 3u);
  for (auto keys : epochs) {
    ASSERT_EQ(keys.size(), 2001u);
    std::sort(keys.begin(), keys.end());
    for (int64_t i = 0; i < 2001; ++i) ASSERT_EQ(keys[static_cast<size_t>(i)], i);
  }
}

TEST(Dataset, ShuffleDiffersPerEpochAndRepeatsPerSeed) {
  auto a = keys_by_epoch(shuffled(1)), b = keys_by_epoch(shuffled(1)), c = keys_by_epoch(shuffled(2));
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], a[1]);
  EXPECT_NE(a[1], a[2]);
  EXPECT_NE(a[0], c[0]);
}

TEST(Dataset, PrefetchGivesTheSameSequence) {
  DatasetOptions o = shuffled(3);
  auto with = keys_by_epoch(o);
  o.prefetch = 0;
  EXPECT_EQ(with, keys_by_epoch(o));
}

TEST(Dataset, InterleavesLinesAcrossFiles) {
  DatasetOptions o;
  o.files = {generated_dir() + "/taxi-part-0.csv", generated_dir() + "/taxi-part-1.csv"};
  o.cycle_length = 2;
  o.block_length = 2;
  o.batch_size = 8;
  auto keys = keys_by_epoch(o)[0];
  EXPECT_EQ(std::vector<int64_t>(keys.begin(), keys.begin() + 6), (std::vector<int64_t>{0, 1, 1000, 1001, 2, 3}));
}

TEST(Dataset, LastPartialBatchKeptOrDropped) {
  DatasetOptions o;
  o.files = {generated_dir() + "/taxi-part-2.csv"};  // 301 rows
  o.batch_size = 100;
  o.epochs = 2;
  for (bool drop : {false, true}) {
    o.drop_remainder = drop;
    CsvDataset ds(o, taxi_schema());
    auto it = ds.iterate();
    std::vector<int64_t> sizes;
    while (auto b = it->next()) sizes.push_back(b->rows);
    if (drop) EXPECT_EQ(sizes, (std::vector<int64_t>{100, 100, 100, 100, 100, 100}));
    else EXPECT_EQ(sizes, (std::vector<int64_t>{100, 100, 100, 1, 100, 100, 100, 1}));
    EXPECT_EQ(it->epoch_stats().size(), 2u);
  }
}

TEST(Dataset, MapsFillDerivedColumnsAndFiltersDropRows) {
  DatasetOptions o;
  o.files = {generated_dir() + "/taxi-part-0.csv"};
  o.batch_size = 2000;
  CsvSchema s = taxi_schema();
  int dist = s.add_derived("distance_km", DType::Float32);
  int plon = s.index("pickuplon"), plat = s.index("pickuplat"), dlon = s.index("dropofflon"),
      dlat = s.index("dropofflat"), pass = s.index("passengers");
  CsvDataset ds(o, s);
  ds.map([=](Row& r) { r.real[static_cast<size_t>(dist)] = haversine_km(r.real[static_cast<size_t>(plon)], r.real[static_cast<size_t>(plat)], r.real[static_cast<size_t>(dlon)], r.real[static_cast<size_t>(dlat)]); })
      .filter([=](const Row& r) { return r.real[static_cast<size_t>(pass)] == 1; });
  auto it = ds.iterate();
  auto b = it->next();
  ASSERT_TRUE(b);
  EXPECT_GT(b->rows, 500);
  EXPECT_LT(b->rows, 1000);
  for (float p : (*b)["passengers"].to_vector<float>()) ASSERT_EQ(p, 1.f);
  for (float d : (*b)["distance_km"].to_vector<float>()) ASSERT_TRUE(d >= 0 && d < 60);
  EXPECT_EQ(it->epoch_stats()[0].filtered, 1000 - b->rows);
}

TEST(Dataset, ForeverOverNoRowsIsAnErrorNotAHang) {
  fs::path empty = test::temp_path("dataset_test_empty.csv");
  { std::FILE* f = std::fopen(empty.c_str(), "w"); std::fclose(f); }
  DatasetOptions o;
  o.files = {empty.string()};
  o.epochs = -1;
  CsvDataset ds(o, taxi_schema());
  auto it = ds.iterate();
  EXPECT_THROW(it->next(), Error);
}

TEST(Dataset, ReadsTheRealTaxiFiles) {
  std::string dir = TG_SHARED_DATA_DIR "/taxi";
  if (!fs::exists(dir + "/taxi-train.csv")) GTEST_SKIP() << "no shared taxi data beside the project";
  DatasetOptions o;
  o.files = {dir + "/taxi-*.csv"};
  o.batch_size = 512;
  o.shuffle_files = true;
  o.shuffle_buffer = 1000;
  o.cycle_length = 3;
  CsvDataset ds(o, taxi_schema());
  auto it = ds.iterate();
  std::multiset<int64_t> keys;
  double fares = 0;
  int64_t rows = 0;
  while (auto b = it->next()) {
    rows += b->rows;
    for (float f : (*b)["fare_amount"].to_vector<float>()) fares += f;
    for (int64_t k : (*b)["key"].to_vector<int64_t>()) keys.insert(k);
  }
  EXPECT_EQ(rows, 7333 + 1571 + 1572);
  EXPECT_EQ(static_cast<int64_t>(keys.size()), rows);
  EXPECT_NEAR(fares / static_cast<double>(rows), 11.3, 1.5);  // New York fares of the time
}

TEST(Split, ShufflesFiltersAndSplitsBySeed) {
  fs::path dir = test::fresh_dir("split_test");
  TaxiGeneratorOptions g;
  g.rows = 2000;
  g.dirty_fraction = 0.05;
  std::string input = (dir / "all.csv").string();
  generate_taxi_csv(input, g);
  SplitOptions o;
  o.keep = taxi_row_filter();
  auto r = split_csv(input, (dir / "taxi").string(), o);
  int64_t kept = r.rows[0] + r.rows[1] + r.rows[2];
  EXPECT_EQ(kept + r.dropped, 2000);
  EXPECT_GT(r.dropped, 50);
  EXPECT_NEAR(static_cast<double>(r.rows[0]) / static_cast<double>(kept), 0.70, 0.01);
  EXPECT_NEAR(static_cast<double>(r.rows[1]) / static_cast<double>(kept), 0.15, 0.01);
  DatasetOptions d;
  d.files = {(dir / "taxi-*.csv").string()};
  d.batch_size = 4096;
  CsvDataset ds(d, taxi_schema());
  auto b = ds.iterate()->next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rows, kept);
  for (float f : (*b)["fare_amount"].to_vector<float>()) ASSERT_GT(f, 0);
  for (float p : (*b)["passengers"].to_vector<float>()) ASSERT_GT(p, 0);
  for (float lat : (*b)["pickuplat"].to_vector<float>()) ASSERT_GT(lat, 37);
  o.fractions = {0.5, 0.6};
  o.names = {"a", "b"};
  EXPECT_THROW(split_csv(input, (dir / "bad").string(), o), Error);
}

}  // namespace
}  // namespace tg::data
