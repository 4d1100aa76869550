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
  bool taxi_filters = false;  // also drop rows by taxi_row_filter (columns by name with a header)
};

struct SplitResult {
  std::vector<std::string> paths;
  std::vector<int64_t> rows;
  int64_t dropped = 0;
};

// Writes <output_prefix>-<name>.csv for each split (each with the header line when there is
// one). An input whose first line looks like a header (no field is a number) without
// options.header is refused: shuffled, that line would become a row of data.
SplitResult split_csv(const std::string& input, const std::string& output_prefix,
                      const SplitOptions& options);

// The course's cleaning rules for taxi rows: a positive fare, at least one passenger, and both
// points inside longitude (-78, -70) and latitude (37, 45). Without a header the columns are the
// course's order (fare_amount, pickuplon, pickuplat, dropofflon, dropofflat, passengers); with
// one they are found by name (those names, or pickup_longitude, ..., passenger_count), and a
// header without them is an error listing its names.
std::function<bool(std::string_view)> taxi_row_filter(const std::vector<std::string>& header = {});

}  // namespace tg::data
