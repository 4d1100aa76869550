// ONNX export (opset 17) of an exported model's prediction graph, checked with ONNX's own
// checker. Covered: placeholders, constants and variables (as initializers), elementwise
// arithmetic, matmul (with transposes), bias, every activation, softmax, reshape, concat,
// slice, gather, cast, comparisons, select, reductions, argmax, one_hot and identity; so
// numeric features with their z-score normalization, derived features built from arithmetic,
// and every dense layer and head are in the ONNX model. Not covered: the string and id
// feature ops (vocabulary lookup, hash buckets, crosses, bucketize, checked ids): a model that
// uses them is refused with the op's name.
#pragma once

#include <string>

#include "predictor.h"

namespace tg::serving {

// Writes the predictor's graph as an ONNX model with the same input and output names.
void export_onnx(Predictor& predictor, const std::string& path);

}  // namespace tg::serving
