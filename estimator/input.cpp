#include "estimator/input.h"

#include <cstring>
#include <numeric>
#include <random>
#include <sstream>

namespace tg::estimator {

const Tensor& MemoryData::operator[](const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return columns[i];
  fail("the data has no column '", name, "'");
}

namespace {

// The iterator starts at the first next() (or resume), so that a resumed stream never reads
// ahead from the beginning for nothing.
class DatasetStream : public BatchStream {
 public:
  explicit DatasetStream(std::shared_ptr<const data::CsvDataset> ds)
      : ds_(std::move(ds)), files_(data::describe_files(ds_->files())) {}
  std::optional<data::Batch> next() override {
    if (!it_) it_ = ds_->iterate();
    return it_->next();
  }
  bool resume(const data::Position& p) override {
    if (it_ || p.key != ds_->position_key()) return false;
    it_ = ds_->iterate(p);
    return true;
  }
  std::string source() const override { return files_; }
  std::string position_key() const override { return ds_->position_key(); }

 private:
  std::shared_ptr<const data::CsvDataset> ds_;
  std::unique_ptr<data::BatchIterator> it_;
  std::string files_;
};

class MemoryStream : public BatchStream {
 public:
  MemoryStream(std::shared_ptr<const MemoryData> d, int64_t batch, int64_t epochs, bool shuffle, uint64_t seed)
      : d_(std::move(d)), batch_(batch), epochs_(epochs), shuffle_(shuffle), rng_(seed) {
    // The rows' order depends on the data's size and names, the shuffling and the seed.
    key_ = cat("memory:", d_->rows(), ":", shuffle_, ":", seed);
    for (const auto& n : d_->names) key_ += ":" + n;
    order_.resize(static_cast<size_t>(d_->rows()));
    start_epoch();
  }

  bool resume(const data::Position& p) override {
    if (p.key != key_ || started_) return false;
    epoch_ = p.epoch;
    if (shuffle_) {
      std::istringstream in(p.rng);
      in >> rng_;
      TG_CHECK(!in.fail(), "memory_input: a damaged generator state in the position to resume");
    }
    start_epoch();
    pos_ = std::min(order_.size(), static_cast<size_t>(std::max<int64_t>(0, p.records)));
    return true;
  }

  std::optional<data::Batch> next() override {
    started_ = true;
    if (epochs_ >= 0 && epoch_ >= epochs_) return std::nullopt;
    if (pos_ >= order_.size()) {
      ++epoch_;
      if (order_.empty() || (epochs_ >= 0 && epoch_ >= epochs_)) return std::nullopt;
      start_epoch();
    }
    int64_t n = std::min<int64_t>(batch_, static_cast<int64_t>(order_.size() - pos_));
    data::Batch b;
    b.names = d_->names;
    b.rows = n;
    b.epoch = epoch_;
    for (const Tensor& col : d_->columns) {
      std::vector<int64_t> dims = col.shape().dims();
      dims[0] = n;
      Tensor t(col.dtype(), Shape(dims));
      size_t row_bytes = dtype_size(col.dtype()) * static_cast<size_t>(col.num_elements() / std::max<int64_t>(col.shape().dim(0), 1));
      for (int64_t i = 0; i < n; ++i) {
        size_t src = order_[pos_ + static_cast<size_t>(i)];
        if (col.dtype() == DType::String) {
          t.data<std::string>()[i] = col.data<std::string>()[src];
        } else {
          std::memcpy(static_cast<char*>(t.raw()) + static_cast<size_t>(i) * row_bytes,
                      static_cast<const char*>(col.raw()) + src * row_bytes, row_bytes);
        }
      }
      b.columns.push_back(std::move(t));
    }
    pos_ += static_cast<size_t>(n);
    b.position = {key_, epoch_, static_cast<int64_t>(pos_), epoch_rng_};
    return b;
  }

 private:
  void start_epoch() {
    std::iota(order_.begin(), order_.end(), size_t{0});
    if (shuffle_) {
      std::ostringstream state;  // what a resumed stream needs to shuffle this epoch again
      state << rng_;
      epoch_rng_ = state.str();
      std::shuffle(order_.begin(), order_.end(), rng_);
    }
    pos_ = 0;
  }
  std::shared_ptr<const MemoryData> d_;
  int64_t batch_, epochs_;
  bool shuffle_;
  std::mt19937_64 rng_;
  std::vector<size_t> order_;
  size_t pos_ = 0;
  int64_t epoch_ = 0;
  std::string key_, epoch_rng_;
  bool started_ = false;
};

}  // namespace

InputFn csv_input(data::CsvDataset dataset) {
  auto ds = std::make_shared<data::CsvDataset>(std::move(dataset));
  return [ds] { return std::unique_ptr<BatchStream>(new DatasetStream(ds)); };
}

InputFn memory_input(MemoryData data, int64_t batch_size, int64_t epochs, bool shuffle, uint64_t seed) {
  TG_CHECK(batch_size > 0, "batch_size must be positive");
  TG_CHECK(!data.columns.empty() && data.names.size() == data.columns.size(), "memory_input: no columns");
  for (const auto& c : data.columns)
    TG_CHECK(c.shape().rank() >= 1 && c.shape().dim(0) == data.rows(), "memory_input: columns differ in rows");
  auto d = std::make_shared<const MemoryData>(std::move(data));
  return [=] { return std::unique_ptr<BatchStream>(new MemoryStream(d, batch_size, epochs, shuffle, seed)); };
}

}  // namespace tg::estimator
