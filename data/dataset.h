// A streaming CSV dataset after tf.data: files (glob patterns), shuffled per epoch, lines
// interleaved across files, a shuffle buffer, epochs, batches, per-row maps and filters, and
// prefetching on a background thread. Memory is bounded by the buffers, never by file sizes.
//
// Epochs do not mix: an epoch's rows are shuffled among themselves, and its last batch may be
// partial (kept, or dropped with drop_remainder). Bad rows either stop the pipeline with an
// error naming file, line and column (the default) or are skipped and counted per epoch.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../base/tensor.h"
#include "csv.h"

namespace tg::data {

enum class BadRows { Error, Skip };

struct EpochStats {
  int64_t epoch = 0;
  int64_t rows = 0;       // rows that reached a batch
  int64_t filtered = 0;   // rows a filter dropped
  int64_t bad_rows = 0;   // rows skipped as malformed
  int64_t bytes = 0;      // bytes read from the files
};

struct DatasetOptions {
  std::vector<std::string> files;  // paths or glob patterns
  bool header = false;             // each file starts with a header line
  int64_t batch_size = 128;
  bool drop_remainder = false;
  int64_t epochs = 1;              // -1: forever
  bool shuffle_files = false;
  int64_t shuffle_buffer = 0;      // 0: rows in file order
  uint64_t seed = 0;
  int cycle_length = 1;            // files read at once, lines interleaved between them
  int block_length = 1;            // lines taken from one file before moving to the next
  int prefetch = 2;                // batches prepared ahead on a background thread (0: none)
  BadRows bad_rows = BadRows::Error;
  size_t max_record_bytes = 1 << 20;  // a longer record is an error naming file and line
  // This process's share when several processes train on the data together: shard
  // `shard_index` of `shard_count`. With at least as many files as shards, shard k reads the
  // files whose position in the expanded list is k mod shard_count; with fewer, it reads every
  // file and keeps the records whose index in their file is k mod shard_count. Across the
  // shards every record is read exactly once per epoch.
  int shard_count = 1;
  int shard_index = 0;
  std::function<void(const EpochStats&)> on_epoch_end;  // also logged at INFO
};

// Where a pass over the data stands after a batch, so that another process can continue it:
// the epoch, the records taken from the sources in that epoch (bad and filtered ones included)
// and `key`, what fixes the order of the records (files, seed, shuffling). Each epoch's order
// is a function of the seed and the epoch, so skipping the records replays the rest exactly.
struct Position {
  std::string key;      // "" = a pass that cannot be continued
  int64_t epoch = 0;
  int64_t records = 0;
  std::string rng;      // a generator's state at the epoch's start, for sources that need it
};

// A batch: one tensor of shape [rows] per (non-skipped) column, in schema order.
struct Batch {
  std::vector<std::string> names;
  std::vector<Tensor> columns;
  int64_t rows = 0;
  int64_t epoch = 0;
  Position position;    // after this batch
  const Tensor& operator[](const std::string& name) const;
};

// Expands paths and glob patterns (sorted per pattern); throws when a pattern matches nothing.
std::vector<std::string> expand_files(const std::vector<std::string>& patterns);

class BatchIterator;

class CsvDataset {
 public:
  // With header = true and an empty schema, the columns are named by the first file's header
  // line, all float32 without defaults; with a schema, each file's header is checked against it.
  CsvDataset(DatasetOptions options, CsvSchema schema);

  // A transform applied to every decoded row (fill derived columns, rescale...).
  CsvDataset& map(std::function<void(Row&)> fn);
  // Keeps rows for which fn returns true.
  CsvDataset& filter(std::function<bool(const Row&)> fn);

  const CsvSchema& schema() const { return schema_; }
  const std::vector<std::string>& files() const { return files_; }
  const std::vector<std::function<void(Row&)>>& maps() const { return maps_; }
  const std::vector<std::function<bool(const Row&)>>& filters() const { return filters_; }
  const DatasetOptions& options() const { return options_; }
  // Starts reading; each iterator is an independent pass over the epochs. From a position a
  // batch of an earlier pass carried (same key), it continues that pass after the batch.
  std::unique_ptr<BatchIterator> iterate(const Position& from = {}) const;
  // The key of this dataset's positions: the files, the seed and the shuffling options (not
  // the epochs or the batch size, which may change when a run is continued).
  const std::string& position_key() const { return key_; }
  // > 1 when this shard keeps every line_shards()-th record of each file (options' shards).
  int line_shards() const { return line_shards_; }

 private:
  DatasetOptions options_;
  CsvSchema schema_;
  std::vector<std::string> files_;
  std::vector<std::function<void(Row&)>> maps_;
  std::vector<std::function<bool(const Row&)>> filters_;
  std::string key_;
  int line_shards_ = 1;
};

// The files for a message: "'a.csv'", "'a.csv', 'b.csv'" or "'a.csv', 'b.csv' and 7 more files".
std::string describe_files(const std::vector<std::string>& files);

// Reads the header line of a CSV file into column names.
std::vector<std::string> read_header(const std::string& path);

class BatchIterator {
 public:
  explicit BatchIterator(const CsvDataset& ds, const Position& from = {});
  ~BatchIterator();
  BatchIterator(const BatchIterator&) = delete;
  BatchIterator& operator=(const BatchIterator&) = delete;

  // The next batch, or nothing at the end of the last epoch. Errors of the pipeline (also
  // those met on the prefetch thread) are thrown here as tg::Error.
  std::optional<Batch> next();
  // Statistics of the epochs finished so far.
  std::vector<EpochStats> epoch_stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tg::data
