// Input functions: what an estimator trains, evaluates and predicts from. Each call of an
// InputFn starts a fresh pass (epochs included) over its data.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../data/dataset.h"

namespace tg::estimator {

class BatchStream {
 public:
  virtual ~BatchStream() = default;
  virtual std::optional<data::Batch> next() = 0;
  // Before the first next(): continues the pass that a batch's position (Batch::position) was
  // taken from, so that a restarted training run sees the rest of its data in the same order.
  // Returns false, leaving the stream at its start, for a position of other data or a stream
  // that cannot continue one.
  virtual bool resume(const data::Position& position) {
    (void)position;
    return false;
  }
  // Where the batches come from, for messages ("'taxi-train.csv'", "memory").
  virtual std::string source() const { return "the input"; }
  // The key of this stream's positions (data::Position::key), "" when it has none: lets a run
  // that cannot continue a position exactly (another number of processes) start its epoch.
  virtual std::string position_key() const { return ""; }
};

using InputFn = std::function<std::unique_ptr<BatchStream>()>;

// Batches from a streaming CSV dataset.
InputFn csv_input(data::CsvDataset dataset);

// Named columns held in memory, each a tensor of shape [n] (or [n, k] for a label matrix).
struct MemoryData {
  std::vector<std::string> names;
  std::vector<Tensor> columns;
  int64_t rows() const { return columns.empty() ? 0 : columns[0].shape().dim(0); }
  const Tensor& operator[](const std::string& name) const;
};
// Batches from memory: `epochs` passes (-1 forever), rows shuffled per epoch when asked.
InputFn memory_input(MemoryData data, int64_t batch_size, int64_t epochs = 1, bool shuffle = false,
                     uint64_t seed = 0);

}  // namespace tg::estimator
