#include "data/dataset.h"

#include <glob.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <thread>

#include "base/fnv1a.h"
#include "base/log.h"
#include "base/quote.h"
#include "data/line_reader.h"

namespace tg::data {

const Tensor& Batch::operator[](const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return columns[i];
  fail("the batch has no column '", name, "'");
}

std::vector<std::string> expand_files(const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  TG_CHECK(!patterns.empty(), "no input files given");
  for (const auto& p : patterns) {
    glob_t g{};
    int rc = ::glob(p.c_str(), 0, nullptr, &g);
    std::vector<std::string> found;
    if (rc == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) found.emplace_back(g.gl_pathv[i]);
    globfree(&g);
    TG_CHECK_CODE(!found.empty(), NotFound, "'", p, "' matches no file");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

std::string describe_files(const std::vector<std::string>& files) {
  std::string r;
  for (size_t i = 0; i < files.size() && i < 2; ++i) r += cat(i ? ", " : "", quote(files[i], 200));
  if (files.size() > 2) r += cat(" and ", files.size() - 2, " more files");
  return r.empty() ? "no files" : r;
}

std::vector<std::string> read_header(const std::string& path) {
  LineReader r(path, 1 << 16);
  std::string_view line;
  TG_CHECK(r.next(line), "'", path, "' is empty: expected a header line");
  std::vector<std::string_view> fields;
  std::string scratch;
  TG_CHECK(split_fields(line, fields, scratch), path, ":1: unterminated quote in the header");
  std::vector<std::string> names;
  for (auto f : fields) names.emplace_back(f);
  return names;
}

CsvDataset::CsvDataset(DatasetOptions options, CsvSchema schema)
    : options_(std::move(options)), schema_(std::move(schema)) {
  TG_CHECK(options_.batch_size > 0, "batch_size must be positive, got ", options_.batch_size);
  TG_CHECK(options_.epochs != 0 && options_.epochs >= -1, "epochs must be positive or -1 (forever)");
  TG_CHECK(options_.cycle_length > 0 && options_.block_length > 0,
           "cycle_length and block_length must be positive");
  TG_CHECK(options_.shuffle_buffer >= 0 && options_.prefetch >= 0, "negative buffer size");
  TG_CHECK(options_.shard_count > 0 && options_.shard_index >= 0 && options_.shard_index < options_.shard_count,
           "shard ", options_.shard_index, " of ", options_.shard_count, " does not exist");
  files_ = expand_files(options_.files);
  // By file when every shard gets at least one; the header (and schema) come from the first
  // file of all either way, so that every shard decodes alike.
  std::vector<std::string> all_files = files_;
  if (options_.shard_count > 1 && static_cast<int64_t>(files_.size()) >= options_.shard_count) {
    std::vector<std::string> mine;
    for (size_t i = static_cast<size_t>(options_.shard_index); i < files_.size(); i += static_cast<size_t>(options_.shard_count))
      mine.push_back(files_[i]);
    files_ = std::move(mine);
  } else if (options_.shard_count > 1) {
    line_shards_ = options_.shard_count;
  }
  if (schema_.columns().empty()) {
    TG_CHECK(options_.header, "no columns given and header = false: nothing names the columns");
    std::vector<ColumnSpec> cols;
    for (auto& name : read_header(all_files[0])) cols.push_back({name, DType::Float32});
    schema_ = CsvSchema(std::move(cols));
  }
  // What fixes the order of the records, hashed (FNV-1a) so that positions stay small.
  std::string what = cat(options_.header, ' ', options_.seed, ' ', options_.shuffle_files, ' ', options_.shuffle_buffer,
                         ' ', options_.cycle_length, ' ', options_.block_length);
  if (options_.shard_count > 1) what += cat(" shard ", options_.shard_index, '/', options_.shard_count);
  for (const auto& f : files_) what += '\n' + f;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(what)));
  key_ = cat("csv:", files_.size(), ":", hex);
}

CsvDataset& CsvDataset::map(std::function<void(Row&)> fn) {
  maps_.push_back(std::move(fn));
  return *this;
}

CsvDataset& CsvDataset::filter(std::function<bool(const Row&)> fn) {
  filters_.push_back(std::move(fn));
  return *this;
}

std::unique_ptr<BatchIterator> CsvDataset::iterate(const Position& from) const {
  return std::make_unique<BatchIterator>(*this, from);
}

namespace {

// Produces batches on whichever thread calls next_batch(); owns copies of everything it reads.
class Producer {
 public:
  Producer(const CsvDataset& ds, const Position& from)
      : opt_(ds.options()), schema_(ds.schema()), files_(ds.files()), maps_(ds.maps()),
        filters_(ds.filters()), row_(schema_.make_row()), key_(ds.position_key()), shards_(ds.line_shards()) {
    TG_CHECK(from.key.empty() || from.key == key_, "a position of other data (", from.key,
             ") cannot continue a pass over ", key_);
    epoch_ = from.key.empty() ? 0 : from.epoch;
    done_ = opt_.epochs > 0 && epoch_ >= opt_.epochs;
    if (done_) return;
    start_epoch();
    // The epoch's order depends only on the seed and the epoch: taking the records again
    // (without decoding them) puts the readers and the shuffle buffer where they were.
    std::string_view text;
    size_t file;
    int64_t line;
    while (records_ < from.records && next_record(text, file, line)) ++records_;
  }

  std::optional<Batch> next_batch();
  std::vector<EpochStats> finished() const {
    std::lock_guard<std::mutex> lock(finished_mu_);
    return finished_;
  }

 private:
  struct Open {
    std::unique_ptr<LineReader> reader;
    size_t file;
    int64_t index = 0;  // records read from the file so far (for line shards)
  };
  struct Stored {
    std::string text;
    size_t file;
    int64_t line;
  };

  void start_epoch();
  void finish_epoch();
  bool open_next(Open& slot);
  bool next_line(std::string_view& text, size_t& file, int64_t& line);
  bool next_record(std::string_view& text, size_t& file, int64_t& line);
  void store(Batch& b, int64_t at);

  DatasetOptions opt_;
  CsvSchema schema_;
  std::vector<std::string> files_;
  std::vector<std::function<void(Row&)>> maps_;
  std::vector<std::function<bool(const Row&)>> filters_;
  Row row_;
  std::string scratch_;
  int64_t epoch_ = 0;
  int64_t records_ = 0;  // taken from the files in this epoch
  std::string key_;
  int shards_ = 1;  // > 1: keep the records whose index in their file is shard_index mod shards_
  bool done_ = false;
  EpochStats stats_;
  std::vector<size_t> order_;
  size_t next_file_ = 0;
  std::vector<Open> open_;
  size_t cur_ = 0;
  int taken_ = 0;
  std::mt19937_64 rng_;
  std::vector<Stored> buffer_;
  std::string current_;
  bool source_done_ = false;
  int64_t bytes_closed_ = 0;
  mutable std::mutex finished_mu_;
  std::vector<EpochStats> finished_;
};


void Producer::start_epoch() {
  stats_ = EpochStats{};
  stats_.epoch = epoch_;
  order_.resize(files_.size());
  for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
  uint64_t epoch_seed = opt_.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch_);
  rng_.seed(epoch_seed);
  if (opt_.shuffle_files) std::shuffle(order_.begin(), order_.end(), rng_);
  next_file_ = 0;
  open_.clear();
  cur_ = 0;
  taken_ = 0;
  buffer_.clear();
  source_done_ = false;
  bytes_closed_ = 0;
  for (int i = 0; i < opt_.cycle_length; ++i) {
    Open slot;
    if (!open_next(slot)) break;
    open_.push_back(std::move(slot));
  }
}

bool Producer::open_next(Open& slot) {
  if (slot.reader) bytes_closed_ += slot.reader->bytes_read();
  slot.reader.reset();
  if (next_file_ >= order_.size()) return false;
  slot.file = order_[next_file_++];
  slot.index = 0;
  slot.reader = std::make_unique<LineReader>(files_[slot.file], size_t{1} << 20, opt_.max_record_bytes);
  if (opt_.header) {
    std::string_view h;
    if (slot.reader->next(h)) {
      std::vector<std::string_view> fields;
      std::string scratch;
      split_fields(h, fields, scratch);
      TG_CHECK(static_cast<int>(fields.size()) == schema_.num_file_columns(), files_[slot.file],
               ":1: the header has ", fields.size(), " fields, the schema ",
               schema_.num_file_columns());
    }
  }
  return true;
}

bool Producer::next_line(std::string_view& text, size_t& file, int64_t& line) {
  while (!open_.empty()) {
    if (cur_ >= open_.size()) cur_ = 0;
    Open& o = open_[cur_];
    if (o.reader->next(text)) {
      if (shards_ > 1 && o.index++ % shards_ != opt_.shard_index) continue;  // another shard's
      file = o.file;
      line = o.reader->line_number();
      if (++taken_ >= opt_.block_length) {
        taken_ = 0;
        cur_ = (cur_ + 1) % open_.size();
      }
      return true;
    }
    taken_ = 0;
    if (!open_next(o)) open_.erase(open_.begin() + static_cast<long>(cur_));
  }
  return false;
}

bool Producer::next_record(std::string_view& text, size_t& file, int64_t& line) {
  if (opt_.shuffle_buffer <= 0) return next_line(text, file, line);
  std::string_view in;
  size_t f;
  int64_t l;
  while (!source_done_ && static_cast<int64_t>(buffer_.size()) < opt_.shuffle_buffer) {
    if (!next_line(in, f, l)) {
      source_done_ = true;
      break;
    }
    buffer_.push_back({std::string(in), f, l});
  }
  if (buffer_.empty()) return false;
  size_t i = static_cast<size_t>(rng_() % buffer_.size());
  std::swap(current_, buffer_[i].text);
  file = buffer_[i].file;
  line = buffer_[i].line;
  if (!source_done_ && next_line(in, f, l)) {
    buffer_[i].text.assign(in.data(), in.size());
    buffer_[i].file = f;
    buffer_[i].line = l;
  } else {
    source_done_ = true;
    buffer_[i] = std::move(buffer_.back());
    buffer_.pop_back();
  }
  text = current_;
  return true;
}

void Producer::finish_epoch() {
  for (auto& o : open_) bytes_closed_ += o.reader ? o.reader->bytes_read() : 0;
  stats_.bytes = bytes_closed_;
  {
    std::lock_guard<std::mutex> lock(finished_mu_);
    finished_.push_back(stats_);
  }
  // Skipped and filtered rows are worth a line at INFO; a clean epoch only at DEBUG.
  std::string line = cat("epoch ", stats_.epoch + 1, ": ", stats_.rows, " rows",
                         stats_.bad_rows ? cat(", ", stats_.bad_rows, " bad rows skipped") : "",
                         stats_.filtered ? cat(", ", stats_.filtered, " filtered out") : "");
  if (stats_.bad_rows || stats_.filtered) log_info(line);
  else log_debug(line);
  if (opt_.on_epoch_end) opt_.on_epoch_end(stats_);
  TG_CHECK(opt_.epochs > 0 || records_ > 0,
           "the input files (", describe_files(files_), ") hold no rows, and epochs = -1 would wait for them forever");
  ++epoch_;
  records_ = 0;
  if (opt_.epochs > 0 && epoch_ >= opt_.epochs) done_ = true;
  else start_epoch();
}

void Producer::store(Batch& b, int64_t at) {
  size_t k = 0;
  const auto& cols = schema_.columns();
  for (size_t c = 0; c < cols.size(); ++c) {
    if (cols[c].skip) continue;
    Tensor& t = b.columns[k++];
    switch (cols[c].dtype) {
      case DType::Float32: t.data<float>()[at] = static_cast<float>(row_.real[c]); break;
      case DType::Float64: t.data<double>()[at] = row_.real[c]; break;
      case DType::Int32: t.data<int32_t>()[at] = static_cast<int32_t>(row_.integer[c]); break;
      case DType::Int64: t.data<int64_t>()[at] = row_.integer[c]; break;
      case DType::String: t.data<std::string>()[at] = row_.text[c]; break;
      default: break;
    }
  }
}

std::optional<Batch> Producer::next_batch() {
  while (!done_) {
    Batch b;
    b.epoch = epoch_;
    for (const auto& c : schema_.columns()) {
      if (c.skip) continue;
      b.names.push_back(c.name);
      b.columns.emplace_back(c.dtype, Shape{opt_.batch_size});
    }
    int64_t n = 0;
    std::string_view text;
    size_t file = 0;
    int64_t line = 0;
    bool epoch_over = false;
    while (n < opt_.batch_size) {
      if (!next_record(text, file, line)) {
        epoch_over = true;
        break;
      }
      ++records_;
      std::string err = schema_.decode(text, row_, scratch_);
      if (!err.empty()) {
        if (opt_.bad_rows != BadRows::Skip)
          throw Error(cat(files_[file], ":", line, ": ", err), ErrorCode::InvalidArgument,
                      ErrorContext{.file = files_[file], .line = static_cast<int64_t>(line)});
        ++stats_.bad_rows;
        continue;
      }
      for (auto& m : maps_) m(row_);
      bool keep = true;
      for (auto& f : filters_) keep = keep && f(row_);
      if (!keep) {
        ++stats_.filtered;
        continue;
      }
      store(b, n++);
    }
    stats_.rows += (epoch_over && n < opt_.batch_size && opt_.drop_remainder) ? 0 : n;
    if (epoch_over) finish_epoch();
    if (n == 0 || (n < opt_.batch_size && opt_.drop_remainder)) continue;
    if (n < opt_.batch_size)
      for (auto& t : b.columns) t = t.with_shape({n});
    b.rows = n;
    b.position = {key_, epoch_, records_, ""};
    return b;
  }
  return std::nullopt;
}

}  // namespace

struct BatchIterator::State {
  Producer producer;
  int prefetch;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::optional<Batch>> queue;  // nullopt marks the end
  std::exception_ptr error;
  bool stop = false;
  std::thread thread;

  State(const CsvDataset& ds, const Position& from) : producer(ds, from), prefetch(ds.options().prefetch) {}

  void run() {
    while (true) {
      std::optional<Batch> b;
      try {
        b = producer.next_batch();
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        error = std::current_exception();
        cv.notify_all();
        return;
      }
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stop || static_cast<int>(queue.size()) < prefetch; });
      if (stop) return;
      bool end = !b;
      queue.push_back(std::move(b));
      cv.notify_all();
      if (end) return;
    }
  }
};

BatchIterator::BatchIterator(const CsvDataset& ds, const Position& from)
    : state_(std::make_unique<State>(ds, from)) {
  if (state_->prefetch > 0) state_->thread = std::thread([s = state_.get()] { s->run(); });
}

BatchIterator::~BatchIterator() {
  if (state_->thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->stop = true;
    }
    state_->cv.notify_all();
    state_->thread.join();
  }
}

std::optional<Batch> BatchIterator::next() {
  State& s = *state_;
  if (s.prefetch == 0) return s.producer.next_batch();
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait(lock, [&] { return !s.queue.empty() || s.error; });
  if (s.queue.empty()) std::rethrow_exception(s.error);
  std::optional<Batch> b = std::move(s.queue.front());
  if (b) s.queue.pop_front();  // the end marker stays: later calls see the end again
  s.cv.notify_all();
  return b;
}

std::vector<EpochStats> BatchIterator::epoch_stats() const {
  return state_->producer.finished();
}

}  // namespace tg::data
