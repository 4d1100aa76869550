#include "tuning/config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <set>

#include "base/error.h"
#include "base/file_util.h"
#include "base/quote.h"

namespace tg::tuning {

const char* algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::Bayesian: return "ALGORITHM_UNSPECIFIED";
    case Algorithm::Grid: return "GRID_SEARCH";
    case Algorithm::Random: return "RANDOM_SEARCH";
  }
  return "?";
}

namespace {

// Reads one YAML document, naming the source, line and key path of every problem.
class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  template <class... Args>
  [[noreturn]] void fail_at(const YAML::Mark& mark, const std::string& key, const Args&... args) const {
    int64_t line = mark.line >= 0 ? mark.line + 1 : 0;
    throw Error(cat(source_, ":", line, ": ", key, ": ", args...), ErrorCode::InvalidArgument,
                ErrorContext{"", "", source_, line});
  }
  template <class... Args>
  [[noreturn]] void fail_at(const YAML::Node& n, const std::string& key, const Args&... args) const {
    fail_at(n.Mark(), key, args...);
  }

  // The value of `key` in a map, checking it is a map; an undefined node when absent.
  YAML::Node child(const YAML::Node& map, const std::string& path, const std::string& key, bool required) const {
    if (!map.IsMap()) fail_at(map, path, "expected a map of keys");
    YAML::Node v = map[key];
    if (required && (!v.IsDefined() || v.IsNull())) fail_at(map, path + "." + key, "missing (required)");
    return v;
  }

  // Every key of a map must be one of `known`.
  void only_keys(const YAML::Node& map, const std::string& path, const std::set<std::string>& known) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string k = it->first.IsScalar() ? it->first.Scalar() : "?";
      if (!known.count(k)) {
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        fail_at(it->first, path + "." + k, "unknown key (expected one of ", list, ")");
      }
    }
  }

  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail_at(n, key, "expected a single value");
    return n.Scalar();
  }

  double number(const YAML::Node& n, const std::string& key) const {
    std::string s = scalar(n, key);
    double v = 0;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception&) {
      fail_at(n, key, quote(s), " is not a number");
    }
    if (!std::isfinite(v)) fail_at(n, key, quote(s), " is not a finite number");
    return v;
  }

  long long integer(const YAML::Node& n, const std::string& key) const {
    std::string s = scalar(n, key);
    try {
      return n.as<long long>();
    } catch (const YAML::Exception&) {
      fail_at(n, key, quote(s), " is not an integer");
    }
  }

  bool boolean(const YAML::Node& n, const std::string& key) const {
    std::string s = scalar(n, key);
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      fail_at(n, key, quote(s), " is not true or false");
    }
  }

  // One of the names listed, returning its index.
  size_t choice(const YAML::Node& n, const std::string& key, const std::vector<std::string>& names) const {
    std::string s = scalar(n, key);
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == s) return i;
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    fail_at(n, key, quote(s), " is not one of ", list);
  }

  ParamSpec param(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) fail_at(n, path, "expected a map (parameterName, type, ...)");
    only_keys(n, path, {"parameterName", "type", "minValue", "maxValue", "scaleType", "categoricalValues", "discreteValues"});
    ParamSpec p;
    YAML::Node name = child(n, path, "parameterName", true);
    p.name = scalar(name, path + ".parameterName");
    if (p.name.empty()) fail_at(name, path + ".parameterName", "is empty");
    for (char c : p.name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
        fail_at(name, path + ".parameterName", quote(p.name), " cannot be a command line flag (letters, digits, _, - and . only)");
    if (p.name == "output_dir" || p.name == "job-dir")
      fail_at(name, path + ".parameterName", quote(p.name), " is set by tg tune for each trial");
    YAML::Node type = child(n, path, "type", true);
    p.type = static_cast<ParamType>(choice(type, path + ".type", {"DOUBLE", "INTEGER", "CATEGORICAL", "DISCRETE"}));
    YAML::Node min = n["minValue"], max = n["maxValue"], cats = n["categoricalValues"], vals = n["discreteValues"];
    YAML::Node scale = n["scaleType"];
    auto refuse = [&](const YAML::Node& v, const char* key, const char* why) {
      if (v.IsDefined()) fail_at(v, path + "." + key, why, " (type ", param_type_name(p.type), ")");
    };
    if (p.type == ParamType::Double || p.type == ParamType::Integer) {
      refuse(cats, "categoricalValues", "not for a numeric range");
      refuse(vals, "discreteValues", "not for a numeric range");
      child(n, path, "minValue", true);
      child(n, path, "maxValue", true);
      bool integer_type = p.type == ParamType::Integer;
      p.min = integer_type ? static_cast<double>(integer(min, path + ".minValue")) : number(min, path + ".minValue");
      p.max = integer_type ? static_cast<double>(integer(max, path + ".maxValue")) : number(max, path + ".maxValue");
      if (integer_type ? p.min > p.max : p.min >= p.max)
        fail_at(min, path + ".minValue", scalar(min, ""), " is not below maxValue ", scalar(max, ""));
    } else if (p.type == ParamType::Categorical) {
      refuse(min, "minValue", "not for categories");
      refuse(max, "maxValue", "not for categories");
      refuse(scale, "scaleType", "not for categories");
      refuse(vals, "discreteValues", "not for categories");
      YAML::Node list = child(n, path, "categoricalValues", true);
      if (!list.IsSequence() || list.size() == 0) fail_at(list, path + ".categoricalValues", "expected a non-empty list");
      for (size_t i = 0; i < list.size(); ++i) {
        std::string key = cat(path, ".categoricalValues[", i, "]");
        p.categories.push_back(scalar(list[i], key));
        for (size_t j = 0; j + 1 < p.categories.size(); ++j)
          if (p.categories[j] == p.categories.back()) fail_at(list[i], key, quote(p.categories.back()), " is listed twice");
      }
    } else {
      refuse(min, "minValue", "not for a list of values");
      refuse(max, "maxValue", "not for a list of values");
      refuse(cats, "categoricalValues", "not for numbers");
      YAML::Node list = child(n, path, "discreteValues", true);
      if (!list.IsSequence() || list.size() == 0) fail_at(list, path + ".discreteValues", "expected a non-empty list");
      for (size_t i = 0; i < list.size(); ++i) {
        std::string key = cat(path, ".discreteValues[", i, "]");
        p.values.push_back(number(list[i], key));
        if (i > 0 && p.values[i] <= p.values[i - 1]) fail_at(list[i], key, "values must be listed in increasing order");
      }
    }
    if (scale.IsDefined() && !scale.IsNull()) {
      p.scale = static_cast<ScaleType>(
          choice(scale, path + ".scaleType", {"UNIT_LINEAR_SCALE", "UNIT_LOG_SCALE", "UNIT_REVERSE_LOG_SCALE"}));
      if (p.scale != ScaleType::Linear && p.lo() <= 0)
        fail_at(scale, path + ".scaleType", scale.Scalar(), " needs values above 0 (the lowest is ", p.lo(), ")");
    }
    return p;
  }

 private:
  std::string source_;
};

}  // namespace

StudyConfig parse_study_config(const std::string& text, const std::string& source) {
  Reader r(source);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    r.fail_at(e.mark, "YAML", e.msg);
  }
  if (!root.IsMap()) r.fail_at(root, "trainingInput", "missing: the file must hold trainingInput.hyperparameters");
  YAML::Node input = r.child(root, "", "trainingInput", true);
  YAML::Node hp = r.child(input, "trainingInput", "hyperparameters", true);
  const std::string path = "trainingInput.hyperparameters";
  r.only_keys(hp, path, {"goal", "hyperparameterMetricTag", "maxTrials", "maxParallelTrials", "maxFailedTrials",
                         "enableTrialEarlyStopping", "algorithm", "params", "resumePreviousJobId"});
  StudyConfig c;
  c.maximize = r.choice(r.child(hp, path, "goal", true), path + ".goal", {"MINIMIZE", "MAXIMIZE"}) == 1;
  c.metric = r.scalar(r.child(hp, path, "hyperparameterMetricTag", true), path + ".hyperparameterMetricTag");
  auto count = [&](const char* key, int fallback, long long least) {
    YAML::Node v = hp[key];
    if (!v.IsDefined() || v.IsNull()) return fallback;
    long long n = r.integer(v, path + "." + key);
    if (n < least || n > 100000) r.fail_at(v, path + "." + key, n, " is out of range (", least, " to 100000)");
    return static_cast<int>(n);
  };
  c.max_trials = count("maxTrials", 1, 1);
  c.max_parallel_trials = count("maxParallelTrials", 1, 1);
  c.max_failed_trials = count("maxFailedTrials", 0, 0);
  if (YAML::Node v = hp["enableTrialEarlyStopping"]; v.IsDefined() && !v.IsNull())
    c.early_stopping = r.boolean(v, path + ".enableTrialEarlyStopping");
  if (YAML::Node v = hp["algorithm"]; v.IsDefined() && !v.IsNull())
    c.algorithm = static_cast<Algorithm>(
        r.choice(v, path + ".algorithm", {"ALGORITHM_UNSPECIFIED", "GRID_SEARCH", "RANDOM_SEARCH"}));
  YAML::Node params = r.child(hp, path, "params", true);
  if (!params.IsSequence() || params.size() == 0) r.fail_at(params, path + ".params", "expected a non-empty list of parameters");
  for (size_t i = 0; i < params.size(); ++i) {
    std::string key = cat(path, ".params[", i, "]");
    c.space.params.push_back(r.param(params[i], key));
    for (size_t j = 0; j + 1 < c.space.params.size(); ++j)
      if (c.space.params[j].name == c.space.params.back().name)
        r.fail_at(params[i]["parameterName"], key + ".parameterName", quote(c.space.params.back().name), " is listed twice");
    if (c.algorithm == Algorithm::Grid && c.space.params.back().type == ParamType::Double)
      r.fail_at(params[i]["type"], key + ".type", "GRID_SEARCH needs INTEGER, DISCRETE or CATEGORICAL parameters, not DOUBLE");
  }
  return c;
}

StudyConfig load_study_config(const std::string& path) { return parse_study_config(read_file(path), path); }

long long grid_size(const SearchSpace& space) {
  long long n = 1;
  for (const auto& p : space.params) {
    long long k = 0;
    switch (p.type) {
      case ParamType::Double: fail("grid search: '", p.name, "' is DOUBLE, which has no grid");
      case ParamType::Integer: k = static_cast<long long>(p.max - p.min) + 1; break;
      case ParamType::Categorical: k = static_cast<long long>(p.categories.size()); break;
      case ParamType::Discrete: k = static_cast<long long>(p.values.size()); break;
    }
    n = (n > (1LL << 40) / k) ? (1LL << 40) : n * k;  // large enough to mean "more than any study runs"
  }
  return n;
}

}  // namespace tg::tuning
