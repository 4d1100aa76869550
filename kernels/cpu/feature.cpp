// CPU kernels of the feature-column family: bucketing, vocabulary lookup, hashing, crosses.
#include <algorithm>
#include <string>

#include "base/fnv1a.h"
#include "base/timestamp.h"
#include "kernels/cpu/common.h"

namespace tg::cpu {

namespace {


// The text of element i of a string or integer tensor.
std::string text_of(const Tensor& t, int64_t i) {
  if (t.dtype() == DType::String) return t.data<std::string>()[i];
  if (t.dtype() == DType::Int32) return std::to_string(t.data<int32_t>()[i]);
  return std::to_string(t.data<int64_t>()[i]);
}

template <class T>
void bucketize(const KernelContext& c) {
  const auto& b = c.attrs.get<std::vector<double>>("boundaries");
  const T* x = c.in(0).data<T>();
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i)
    out[i] = std::upper_bound(b.begin(), b.end(), static_cast<double>(x[i])) - b.begin();
}

void vocabulary_lookup(const KernelContext& c) {
  const auto& vocab = c.attrs.get<std::vector<std::string>>("sorted_vocabulary");
  const auto& index = c.attrs.get<std::vector<int64_t>>("sorted_index");
  int64_t oov = c.attrs.get<int64_t>("num_oov_buckets"), size = c.attrs.get<int64_t>("vocabulary_size");
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) {
    std::string v = text_of(c.in(0), i);
    auto it = std::lower_bound(vocab.begin(), vocab.end(), v);
    if (it != vocab.end() && *it == v) {
      out[i] = index[static_cast<size_t>(it - vocab.begin())];
    } else {
      TG_CHECK(oov > 0, "'", v, "' is not in the vocabulary and there are no out-of-vocabulary buckets");
      out[i] = size + static_cast<int64_t>(fnv1a(v.data(), v.size()) % static_cast<uint64_t>(oov));
    }
  }
}

void hash_bucket(const KernelContext& c) {
  uint64_t n = static_cast<uint64_t>(c.attrs.get<int64_t>("num_buckets"));
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) {
    std::string v = text_of(c.in(0), i);
    out[i] = static_cast<int64_t>(fnv1a(v.data(), v.size()) % n);
  }
}

void cross_hash(const KernelContext& c) {
  uint64_t n = static_cast<uint64_t>(c.attrs.get<int64_t>("num_buckets"));
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) {
    uint64_t h = kFnv1aBasis;
    for (const Tensor* t : c.inputs) {
      int64_t id = t->data<int64_t>()[i];
      h = fnv1a(&id, sizeof id, h);
    }
    out[i] = static_cast<int64_t>(h % n);
  }
}

template <class T>
void check_ids(const KernelContext& c) {
  int64_t n = c.attrs.get<int64_t>("num_buckets"), dflt = c.attrs.get<int64_t>("default_value");
  const T* x = c.in(0).data<T>();
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) {
    int64_t id = static_cast<int64_t>(x[i]);
    if (id < 0 || id >= n) {
      TG_CHECK(dflt >= 0, "id ", id, " is outside [0, ", n, ") and there is no default");
      id = dflt;
    }
    out[i] = id;
  }
}

void timestamp_part(const KernelContext& c) {
  const std::string& part = c.attrs.get<std::string>("part");
  const std::string* x = c.in(0).data<std::string>();
  int64_t* out = c.out().data<int64_t>();
  for (int64_t i = 0, n_ = c.out().num_elements(); i < n_; ++i) {
    auto p = parse_timestamp(x[i]);
    TG_CHECK(p, "'", x[i].size() > 100 ? x[i].substr(0, 100) + "..." : x[i],
             "' is not a timestamp (\"2011-01-28 20:42:59 UTC\", ISO 8601 such as \"2011-01-28T20:42:59+01:00\", "
             "or unix seconds)");
    out[i] = part == "hour"        ? p->hour
             : part == "dayofweek" ? p->day_of_week
             : part == "dayofmonth" ? p->day_of_month
             : part == "month"     ? p->month
             : part == "dayofyear" ? p->day_of_year
                                   : p->epoch_seconds;
  }
}

}  // namespace

void register_feature_kernels() {
  register_kernel("TimestampPart", DeviceType::CPU, DType::String, &timestamp_part);
  reg<float, double, int32_t, int64_t>("Bucketize", [](auto z) -> KernelFn { return &bucketize<decltype(z)>; });
  reg<std::string, int32_t, int64_t>("VocabularyLookup", [](auto) -> KernelFn { return &vocabulary_lookup; });
  reg<std::string, int32_t, int64_t>("HashBucket", [](auto) -> KernelFn { return &hash_bucket; });
  register_kernel("CrossHash", DeviceType::CPU, DType::Int64, &cross_hash);
  reg<int32_t, int64_t>("CheckIds", [](auto z) -> KernelFn { return &check_ids<decltype(z)>; });
}

}  // namespace tg::cpu
