// The smallest tensorgraph program: two constants added, then the same sum over placeholders
// fed at run time. The graph is built first and executed later by a session.
#include <iostream>

#include "graph/ops.h"
#include "runtime/session.h"

int main() {
  tg::Graph g;
  tg::Output a = tg::ops::scalar(g, 5.0, tg::DType::Float32, "a");
  tg::Output b = tg::ops::scalar(g, 3.0, tg::DType::Float32, "b");
  tg::Output c = tg::ops::add(a, b, "c");  // nothing is computed yet

  tg::Session sess(g);
  std::cout << "5 + 3 = " << sess.run(tg::FeedList{}, {c})[0].scalar_as_double() << "\n";

  tg::Output x = tg::ops::placeholder(g, tg::DType::Float32, {-1}, "x");
  tg::Output y = tg::ops::placeholder(g, tg::DType::Float32, {-1}, "y");
  tg::Output sum = x + y;
  auto out = sess.run({{x, tg::Tensor::from_vector<float>({3}, {1, 2, 3})},
                       {y, tg::Tensor::from_vector<float>({3}, {10, 20, 30})}},
                      {sum});
  std::cout << "[1 2 3] + [10 20 30] = " << out[0].debug_string() << "\n";
  return 0;
}
