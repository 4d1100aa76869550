// Checkpoints: the values of a session's variables in one file, and a manager that keeps the
// last few in a model directory and restores the newest good one.
//
// File format (version 1, little-endian), every size validated on load:
//   "TGCKPT01" | u32 version | u32 count | count x tensor | u32 masked CRC32C of all before
//   tensor = u32 name length | name | u8 dtype | u8 rank | i64 dims[rank] | u64 byte count |
//            bytes | u32 masked CRC32C of this tensor's fields before it
// A file is written to a temporary name, synced and renamed, so a crash leaves either the old
// set of checkpoints or the new one, never a torn file under a checkpoint's name.
//
// Beside a checkpoint, the manager keeps an optional state file (ckpt-<step>.json, written
// before the checkpoint): what the trainer needs to continue from that step (input position,
// evaluations). A state file without its checkpoint is the trace of a kill and is ignored.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "session.h"

namespace tg {

// A checkpoint that reads cleanly but belongs to another model: a variable it lacks, or one of
// another shape or dtype. Unlike a damaged file it is never skipped for an older checkpoint.
class CheckpointMismatch : public Error {
 public:
  using Error::Error;
};

// Writes the variables' current values.
void save_checkpoint(Session& session, const std::vector<Node*>& variables,
                     const std::string& path);
// Reads and validates a checkpoint file (magic, version, sizes, CRCs): its tensors by name.
// Throws tg::Error naming the file and what is wrong: truncated, a bad CRC (with the tensor's
// name), not a checkpoint.
std::vector<std::pair<std::string, Tensor>> read_checkpoint(const std::string& path);
// "" when the file's tensors fit the variables, else what differs: the first variable missing
// from the file, or of another shape or dtype ("variable 'w' is float32[2, 2] in the graph but
// float32[3, 2] in the file").
std::string checkpoint_mismatch(const std::vector<std::pair<std::string, Tensor>>& loaded,
                                const std::vector<Node*>& variables);
// Loads a checkpoint into the variables (all or nothing). Throws tg::Error for a damaged file
// (as read_checkpoint) and CheckpointMismatch, naming the file, for another model's.
void restore_checkpoint(Session& session, const std::vector<Node*>& variables,
                        const std::string& path);

class CheckpointManager {
 public:
  // Creates the directory, and removes the temporary files of atomic writes that killed
  // writers left there (name.tmp.<pid> of a process no longer running).
  CheckpointManager(std::string directory, int keep_max = 5);

  // Saves dir/ckpt-<step>.tgc (and `state`, when not empty, in dir/ckpt-<step>.json first) and
  // deletes all but the newest keep_max checkpoints with their state files, and state files
  // left without their checkpoint.
  std::string save(Session& session, const std::vector<Node*>& variables, int64_t step,
                   const std::string& state = "");
  // Restores the newest checkpoint that loads, logging and skipping damaged files. Returns its
  // step, or -1 when there is no checkpoint. Throws CheckpointMismatch when the newest readable
  // checkpoint belongs to another model, and tg::Error when checkpoints exist but every one is
  // damaged: falling back to a fresh model would discard the trained one.
  int64_t restore_latest(Session& session, const std::vector<Node*>& variables);
  // Steps of the checkpoints present, ascending.
  std::vector<int64_t> steps() const;
  std::string path_for(int64_t step) const;
  std::string state_path_for(int64_t step) const;
  // The state saved with a checkpoint, "" when it has none.
  std::string state(int64_t step) const;
  // Deletes every checkpoint and state file of the directory (a model replaced on purpose).
  void remove_all();
  const std::string& directory() const { return dir_; }

 private:
  void remove_strays() const;
  void remove_lone_states() const;
  std::string dir_;
  int keep_max_;
};

}  // namespace tg
