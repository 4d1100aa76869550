// The search space of a study: the parameters of Cloud ML Engine's hyperparameter spec
// (DOUBLE, INTEGER, CATEGORICAL, DISCRETE, with linear, log and reverse-log scales), their
// values, and the two maps every search needs:
//   - each parameter onto [0, 1] by its scale type (`to_unit` / `from_unit`), which is where the
//     random search draws and the Gaussian process measures distances;
//   - a whole assignment onto the GP's input vector (`encode`): one coordinate per numeric
//     parameter, one-hot coordinates for a categorical one.
// Values that come out of a search are always valid: inside their range, integers rounded,
// discrete values snapped to the nearest listed value, categories from the list.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tg::tuning {

enum class ParamType { Double, Integer, Categorical, Discrete };
enum class ScaleType { Linear, Log, ReverseLog };

const char* param_type_name(ParamType t);  // "DOUBLE", ...
const char* scale_type_name(ScaleType s);  // "UNIT_LINEAR_SCALE", ...

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Double;
  double min = 0, max = 1;                 // DOUBLE and INTEGER
  ScaleType scale = ScaleType::Linear;     // not for CATEGORICAL
  std::vector<std::string> categories;     // CATEGORICAL
  std::vector<double> values;              // DISCRETE, ascending

  bool numeric() const { return type != ParamType::Categorical; }
  // Coordinates in the GP's input: the number of categories for a categorical, else 1.
  int width() const { return type == ParamType::Categorical ? static_cast<int>(categories.size()) : 1; }
  // Lowest and highest value of a numeric parameter (the ends of a DISCRETE list).
  double lo() const { return type == ParamType::Discrete ? values.front() : min; }
  double hi() const { return type == ParamType::Discrete ? values.back() : max; }
};

// One parameter's value: a number, or the index of a category.
struct Value {
  double number = 0;
  int category = -1;
  bool operator==(const Value& o) const { return number == o.number && category == o.category; }
};
using Assignment = std::vector<Value>;  // one per parameter of the space, in its order

struct SearchSpace {
  std::vector<ParamSpec> params;
  int dims() const;  // the GP's input width
};

// A numeric value's position in [0, 1] by its parameter's scale type; clamped to the range.
double to_unit(const ParamSpec& p, double value);
// The value at a position in [0, 1], made valid (rounded, snapped, clamped).
double from_unit(const ParamSpec& p, double u);
// The nearest valid value to a number.
double snap(const ParamSpec& p, double value);

// The GP's input for an assignment: unit positions and one-hot categories.
std::vector<double> encode(const SearchSpace& space, const Assignment& a);

// As passed on a command line (`--name TEXT`): integers without a fraction, doubles with 10
// significant digits, categories as listed.
std::string format_value(const ParamSpec& p, const Value& v);
// The value a command line would have carried: a number is rounded to what format_value
// prints, so the study records exactly what the trial ran with.
Value canonical(const ParamSpec& p, const Value& v);

}  // namespace tg::tuning
