// Builders of the feature-column ops (graph/ops/feature.cpp). Each maps raw values to int64
// ids in [0, buckets).
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace tg::ops {

// The number of boundaries <= x: boundaries {0, 10} put x in bucket 0 (< 0), 1 or 2 (>= 10).
Output bucketize(Output x, std::vector<double> boundaries, const std::string& name = "");
// Index in the vocabulary; a value outside it goes to one of num_oov_buckets extra ids after
// the vocabulary (by hash), or is an error naming it when num_oov_buckets is 0.
Output vocabulary_lookup(Output x, const std::vector<std::string>& vocabulary,
                         int64_t num_oov_buckets = 1, const std::string& name = "");
// A stable 64-bit FNV-1a hash of the value's text, modulo num_buckets.
Output hash_bucket(Output x, int64_t num_buckets, const std::string& name = "");
// The combination of several id tensors hashed into num_buckets (crossed columns).
Output cross_hash(std::vector<Output> ids, int64_t num_buckets, const std::string& name = "");
// ids checked against [0, num_buckets): an id outside becomes default_value, or is an error
// naming it when default_value < 0.
Output check_ids(Output x, int64_t num_buckets, int64_t default_value = -1,
                 const std::string& name = "");

// A part of each timestamp of a string tensor (base/timestamp.h lists the accepted forms), as
// int64: "hour" (0-23), "dayofweek" (0 Monday - 6 Sunday), "dayofmonth" (1-31), "month"
// (1-12), "dayofyear" (1-366) or "epoch" (seconds since 1970-01-01 UTC). A value that is no
// timestamp is an error naming it.
Output timestamp_part(Output x, const std::string& part, const std::string& name = "");
// The parts timestamp_part knows, and the number of ids of each categorical one (0 for "epoch").
const std::vector<std::string>& timestamp_part_names();
int64_t timestamp_part_buckets(const std::string& part);

}  // namespace tg::ops
