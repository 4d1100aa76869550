// The table of op cases for tests/kernels/ops_test.cpp: how to build each op from placeholder
// inputs and a naive double-precision reference of what it must compute.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "graph/ops.h"

namespace tg::testing {

// A dense row-major tensor of doubles for references.
struct Ref {
  Shape shape;
  std::vector<double> v;
  int64_t size() const { return static_cast<int64_t>(v.size()); }
};

// How to fill one input: floats in [lo, hi] (|x| >= gap, keeping away from kinks at 0), or
// integer ids in [0, ids) when ids > 0, or bools when is_bool.
struct InputSpec {
  Shape shape;
  double lo = -2, hi = 2, gap = 0;
  int64_t ids = 0;
  bool is_bool = false;
  bool int32 = false;
};

struct OpCase {
  std::string name;
  std::vector<InputSpec> inputs;
  std::function<Output(std::vector<Output>&)> build;
  std::function<Ref(const std::vector<Ref>&)> reference;
  std::vector<int> grad_inputs;  // float inputs whose gradient is checked
  double tol32 = 1e-4;
  // Relative tolerance under MathPrecision::BFloat16 (products' inputs rounded to bf16's 8-bit
  // mantissa: about 2^-9 relative each, summed over k terms); < 0: tol32 (an op that computes
  // no product is unaffected).
  double tol_bf16 = -1;
};

std::vector<OpCase> all_op_cases();
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

}  // namespace tg::testing
