// The per-tensor CRC on its own: a tensor's bytes are damaged and the file's footer CRC is
// recomputed to match, so only the tensor's own CRC can catch it, and the error must name it.
#include <gtest/gtest.h>

#include <cstring>

#include "base/crc32c.h"
#include "base/file_util.h"
#include "graph/ops.h"
#include "runtime/checkpoint.h"
#include "test_dirs.h"

namespace tg {
namespace {

TEST(CheckpointCrc, ADamagedTensorIsNamedEvenWithAMatchingFileCrc) {
  Graph g;
  Output w = ops::variable(g, {3, 2}, DType::Float32, ops::Initializer::random_normal(0, 1, 7), "weights");
  Output b = ops::variable(g, {2}, DType::Float64, ops::Initializer::constant(0.5), "bias");
  std::vector<Node*> vars{w.node, b.node};
  Session s(g);
  s.run(ops::global_variables_initializer(g));
  std::string path = test::temp_path("crc_alone.tgc").string();
  save_checkpoint(s, vars, path);

  std::string bytes = read_file(path);
  // The record of "weights": u32 name length, the name, u8 dtype, u8 rank, i64 dims[2], u64
  // byte count, then the values.
  std::string key = std::string("\x07\0\0\0", 4) + "weights";
  size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos);
  size_t values = at + key.size() + 1 + 1 + 2 * 8 + 8;
  ASSERT_LT(values + 24, bytes.size());
  bytes[values + 5] ^= 0x10;
  uint32_t footer = mask_crc32c(crc32c(bytes.data(), bytes.size() - 4));
  std::memcpy(bytes.data() + bytes.size() - 4, &footer, 4);  // little-endian, as written
  write_file_atomic(path, bytes);

  try {
    restore_checkpoint(s, vars, path);
    FAIL() << "a damaged tensor was restored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'weights' fails its CRC32C check"), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), ErrorCode::DataLoss);
    EXPECT_EQ(e.context().file, path);
  }
}

}  // namespace
}  // namespace tg
