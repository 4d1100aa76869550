// TensorFlow Serving's REST request and response bodies, converted to and from the columns a
// Predictor takes. Every problem with a request is a tg::Error whose message says what is
// wrong; the server turns it into a 400 with {"error": message}.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "serving/predictor.h"

namespace tg::serving {

using Json = nlohmann::json;
using Columns = std::map<std::string, Tensor>;

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
