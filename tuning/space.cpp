#include "tuning/space.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tg::tuning {

const char* param_type_name(ParamType t) {
  switch (t) {
    case ParamType::Double: return "DOUBLE";
    case ParamType::Integer: return "INTEGER";
    case ParamType::Categorical: return "CATEGORICAL";
    case ParamType::Discrete: return "DISCRETE";
  }
  return "?";
}

const char* scale_type_name(ScaleType s) {
  switch (s) {
    case ScaleType::Linear: return "UNIT_LINEAR_SCALE";
    case ScaleType::Log: return "UNIT_LOG_SCALE";
    case ScaleType::ReverseLog: return "UNIT_REVERSE_LOG_SCALE";
  }
  return "?";
}

int SearchSpace::dims() const {
  int d = 0;
  for (const auto& p : params) d += p.width();
  return d;
}

// Reverse log follows the service: values near the top of the range are spread out, as a log
// scale spreads those near the bottom. u = 1 - log(hi + lo - x) / ... mirrors the log map.
double to_unit(const ParamSpec& p, double x) {
  double lo = p.lo(), hi = p.hi();
  if (hi <= lo) return 0.5;
  x = std::clamp(x, lo, hi);
  double u = 0;
  switch (p.scale) {
    case ScaleType::Linear: u = (x - lo) / (hi - lo); break;
    case ScaleType::Log: u = (std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo)); break;
    case ScaleType::ReverseLog:
      u = 1 - (std::log(hi + lo - x) - std::log(lo)) / (std::log(hi) - std::log(lo));
      break;
  }
  return std::clamp(u, 0.0, 1.0);
}

double snap(const ParamSpec& p, double x) {
  switch (p.type) {
    case ParamType::Double: return std::clamp(x, p.min, p.max);
    case ParamType::Integer: return std::clamp(std::round(x), p.min, p.max);
    case ParamType::Discrete: {
      // Nearest in the scale's own measure, so that 64 vs 512 on a log scale splits at 181.
      double best = p.values.front(), best_d = INFINITY, ux = to_unit(p, x);
      for (double v : p.values)
        if (double d = std::abs(to_unit(p, v) - ux); d < best_d) best = v, best_d = d;
      return best;
    }
    case ParamType::Categorical: return x;
  }
  return x;
}

double from_unit(const ParamSpec& p, double u) {
  double lo = p.lo(), hi = p.hi();
  u = std::clamp(u, 0.0, 1.0);
  double x = lo;
  switch (p.scale) {
    case ScaleType::Linear: x = lo + u * (hi - lo); break;
    case ScaleType::Log: x = std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))); break;
    case ScaleType::ReverseLog:
      x = hi + lo - std::exp(std::log(lo) + (1 - u) * (std::log(hi) - std::log(lo)));
      break;
  }
  return snap(p, x);
}

std::vector<double> encode(const SearchSpace& space, const Assignment& a) {
  std::vector<double> x;
  x.reserve(static_cast<size_t>(space.dims()));
  for (size_t i = 0; i < space.params.size(); ++i) {
    const ParamSpec& p = space.params[i];
    if (p.numeric()) {
      x.push_back(to_unit(p, a[i].number));
    } else {
      for (int c = 0; c < p.width(); ++c) x.push_back(c == a[i].category ? 1.0 : 0.0);
    }
  }
  return x;
}

std::string format_value(const ParamSpec& p, const Value& v) {
  if (p.type == ParamType::Categorical) return p.categories.at(static_cast<size_t>(v.category));
  char b[40];
  if (std::abs(v.number) < 1e15 && v.number == std::round(v.number))
    std::snprintf(b, sizeof b, "%lld", static_cast<long long>(v.number));
  else
    std::snprintf(b, sizeof b, "%.10g", v.number);
  return b;
}

Value canonical(const ParamSpec& p, const Value& v) {
  if (p.type == ParamType::Categorical) return v;
  Value r = v;
  r.number = snap(p, std::strtod(format_value(p, v).c_str(), nullptr));
  return r;
}

}  // namespace tg::tuning
