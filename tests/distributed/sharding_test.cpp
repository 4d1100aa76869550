// Run as 1, 2 and 3 processes: over an epoch, the shards of a CSV dataset hold every row
// exactly once, whether they split the files (at least as many files as ranks) or the lines
// of each file (fewer); shuffling with a seed per rank changes nothing about that, and a
// shard's order repeats with its seed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "data/dataset.h"
#include "runtime/communicator.h"

namespace tg {
namespace {

namespace fs = std::filesystem;

// A folder every rank sees: rank 0's, by name.
fs::path shared_dir(const std::string& name) {
  Communicator& c = Communicator::world();
  std::string path;
  if (c.is_chief()) {
    path = (fs::temp_directory_path() / ("tg_shards_" + std::to_string(::getpid()) + "_" + name)).string();
    fs::remove_all(path);
    fs::create_directories(path);
  }
  return c.broadcast(path);
}

// `files` files of `rows` rows each (ids numbered across files), written by rank 0.
std::vector<std::string> write_files(const fs::path& dir, int files, int rows) {
  Communicator& c = Communicator::world();
  std::vector<std::string> paths;
  int id = 0;
  for (int f = 0; f < files; ++f) {
    paths.push_back((dir / ("part-" + std::to_string(f) + ".csv")).string());
    if (c.is_chief()) {
      std::ofstream out(paths.back());
      out << "id,x\n";
      for (int r = 0; r < rows; ++r, ++id) out << id << "," << id * 0.5 << "\n";
    } else {
      id += rows;
    }
  }
  c.barrier();
  return paths;
}

std::vector<int64_t> read_shard(const std::vector<std::string>& files, bool shuffle, uint64_t seed) {
  Communicator& c = Communicator::world();
  data::DatasetOptions o;
  o.files = files;
  o.header = true;
  o.batch_size = 7;
  o.shuffle_files = shuffle;
  o.shuffle_buffer = shuffle ? 20 : 0;
  o.cycle_length = 2;
  o.seed = seed;
  o.shard_index = c.rank();
  o.shard_count = c.size();
  data::CsvDataset ds(o, data::CsvSchema({{"id", DType::Int64}, {"x", DType::Float32}}));
  std::vector<int64_t> ids;
  auto it = ds.iterate();
  while (auto b = it->next())
    for (int64_t i = 0; i < b->rows; ++i) ids.push_back((*b)["id"].data<int64_t>()[i]);
  return ids;
}

// Every id of [0, total) exactly once across the ranks.
void expect_each_row_once(const std::vector<int64_t>& mine, int total, const std::string& what) {
  Communicator& c = Communicator::world();
  std::string bytes(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(int64_t));
  auto parts = c.gather(bytes);
  if (!c.is_chief()) return;
  std::map<int64_t, int> seen;
  for (const auto& p : parts) {
    const auto* d = reinterpret_cast<const int64_t*>(p.data());
    for (size_t i = 0; i < p.size() / sizeof(int64_t); ++i) ++seen[d[i]];
  }
  EXPECT_EQ(static_cast<int>(seen.size()), total) << what;
  for (const auto& [id, n] : seen) {
    EXPECT_EQ(n, 1) << what << ": row " << id << " read " << n << " times";
    EXPECT_TRUE(id >= 0 && id < total) << what;
  }
}

TEST(Shards, EveryRowOnceByFile) {
  auto dir = shared_dir("files");
  int n = 5;  // at least as many files as ranks (1..3): split by file
  auto files = write_files(dir, n, 23);
  expect_each_row_once(read_shard(files, false, 0), n * 23, "by file, in order");
  expect_each_row_once(read_shard(files, true, 11 + Communicator::world().rank()), n * 23, "by file, shuffled");
}

TEST(Shards, EveryRowOnceByLine) {
  Communicator& c = Communicator::world();
  auto dir = shared_dir("lines");
  auto one = write_files(dir / "", 1, 100);
  expect_each_row_once(read_shard(one, false, 0), 100, "one file, by line");
  expect_each_row_once(read_shard(one, true, 7 + c.rank()), 100, "one file, by line, shuffled");
  if (c.size() == 3) {
    auto two = std::vector<std::string>(one);
    auto more = write_files(shared_dir("lines2"), 2, 41);
    expect_each_row_once(read_shard(more, true, 3 + c.rank()), 82, "two files for three ranks");
  }
  // Line shards keep index mod size == rank within the file.
  if (c.size() > 1) {
    for (int64_t id : read_shard(one, false, 0)) EXPECT_EQ(id % c.size(), c.rank());
  }
}

TEST(Shards, ShuffleRepeatsPerSeedAndDiffersPerRank) {
  Communicator& c = Communicator::world();
  auto files = write_files(shared_dir("seeds"), 1, 200);
  auto a = read_shard(files, true, 5), b = read_shard(files, true, 5), d = read_shard(files, true, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, d);
  EXPECT_EQ(std::set<int64_t>(a.begin(), a.end()), std::set<int64_t>(d.begin(), d.end()));
  (void)c;
}

}  // namespace
}  // namespace tg
