// TensorBoard event files: records (length, masked CRC32C of the length, an Event message,
// its masked CRC32C) with scalars, histograms and the graph, in the files TensorBoard reads
// (events.out.tfevents.<time>.<host> in a run directory such as model_dir/train).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "base/tensor.h"
#include "graph/graph.h"

namespace tg::estimator {

class SummaryWriter {
 public:
  explicit SummaryWriter(const std::string& directory);
  ~SummaryWriter();
  SummaryWriter(const SummaryWriter&) = delete;
  SummaryWriter& operator=(const SummaryWriter&) = delete;

  void scalar(const std::string& tag, double value, int64_t step);
  // A histogram of a numeric tensor's values (30 equal buckets between min and max).
  void histogram(const std::string& tag, const Tensor& values, int64_t step);
  // The graph, for TensorBoard's graph view.
  void graph(const Graph& g);
  // A restart at `step`: TensorBoard drops events of earlier files at this step and later.
  void session_start(int64_t step);
  void flush();
  const std::string& path() const { return path_; }

 private:
  void write_event(const std::string& serialized_event);
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace tg::estimator
