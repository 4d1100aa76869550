// Heron's formula for the area of a triangle from its side lengths, built as a graph:
// s = (a + b + c) / 2, area = sqrt(s (s - a) (s - b) (s - c)). Several triangles at once.
#include <iostream>

#include "graph/ops.h"
#include "runtime/session.h"

int main() {
  using namespace tg;
  Graph g;
  Output sides = ops::placeholder(g, DType::Float64, {-1, 3}, "sides");  // one row a triangle
  Output a = ops::reshape(ops::slice(sides, {0, 0}, {-1, 1}), {-1});
  Output b = ops::reshape(ops::slice(sides, {0, 1}, {-1, 1}), {-1});
  Output c = ops::reshape(ops::slice(sides, {0, 2}, {-1, 1}), {-1});
  Output s = (a + b + c) / 2.0;
  Output area = ops::sqrt(s * (s - a) * (s - b) * (s - c), "area");

  Session sess(g);
  Tensor triangles = Tensor::from_vector<double>({2, 3}, {5.0, 3.0, 7.1, 2.3, 4.1, 4.8});
  Tensor result = sess.run({{sides, triangles}}, {area})[0];
  std::cout << "areas of (5, 3, 7.1) and (2.3, 4.1, 4.8): " << result.debug_string() << "\n";
  return 0;
}
