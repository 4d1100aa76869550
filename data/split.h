// Splitting a CSV file into train / valid / test files after shuffling it with a seed, with
// optional row filters (the taxi data's cleaning rules among them). The input is held in
// memory while it is shuffled.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tg::data {

struct SplitOptions {
  std::vector<double> fractions{0.70, 0.15, 0.15};
  std::vector<std::string> names{"train", "valid", "test"};
  uint64_t seed = 1;
  bool header = false;  // copy the input's header line to every output
  std::function<bool(std::string_view record)> keep;  // rows for which it is false are dropped
};

struct SplitResult {
  std::vector<std::string> paths;
  std::vector<int64_t> rows;
  int64_t dropped = 0;
};

// Writes <output_prefix>-<name>.csv for each split.
SplitResult split_csv(const std::string& input, const std::string& output_prefix,
                      const SplitOptions& options);

// The course's cleaning rules for taxi rows: a positive fare, at least one passenger, and both
// points inside longitude (-78, -70) and latitude (37, 45).
std::function<bool(std::string_view)> taxi_row_filter();

}  // namespace tg::data
