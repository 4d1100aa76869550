// Feature-column ops: turning raw values into bucket ids. They run on the CPU (strings and
// lookups) and have no gradients; embeddings and indicators over their ids are gather and
// one_hot.
#include <algorithm>
#include <numeric>

#include "graph/ops/feature.h"
#include "graph/ops/helpers.h"

namespace tg::ops {

namespace {
void ids_like_input(InferContext& c) {
  c.set_output(0, DType::Int64, c.in_shapes[0]);
}
void register_nd(const std::string& name, ShapeFn fn) {
  OpDef d{name, std::move(fn)};
  d.not_differentiable = true;
  register_op(d);
}
}  // namespace

Output bucketize(Output x, std::vector<double> boundaries, const std::string& n) {
  TG_CHECK(std::is_sorted(boundaries.begin(), boundaries.end()),
           "bucketize: boundaries must be sorted ascending");
  return make("Bucketize", {x}, {{"boundaries", std::move(boundaries)}}, n);
}

Output vocabulary_lookup(Output x, const std::vector<std::string>& vocabulary,
                         int64_t num_oov_buckets, const std::string& n) {
  TG_CHECK(!vocabulary.empty(), "vocabulary_lookup: empty vocabulary");
  TG_CHECK(num_oov_buckets >= 0, "vocabulary_lookup: negative num_oov_buckets");
  // Sorted once here, so that the kernel binary-searches without building anything per run.
  std::vector<int64_t> order(vocabulary.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return vocabulary[static_cast<size_t>(a)] < vocabulary[static_cast<size_t>(b)];
  });
  std::vector<std::string> sorted;
  for (int64_t i : order) sorted.push_back(vocabulary[static_cast<size_t>(i)]);
  for (size_t i = 1; i < sorted.size(); ++i)
    TG_CHECK(sorted[i] != sorted[i - 1], "vocabulary_lookup: '", sorted[i], "' appears twice");
  return make("VocabularyLookup", {x},
              {{"sorted_vocabulary", sorted}, {"sorted_index", order},
               {"num_oov_buckets", num_oov_buckets}, {"vocabulary_size", static_cast<int64_t>(vocabulary.size())}},
              n);
}

Output hash_bucket(Output x, int64_t num_buckets, const std::string& n) {
  TG_CHECK(num_buckets > 0, "hash_bucket: num_buckets must be positive");
  return make("HashBucket", {x}, {{"num_buckets", num_buckets}}, n);
}

Output cross_hash(std::vector<Output> ids, int64_t num_buckets, const std::string& n) {
  TG_CHECK(ids.size() >= 2, "cross_hash: needs at least two id tensors");
  TG_CHECK(num_buckets > 0, "cross_hash: num_buckets must be positive");
  return make("CrossHash", std::move(ids), {{"num_buckets", num_buckets}}, n);
}

Output check_ids(Output x, int64_t num_buckets, int64_t default_value, const std::string& n) {
  TG_CHECK(num_buckets > 0, "check_ids: num_buckets must be positive");
  TG_CHECK(default_value < num_buckets, "check_ids: default_value must be below num_buckets");
  return make("CheckIds", {x}, {{"num_buckets", num_buckets}, {"default_value", default_value}}, n);
}

const std::vector<std::string>& timestamp_part_names() {
  static const std::vector<std::string> names{"hour", "dayofweek", "dayofmonth", "month", "dayofyear", "epoch"};
  return names;
}

int64_t timestamp_part_buckets(const std::string& part) {
  if (part == "hour") return 24;
  if (part == "dayofweek") return 7;
  if (part == "dayofmonth") return 32;  // ids 1-31 as they are
  if (part == "month") return 13;       // ids 1-12
  if (part == "dayofyear") return 367;  // ids 1-366
  if (part == "epoch") return 0;
  std::string known;
  for (const auto& n : timestamp_part_names()) known += (known.empty() ? "" : ", ") + n;
  fail("timestamp part '", part, "' is not one of ", known);
}

Output timestamp_part(Output x, const std::string& part, const std::string& n) {
  timestamp_part_buckets(part);  // checks the name
  return make("TimestampPart", {x}, {{"part", part}}, n);
}

void register_feature_ops_impl() {
  register_nd("TimestampPart", [](InferContext& c) {
    c.expect_inputs(1);
    if (c.in_dtypes[0] != DType::String) c.fail("timestamp parts are read from strings");
    ids_like_input(c);
  });
  register_nd("Bucketize", [](InferContext& c) {
    c.expect_inputs(1);
    if (!is_numeric(c.in_dtypes[0])) c.fail("bucketize needs numbers");
    ids_like_input(c);
  });
  register_nd("VocabularyLookup", [](InferContext& c) {
    c.expect_inputs(1);
    if (c.in_dtypes[0] != DType::String && !is_integer(c.in_dtypes[0]))
      c.fail("vocabulary lookup needs strings or integers");
    ids_like_input(c);
  });
  register_nd("HashBucket", [](InferContext& c) {
    c.expect_inputs(1);
    if (c.in_dtypes[0] != DType::String && !is_integer(c.in_dtypes[0]))
      c.fail("hash buckets need strings or integers");
    ids_like_input(c);
  });
  register_nd("CrossHash", [](InferContext& c) {
    for (int i = 0; i < c.num_inputs(); ++i) {
      if (c.in_dtypes[static_cast<size_t>(i)] != DType::Int64) c.fail("crossed ids must be int64");
      if (!c.in_shapes[static_cast<size_t>(i)].compatible_with(c.in_shapes[0]))
        c.fail("crossed ids must have the same shape");
    }
    ids_like_input(c);
  });
  register_nd("CheckIds", [](InferContext& c) {
    c.expect_inputs(1);
    if (!is_integer(c.in_dtypes[0])) c.fail("identity ids must be integers");
    ids_like_input(c);
  });
}

}  // namespace tg::ops

namespace tg {
void register_feature_ops() { ops::register_feature_ops_impl(); }
}  // namespace tg
