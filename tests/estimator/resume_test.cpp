// A model directory continued by a new Estimator, as after a kill: the training input goes on
// where the checkpoint left it (the same data in total as one uninterrupted run), another
// model's checkpoints or only damaged ones are an error that keeps them, overwrite replaces
// them on request, and what killed writers left behind is cleaned up.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "base/file_util.h"
#include "estimator/estimator.h"
#include "runtime/checkpoint.h"
#include "test_dirs.h"

namespace tg::estimator {
namespace {

namespace fs = std::filesystem;

// y = 3 x1 - 2 x2 + 1 + noise.
MemoryData linear_data(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> z;
  Tensor x1(DType::Float32, {n}), x2(DType::Float32, {n}), y(DType::Float32, {n});
  for (int64_t i = 0; i < n; ++i) {
    x1.data<float>()[i] = z(rng);
    x2.data<float>()[i] = z(rng);
    y.data<float>()[i] = 3 * x1.data<float>()[i] - 2 * x2.data<float>()[i] + 1 + 0.1f * z(rng);
  }
  return {{"x1", "x2", "label"}, {x1, x2, y}};
}

std::vector<Column> xs() { return {numeric_column("x1"), numeric_column("x2")}; }

RunConfig in_dir(const fs::path& dir, int64_t save_steps = 7) {
  RunConfig cfg;
  cfg.model_dir = dir.string();
  cfg.save_checkpoints_steps = save_steps;
  cfg.log_step_count_steps = 0;
  return cfg;
}

std::vector<double> predictions(Estimator& est, const MemoryData& d) {
  std::vector<double> r;
  for (const auto& p : est.predict(memory_input(d, 1000))) r.push_back(p.value);
  return r;
}

// Two CSV files of `rows` lines each: "i,2i" with i counting across both.
std::vector<std::string> write_csv_files(const fs::path& dir, int rows) {
  std::vector<std::string> files;
  for (int f = 0; f < 2; ++f) {
    files.push_back((dir / ("part" + std::to_string(f) + ".csv")).string());
    std::FILE* out = std::fopen(files.back().c_str(), "w");
    for (int i = f * rows; i < (f + 1) * rows; ++i) std::fprintf(out, "%d,%d\n", i, 2 * i);
    std::fclose(out);
  }
  return files;
}

data::CsvDataset shuffled_csv(const std::vector<std::string>& files, int64_t epochs, uint64_t seed = 5) {
  data::DatasetOptions o;
  o.files = files;
  o.batch_size = 16;
  o.epochs = epochs;
  o.shuffle_files = true;
  o.shuffle_buffer = 37;
  o.cycle_length = 2;
  o.seed = seed;
  return data::CsvDataset(o, data::CsvSchema({{"x1", DType::Float32}, {"label", DType::Float32}}));
}

std::vector<float> ids(const data::Batch& b) { return b["x1"].to_vector<float>(); }

TEST(Resume, ACsvPassContinuesFromABatchPositionWithTheSameRows) {
  fs::path dir = test::fresh_dir("resume_csv_pass");
  auto files = write_csv_files(dir, 150);
  data::CsvDataset ds = shuffled_csv(files, 3);
  std::vector<std::vector<float>> all;
  std::vector<data::Position> after;
  auto it = ds.iterate();
  while (auto b = it->next()) {
    all.push_back(ids(*b));
    after.push_back(b->position);
  }
  ASSERT_EQ(all.size(), 3u * 19);  // 300 rows per epoch: 18 full batches and one of 12
  EXPECT_EQ(after.back().epoch, 3);
  for (size_t k : {size_t{0}, size_t{7}, size_t{18}, size_t{19}, size_t{30}, all.size() - 1}) {
    auto rest = ds.iterate(after[k]);
    for (size_t j = k + 1; j < all.size(); ++j) {
      auto b = rest->next();
      ASSERT_TRUE(b) << "the pass continued after batch " << k << " ended at batch " << j;
      ASSERT_EQ(ids(*b), all[j]) << "batch " << j << " continued after batch " << k;
    }
    EXPECT_FALSE(rest->next()) << "continued after batch " << k;
  }
  // Another seed orders the records differently: its positions do not apply.
  EXPECT_NE(shuffled_csv(files, 3, 6).position_key(), ds.position_key());
  EXPECT_THROW(shuffled_csv(files, 3, 6).iterate(after[3]), Error);
}

TEST(Resume, AMemoryPassContinuesFromABatchPositionWithTheSameRows) {
  MemoryData d = linear_data(100, 3);
  InputFn input = memory_input(d, 16, 3, true, 11);
  std::vector<std::vector<float>> all;
  std::vector<data::Position> after;
  auto s = input();
  while (auto b = s->next()) {
    all.push_back(ids(*b));
    after.push_back(b->position);
  }
  ASSERT_EQ(all.size(), 3u * 7);
  for (size_t k : {size_t{2}, size_t{6}, size_t{13}}) {
    auto rest = input();
    ASSERT_TRUE(rest->resume(after[k]));
    for (size_t j = k + 1; j < all.size(); ++j) {
      auto b = rest->next();
      ASSERT_TRUE(b);
      ASSERT_EQ(ids(*b), all[j]) << "batch " << j << " continued after batch " << k;
    }
    EXPECT_FALSE(rest->next());
  }
  EXPECT_FALSE(memory_input(d, 16, 3, true, 12)()->resume(after[2])) << "another seed resumed";
}

// Stopped after 25 of 60 steps (3 epochs of 20 batches) and continued by a new estimator, the
// run ends at step 60 with the weights of the uninterrupted run.
TEST(Resume, AContinuedRunTrainsOnTheSameDataAsAnUninterruptedOne) {
  MemoryData d = linear_data(640, 10);
  InputFn input = memory_input(d, 32, 3, true, 4);
  fs::path whole = test::fresh_dir("resume_whole"), parts = test::fresh_dir("resume_parts");
  Estimator ref = DNNRegressor({8}, xs(), in_dir(whole));
  ref.train(input);
  ASSERT_EQ(ref.global_step(), 60);
  {
    Estimator first = DNNRegressor({8}, xs(), in_dir(parts));
    first.train(input, -1, 25);
    ASSERT_EQ(first.global_step(), 25);
  }
  Estimator second = DNNRegressor({8}, xs(), in_dir(parts));
  second.train(input);
  EXPECT_EQ(second.global_step(), 60) << "the continued run did not take up the input where it stood";
  auto a = predictions(ref, d), b = predictions(second, d);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4) << i;
  // A finished run started again has nothing left to train.
  Estimator third = DNNRegressor({8}, xs(), in_dir(parts));
  third.train(input);
  EXPECT_EQ(third.global_step(), 60);
}

TEST(Resume, ACsvInputContinuesInANewEstimator) {
  fs::path dir = test::fresh_dir("resume_csv_estimator");
  auto files = write_csv_files(dir, 150);
  InputFn input = csv_input(shuffled_csv(files, 2));  // 2 epochs of 19 batches
  RunConfig cfg = in_dir(dir / "model", 5);
  {
    Estimator first = LinearRegressor({numeric_column("x1")}, cfg);
    first.train(input, -1, 23);
  }
  Estimator second = LinearRegressor({numeric_column("x1")}, cfg);
  second.train(input);
  EXPECT_EQ(second.global_step(), 38);
  // Other data (another seed) starts at its beginning: two more epochs.
  Estimator third = LinearRegressor({numeric_column("x1")}, cfg);
  third.train(csv_input(shuffled_csv(files, 2, 99)));
  EXPECT_EQ(third.global_step(), 38 + 38);
}

TEST(Resume, AnotherModelInTheDirectoryIsAnErrorThatKeepsIt) {
  fs::path dir = test::fresh_dir("resume_other_model");
  MemoryData d = linear_data(320, 12);
  {
    Estimator est = DNNRegressor({8}, xs(), in_dir(dir));
    est.train(memory_input(d, 32, 2));
  }
  auto steps = CheckpointManager(dir.string()).steps();
  ASSERT_FALSE(steps.empty());
  std::string newest = read_file(CheckpointManager(dir.string()).path_for(steps.back()));
  Estimator wider = DNNRegressor({16}, xs(), in_dir(dir));
  try {
    wider.global_step();
    FAIL() << "a model with other hidden units continued the checkpoints";
  } catch (const ModelDirError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[2, 16] in the graph but float32[2, 8] in the file"), std::string::npos) << m;
    EXPECT_NE(m.find(dir.string()), std::string::npos) << m;
    EXPECT_NE(m.find("overwrite"), std::string::npos) << m;
    EXPECT_NE(m.find("another model_dir"), std::string::npos) << m;
  }
  EXPECT_THROW(wider.train(memory_input(d, 32, 1)), ModelDirError);
  EXPECT_EQ(CheckpointManager(dir.string()).steps(), steps) << "the old model's checkpoints were touched";
  EXPECT_EQ(read_file(CheckpointManager(dir.string()).path_for(steps.back())), newest);

  // Asked to, it replaces the old model and starts at step 0.
  RunConfig cfg = in_dir(dir);
  cfg.overwrite = true;
  Estimator replacing = DNNRegressor({16}, xs(), cfg);
  EXPECT_EQ(replacing.global_step(), 0);
  replacing.train(memory_input(d, 32, 1));
  EXPECT_EQ(replacing.global_step(), 10);
  EXPECT_EQ(CheckpointManager(dir.string()).steps(), (std::vector<int64_t>{7, 10}));
}

TEST(Resume, OnlyDamagedCheckpointsAreAnErrorThatKeepsThem) {
  fs::path dir = test::fresh_dir("resume_damaged");
  MemoryData d = linear_data(320, 13);
  {
    Estimator est = DNNRegressor({8}, xs(), in_dir(dir));
    est.train(memory_input(d, 32, 2));  // checkpoints at 7, 14 and 20
  }
  CheckpointManager m(dir.string());
  auto steps = m.steps();
  ASSERT_EQ(steps.size(), 3u);
  auto damage = [&](int64_t step) {
    std::string bytes = read_file(m.path_for(step));
    bytes[bytes.size() / 2] ^= 0x20;
    write_file_atomic(m.path_for(step), bytes);
  };
  // A damaged newest checkpoint falls back to the one before it.
  damage(20);
  EXPECT_EQ(DNNRegressor({8}, xs(), in_dir(dir)).global_step(), 14);
  damage(7);
  damage(14);
  try {
    DNNRegressor({8}, xs(), in_dir(dir)).global_step();
    FAIL() << "trained afresh over three damaged checkpoints";
  } catch (const ModelDirError& e) {
    EXPECT_NE(std::string(e.what()).find("3 checkpoints and none loads"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("CRC32C"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.steps(), steps);
}

pid_t a_finished_process() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(Resume, WhatAKilledWriterLeftIsRemovedAtTheNextStart) {
  fs::path dir = test::fresh_dir("resume_strays");
  MemoryData d = linear_data(320, 14);
  {
    Estimator est = DNNRegressor({8}, xs(), in_dir(dir));
    est.train(memory_input(d, 32, 1));  // checkpoints at 7 and 10
  }
  std::string dead = std::to_string(a_finished_process()), alive = std::to_string(::getpid());
  for (const std::string& name : std::vector<std::string>{"ckpt-14.tgc.tmp." + dead, "ckpt-14.json.tmp." + dead,
                                                          "history.json.tmp." + dead, "ckpt-21.json",
                                                          "ckpt-15.tgc.tmp." + alive})
    write_file_atomic((dir / name).string(), "partial");
  Estimator est = DNNRegressor({8}, xs(), in_dir(dir));
  EXPECT_EQ(est.global_step(), 10);
  est.train(memory_input(d, 32, 2), -1, 11);  // the state file without its checkpoint goes at a save
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  // A temporary of a running process (this one) is its writer's business.
  EXPECT_EQ(left, (std::vector<std::string>{"ckpt-10.json", "ckpt-10.tgc", "ckpt-11.json", "ckpt-11.tgc",
                                            "ckpt-15.tgc.tmp." + alive, "ckpt-7.json", "ckpt-7.tgc"}));
}

// Every event file of a run directory, as bytes.
std::vector<std::string> event_files(const fs::path& run) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(run)) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> r;
  for (const auto& p : paths) r.push_back(read_file(p.string()));
  return r;
}

TEST(Resume, TensorBoardIsToldWhereAContinuedRunStarts) {
  fs::path dir = test::fresh_dir("resume_tensorboard");
  MemoryData d = linear_data(320, 15);
  {
    Estimator est = DNNRegressor({8}, xs(), in_dir(dir));
    est.train(memory_input(d, 32, 1));
  }
  Estimator again = DNNRegressor({8}, xs(), in_dir(dir));
  again.train(memory_input(d, 32, 2));
  // A SessionLog START event (Event field 7 holding status 1) at step 11: TensorBoard drops what
  // earlier files hold at step 11 and after, the orphans of a run killed after its checkpoint.
  const std::string start("\x3a\x02\x08\x01", 4), step11("\x10\x0b", 2);
  auto files = event_files(dir / "train");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].find(start), std::string::npos);
  size_t at = files[1].find(start);
  ASSERT_NE(at, std::string::npos);
  EXPECT_NE(files[1].rfind(step11, at), std::string::npos);
}

}  // namespace
}  // namespace tg::estimator
