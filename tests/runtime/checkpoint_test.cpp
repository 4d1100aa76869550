// Checkpoints: round trip, detection of flipped bytes and truncation, fallback to the previous
// good checkpoint, and keeping the newest few.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/file_util.h"
#include "graph/ops.h"
#include "runtime/checkpoint.h"
#include "test_dirs.h"

namespace tg {
namespace {

namespace fs = std::filesystem;

struct Model {
  Graph g;
  Output w, b;
  std::vector<Node*> vars;
  Model() {
    w = ops::variable(g, {3, 2}, DType::Float32, ops::Initializer::random_normal(0, 1, 7), "w");
    b = ops::variable(g, {2}, DType::Float64, ops::Initializer::constant(0.5), "b");
    vars = {w.node, b.node, g.global_step().node};
  }
};

TEST(Checkpoint, RoundTripsEveryVariable) {
  fs::path dir = test::fresh_dir("ckpt_roundtrip");
  Model a;
  Session sa(a.g);
  sa.run(ops::global_variables_initializer(a.g));
  sa.set_variable_value(a.g.global_step(), Tensor::scalar<int64_t>(42));
  CheckpointManager m(dir.string());
  m.save(sa, a.vars, 42);
  Model b;
  Session sb(b.g);
  EXPECT_EQ(CheckpointManager(dir.string()).restore_latest(sb, b.vars), 42);
  EXPECT_EQ(sb.variable_value(b.w).to_vector<float>(), sa.variable_value(a.w).to_vector<float>());
  EXPECT_EQ(sb.variable_value(b.b).to_vector<double>(), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(sb.variable_value(b.g.global_step()).to_vector<int64_t>()[0], 42);
}

// Saves checkpoints at steps 1 and 2 (with different values), damages step 2 with `damage`,
// and checks the error names the problem and restore_latest falls back to step 1.
void expect_fallback(const std::string& name, const std::function<void(std::string&)>& damage,
                     const std::string& expected_error) {
  fs::path dir = test::fresh_dir(name);
  Model a;
  Session s(a.g);
  s.run(ops::global_variables_initializer(a.g));
  CheckpointManager m(dir.string());
  m.save(s, a.vars, 1);
  auto at_step1 = s.variable_value(a.w).to_vector<float>();
  s.set_variable_value(a.w, Tensor::from_vector<float>({3, 2}, {9, 9, 9, 9, 9, 9}));
  std::string path = m.save(s, a.vars, 2);
  std::string bytes = read_file(path);
  damage(bytes);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  try {
    restore_checkpoint(s, a.vars, path);
    FAIL() << "a damaged checkpoint loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(expected_error), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.restore_latest(s, a.vars), 1);
  EXPECT_EQ(s.variable_value(a.w).to_vector<float>(), at_step1);
}

TEST(Checkpoint, FlippedByteInDataIsDetected) {
  expect_fallback("ckpt_flip", [](std::string& b) { b[b.size() / 2] ^= 0x10; }, "CRC32C");
}

TEST(Checkpoint, FlippedByteInTheFooterIsDetected) {
  expect_fallback("ckpt_flip_end", [](std::string& b) { b[b.size() - 1] ^= 0x01; }, "CRC32C");
}

TEST(Checkpoint, TruncationIsDetected) {
  expect_fallback("ckpt_trunc", [](std::string& b) { b.resize(b.size() - 9); }, "truncated");
}

TEST(Checkpoint, GarbageIsNotACheckpoint) {
  expect_fallback("ckpt_garbage", [](std::string& b) { b = "hello, world"; }, "not a tensorgraph checkpoint");
}

TEST(Checkpoint, KeepsTheNewestAndChecksShapes) {
  fs::path dir = test::fresh_dir("ckpt_keep");
  Model a;
  Session s(a.g);
  s.run(ops::global_variables_initializer(a.g));
  CheckpointManager m(dir.string(), 3);
  for (int64_t step : {10, 20, 30, 40, 50}) m.save(s, a.vars, step);
  EXPECT_EQ(m.steps(), (std::vector<int64_t>{30, 40, 50}));
  Graph other;
  Output w = ops::variable(other, {2, 2}, DType::Float32, ops::Initializer::zeros(), "w");
  Session so(other);
  try {
    restore_checkpoint(so, {w.node}, m.path_for(50));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("variable 'w' is float32[2, 2] in the graph but float32[3, 2]"),
              std::string::npos) << e.what();
  }
}

// A checkpoint of another model (a variable of another shape, or none at all) is an error of
// its own, never skipped for an older checkpoint as a damaged file is; and when every
// checkpoint is damaged, restoring fails rather than reporting an empty directory.
TEST(Checkpoint, AnotherModelOrOnlyDamagedFilesAreErrors) {
  fs::path dir = test::fresh_dir("ckpt_other_model");
  Model a;
  Session s(a.g);
  s.run(ops::global_variables_initializer(a.g));
  CheckpointManager m(dir.string());
  m.save(s, a.vars, 1);
  m.save(s, a.vars, 2, "{\"note\": 2}");
  EXPECT_EQ(m.state(2), "{\"note\": 2}");
  EXPECT_EQ(m.state(1), "");
  Graph other;
  Output w = ops::variable(other, {2, 2}, DType::Float32, ops::Initializer::zeros(), "w");
  Output extra = ops::variable(other, {4}, DType::Float32, ops::Initializer::zeros(), "extra");
  Session so(other);
  EXPECT_THROW(m.restore_latest(so, {w.node}), CheckpointMismatch);
  try {
    m.restore_latest(so, {extra.node});
    FAIL();
  } catch (const CheckpointMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("ckpt-2.tgc' holds another model: it has no value for variable 'extra'"),
              std::string::npos) << e.what();
  }
  for (int64_t step : {1, 2}) write_file_atomic(m.path_for(step), "hello, world");
  try {
    m.restore_latest(s, a.vars);
    FAIL() << "two damaged checkpoints read as none";
  } catch (const CheckpointMismatch&) {
    FAIL() << "damage taken for another model";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds 2 checkpoints and none loads"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.steps(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(CheckpointManager(test::fresh_dir("ckpt_empty").string()).restore_latest(s, a.vars), -1);
}

}  // namespace
}  // namespace tg
