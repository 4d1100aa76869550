// TensorFlow Serving's REST request and response bodies, converted to and from the columns a
// Predictor takes. Every problem with a request is a tg::Error whose message says what is
// wrong; the server turns it into a 400 with {"error": message}.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "serving/predictor.h"

namespace tg::serving {

using Json = nlohmann::json;
using Columns = std::map<std::string, Tensor>;

// Limits on JSON from outside (a request body, an export's model.json), checked before parsing and so
// before anything recursive (a copy, a dump) sees the value: nesting deeper than max_depth and
// strings or keys longer than max_string_bytes are refused.
struct JsonLimits {
  int max_depth = 64;
  size_t max_string_bytes = SIZE_MAX;
};
// Throws tg::Error: "malformed JSON: ..." (its quote of the input clipped), or the limit broken.
Json parse_json(std::string_view text, const JsonLimits& limits);
// A request body: parse_json with a nesting limit of 64.
Json parse_request_body(std::string_view body);

// For error messages: at most `max` bytes of s, with "..." and the full size when clipped.
std::string clip(std::string_view s, size_t max = 100);
// A value as an error quotes it: JSON text of at most about 100 characters, never recursive.
std::string quote(const Json& v);
// JSON text for a reply: invalid UTF-8 (in a quoted value, a model's label) is replaced, not fatal.
std::string dump_reply(const Json& v);
// The body of every error reply: {"error": message}, the message clipped to 1000 bytes.
std::string error_body(std::string_view message);

// {"instances": [{"x": 1, ...}, ...]} (row format; a bare value per row when there is one input).
Columns columns_from_instances(const Json& instances, const std::vector<TensorSpec>& inputs);
// {"inputs": {"x": [1, 2], ...}} (column format).
Columns columns_from_inputs(const Json& inputs, const std::vector<TensorSpec>& inputs_spec);
// {"examples": [{...}]} of :regress and :classify: the row format under another name.
Columns columns_from_examples(const Json& examples, const std::vector<TensorSpec>& inputs);
int64_t rows_of(const Columns& c);

// One object per row with every output ("predictions" of :predict in row format).
Json rows_json(const Columns& outputs, const std::vector<TensorSpec>& specs);
// Every output as a column ("outputs" of :predict in column format).
Json columns_json(const Columns& outputs, const std::vector<TensorSpec>& specs);
// :regress results (one value a row) and :classify results ([label, score] pairs a row).
Json regress_json(const Columns& outputs);
Json classify_json(const Columns& outputs, const std::vector<std::string>& labels);

}  // namespace tg::serving
