// Checkpoints: the values of a session's variables in one file, and a manager that keeps the
// last few in a model directory and restores the newest good one.
//
// File format (version 1, little-endian), every size validated on load:
//   "TGCKPT01" | u32 version | u32 count | count x tensor | u32 masked CRC32C of all before
//   tensor = u32 name length | name | u8 dtype | u8 rank | i64 dims[rank] | u64 byte count |
//            bytes | u32 masked CRC32C of this tensor's fields before it
// A file is written to a temporary name, synced and renamed, so a crash leaves either the old
// set of checkpoints or the new one, never a torn file under a checkpoint's name.
#pragma once

#include <string>
#include <vector>

#include "runtime/session.h"

namespace tg {

// Writes the variables' current values.
void save_checkpoint(Session& session, const std::vector<Node*>& variables,
                     const std::string& path);
// Loads a checkpoint into the variables (all or nothing). Throws tg::Error naming the file and
// what is wrong: truncated, a bad CRC (with the tensor's name), a missing variable, a shape or
// dtype that differs.
void restore_checkpoint(Session& session, const std::vector<Node*>& variables,
                        const std::string& path);

class CheckpointManager {
 public:
  CheckpointManager(std::string directory, int keep_max = 5);

  // Saves dir/ckpt-<step>.tgc and deletes all but the newest keep_max.
  std::string save(Session& session, const std::vector<Node*>& variables, int64_t step);
  // Restores the newest checkpoint that loads cleanly, logging and skipping damaged ones.
  // Returns its step, or -1 when there is none.
  int64_t restore_latest(Session& session, const std::vector<Node*>& variables);
  // Steps of the checkpoints present, ascending.
  std::vector<int64_t> steps() const;
  std::string path_for(int64_t step) const;
  const std::string& directory() const { return dir_; }

 private:
  std::string dir_;
  int keep_max_;
};

}  // namespace tg
