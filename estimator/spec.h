// The column and feature specification (of `tg train`, the C API and the Python package), given as a JSON file (--spec) or built
// from inline flags, and saved resolved (normalizer statistics included) in the output
// directory so that `tg evaluate` and `tg predict` rebuild exactly the trained model.
// docs/spec.md describes every key and feature type with an example:
//
//   {"header": false,
//    "columns": [{"name": "fare_amount"}, {"name": "passengers", "default": "1"},
//                {"name": "borough", "dtype": "string"}, {"name": "key", "dtype": "int64", "skip": true}],
//    "label": "fare_amount", "weight": "", "label_vocabulary": [],
//    "baseline": {"type": "distance", "inputs": ["pickuplon", "pickuplat", "dropofflon", "dropofflat"]},
//    "features": [{"type": "numeric", "name": "pickuplon", "normalize": true},
//                 {"type": "difference", "name": "londiff", "inputs": ["dropofflon", "pickuplon"]},
//                 {"type": "euclidean", "name": "dist", "inputs": ["pickuplon", "pickuplat", "dropofflon", "dropofflat"]},
//                 {"type": "datetime", "name": "pickup_datetime", "parts": ["hour", "dayofweek"]},
//                 {"type": "bucketized", "input": "pickuplat", "boundaries": [40.6, 40.7]},
//                 {"type": "vocabulary", "name": "borough", "vocabulary": ["Queens"], "embedding": 4},
//                 {"type": "hash", "name": "borough", "buckets": 100},
//                 {"type": "identity", "name": "hour", "buckets": 24},
//                 {"type": "crossed", "columns": [{...}, {...}], "buckets": 1000}]}
// Derived features (difference, euclidean) and numeric ones are normalized unless
// "normalize": false; categorical ones are one-hot unless "embedding" gives a dimension.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../data/csv.h"
#include "estimator.h"
#include "feature_columns.h"

namespace tg::estimator {

using Json = nlohmann::json;

// Reads and validates a spec file; throws tg::Error naming the file and the problem.
Json load_spec_file(const std::string& path);
// A spec from inline flags: "name[:dtype][:default=V|:skip],..." columns, a label, and the
// numeric features ("" = every numeric column but the label).
Json inline_spec(const std::string& columns, const std::string& label, const std::string& features, bool header);
// Completes the columns: with "header", every column of the first file's header, typed from its
// first rows (numbers float32, else string), the spec's own columns changing only those they
// name; timestamp columns (read by datetime features) as checked strings. Fills the features
// (every numeric column but the label) when there are none. Throws tg::Error listing the
// columns read when the label is not among them.
void resolve_columns(Json& spec, const std::vector<std::string>& files);
// Expands each datetime feature with "parts" into one feature per part (in place).
void expand_features(Json& spec);

data::CsvSchema schema_of(const Json& spec, bool with_label = true);
// Computes the normalizers that are missing (over one pass of `train`) into the spec.
void fit_normalizers(Json& spec, const InputFn& train);
std::vector<Column> features_of(const Json& spec);

// The estimator described by a saved tg_spec.json, over the given model directory (replacing
// the model there with overwrite, see RunConfig::overwrite).
Estimator make_estimator(const Json& saved, const std::string& model_dir, bool overwrite = false);
// Batches of CSV files under a saved specification; shard shard_index of shard_count (see
// data::DatasetOptions) when several processes read them.
InputFn csv_files(const Json& spec, const std::vector<std::string>& files, int64_t batch, int64_t epochs,
                  bool shuffle, uint64_t seed, bool with_label = true, int shard_index = 0, int shard_count = 1);

}  // namespace tg::estimator
