#include "tuning/study.h"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"

namespace tg::tuning {

const char* trial_state_name(TrialState s) {
  switch (s) {
    case TrialState::Running: return "RUNNING";
    case TrialState::Succeeded: return "SUCCEEDED";
    case TrialState::Stopped: return "STOPPED";
    case TrialState::Failed: return "FAILED";
  }
  return "?";
}

namespace {

TrialState state_from_name(const std::string& s) {
  for (TrialState t : {TrialState::Running, TrialState::Succeeded, TrialState::Stopped, TrialState::Failed})
    if (s == trial_state_name(t)) return t;
  fail("unknown trial state '", s, "'");
}

// "better" in the study's direction; NaN is never better.
bool better(double a, double b, bool maximize) { return maximize ? a > b : a < b; }

std::string iso_time(double seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return b;
}

}  // namespace

int Study::count(TrialState s) const {
  return static_cast<int>(std::count_if(trials.begin(), trials.end(), [s](const Trial& t) { return t.state == s; }));
}

const Trial* Study::best() const {
  const Trial* b = nullptr;
  for (const Trial& t : trials)
    if (t.has_objective && t.finished() && t.state != TrialState::Failed && std::isfinite(t.objective) &&
        (!b || better(t.objective, b->objective, config.maximize)))
      b = &t;
  return b;
}

std::vector<Observation> Study::observations() const {
  std::vector<Observation> r;
  for (const Trial& t : trials)
    if ((t.state == TrialState::Succeeded || t.state == TrialState::Stopped) && t.has_objective) r.push_back({t.params, t.objective});
  return r;
}

std::vector<Assignment> Study::pending() const {
  std::vector<Assignment> r;
  for (const Trial& t : trials)
    if (t.state == TrialState::Running) r.push_back(t.params);
  return r;
}

Json config_to_json(const StudyConfig& c) {
  Json params = Json::array();
  for (const ParamSpec& p : c.space.params) {
    Json j{{"parameterName", p.name}, {"type", param_type_name(p.type)}};
    if (p.type == ParamType::Double || p.type == ParamType::Integer) j["minValue"] = p.min, j["maxValue"] = p.max;
    if (p.type == ParamType::Categorical) j["categoricalValues"] = p.categories;
    if (p.type == ParamType::Discrete) j["discreteValues"] = p.values;
    if (p.numeric()) j["scaleType"] = scale_type_name(p.scale);
    params.push_back(j);
  }
  return {{"goal", c.maximize ? "MAXIMIZE" : "MINIMIZE"}, {"hyperparameterMetricTag", c.metric}, {"maxTrials", c.max_trials},
          {"maxParallelTrials", c.max_parallel_trials}, {"maxFailedTrials", c.max_failed_trials},
          {"enableTrialEarlyStopping", c.early_stopping}, {"algorithm", algorithm_name(c.algorithm)}, {"params", params}};
}

StudyConfig config_from_json(const Json& j) {
  // study.json is written by this library; the YAML reader checked the configuration first.
  StudyConfig c;
  c.maximize = j.at("goal") == "MAXIMIZE";
  c.metric = j.at("hyperparameterMetricTag");
  c.max_trials = j.at("maxTrials");
  c.max_parallel_trials = j.at("maxParallelTrials");
  c.max_failed_trials = j.at("maxFailedTrials");
  c.early_stopping = j.at("enableTrialEarlyStopping");
  std::string alg = j.at("algorithm");
  for (Algorithm a : {Algorithm::Bayesian, Algorithm::Grid, Algorithm::Random})
    if (alg == algorithm_name(a)) c.algorithm = a;
  for (const Json& pj : j.at("params")) {
    ParamSpec p;
    p.name = pj.at("parameterName");
    std::string type = pj.at("type");
    for (ParamType t : {ParamType::Double, ParamType::Integer, ParamType::Categorical, ParamType::Discrete})
      if (type == param_type_name(t)) p.type = t;
    p.min = pj.value("minValue", 0.0);
    p.max = pj.value("maxValue", 1.0);
    p.categories = pj.value("categoricalValues", std::vector<std::string>{});
    p.values = pj.value("discreteValues", std::vector<double>{});
    std::string scale = pj.value("scaleType", "UNIT_LINEAR_SCALE");
    for (ScaleType s : {ScaleType::Linear, ScaleType::Log, ScaleType::ReverseLog})
      if (scale == scale_type_name(s)) p.scale = s;
    c.space.params.push_back(p);
  }
  return c;
}

Json value_to_json(const ParamSpec& p, const Value& v) {
  if (p.type == ParamType::Categorical) return p.categories.at(static_cast<size_t>(v.category));
  if (p.type == ParamType::Integer) return static_cast<long long>(v.number);
  return v.number;
}

Value value_from_json(const ParamSpec& p, const Json& j) {
  Value v;
  if (p.type == ParamType::Categorical) {
    std::string s = j.get<std::string>();
    auto it = std::find(p.categories.begin(), p.categories.end(), s);
    TG_CHECK(it != p.categories.end(), "'", s, "' is not a category of ", p.name);
    v.category = static_cast<int>(it - p.categories.begin());
  } else {
    v.number = j.get<double>();
  }
  return v;
}

Json study_to_json(const Study& s) {
  Json trials = Json::array();
  for (const Trial& t : s.trials) {
    Json params = Json::object();
    for (size_t k = 0; k < s.config.space.params.size(); ++k)
      params[s.config.space.params[k].name] = value_to_json(s.config.space.params[k], t.params[k]);
    Json curve = Json::array();
    for (const EvalPoint& e : t.curve) curve.push_back({e.step, std::isfinite(e.value) ? Json(e.value) : Json()});
    Json j{{"id", t.id}, {"parameters", params}, {"state", trial_state_name(t.state)}, {"curve", curve},
           {"start_time", t.start_time}, {"seconds", t.seconds}, {"starts", t.starts}, {"message", t.message}};
    if (t.has_objective) j["objective"] = std::isfinite(t.objective) ? Json(t.objective) : Json(), j["step"] = t.step;
    trials.push_back(j);
  }
  return {{"format", 1}, {"config", config_to_json(s.config)}, {"command", s.command}, {"seed", s.seed}, {"trials", trials}};
}

Study study_from_json(const Json& j) {
  Study s;
  s.config = config_from_json(j.at("config"));
  s.command = j.at("command").get<std::vector<std::string>>();
  s.seed = j.at("seed");
  for (const Json& tj : j.at("trials")) {
    Trial t;
    t.id = tj.at("id");
    for (const ParamSpec& p : s.config.space.params) t.params.push_back(value_from_json(p, tj.at("parameters").at(p.name)));
    t.state = state_from_name(tj.at("state"));
    for (const Json& e : tj.value("curve", Json::array()))
      t.curve.push_back({e.at(0).get<int64_t>(), e.at(1).is_null() ? NAN : e.at(1).get<double>()});
    if (tj.contains("objective")) {
      t.has_objective = true;
      t.objective = tj["objective"].is_null() ? NAN : tj["objective"].get<double>();
      t.step = tj.value("step", int64_t{0});
    }
    t.start_time = tj.value("start_time", 0.0);
    t.seconds = tj.value("seconds", 0.0);
    t.starts = tj.value("starts", 0);
    t.message = tj.value("message", "");
    s.trials.push_back(std::move(t));
  }
  return s;
}

void save_study(const std::string& path, const Study& s) { write_file_atomic(path, study_to_json(s).dump(2) + "\n"); }

std::optional<Study> load_study(const std::string& path) {
  if (!std::filesystem::exists(path)) return std::nullopt;
  try {
    return study_from_json(Json::parse(read_file(path)));
  } catch (const Json::exception& e) {
    fail_with(ErrorCode::DataLoss, "'", path, "' is not a readable study: ", e.what());
  }
}

std::string study_difference(const Study& saved, const Study& now) {
  Json a = config_to_json(saved.config), b = config_to_json(now.config);
  for (const char* limit : {"maxTrials", "maxParallelTrials", "maxFailedTrials"}) a.erase(limit), b.erase(limit);
  for (const auto& [k, v] : b.items())
    if (a[k] != v) return cat(k, ": ", a[k].dump(), " in the saved study, ", v.dump(), " now");
  if (saved.command != now.command) return cat("the trainer command: ", Json(saved.command).dump(), " in the saved study, ", Json(now.command).dump(), " now");
  if (saved.seed != now.seed) return cat("the seed: ", saved.seed, " in the saved study, ", now.seed, " now");
  return "";
}

Json trials_output(const Study& s) {
  std::vector<const Trial*> order;
  for (const Trial& t : s.trials) order.push_back(&t);
  // The best first (as the service lists them), then those without an objective, by id.
  std::stable_sort(order.begin(), order.end(), [&](const Trial* a, const Trial* b) {
    bool ha = a->has_objective && std::isfinite(a->objective), hb = b->has_objective && std::isfinite(b->objective);
    if (ha != hb) return ha;
    return ha && better(a->objective, b->objective, s.config.maximize);
  });
  Json trials = Json::array();
  for (const Trial* t : order) {
    Json hp = Json::object();
    for (size_t k = 0; k < s.config.space.params.size(); ++k)
      hp[s.config.space.params[k].name] = format_value(s.config.space.params[k], t->params[k]);
    Json j{{"trialId", std::to_string(t->id)}, {"hyperparameters", hp},
           {"state", t->state == TrialState::Stopped ? "SUCCEEDED" : trial_state_name(t->state)},
           {"isTrialStoppedEarly", t->state == TrialState::Stopped}, {"startTime", iso_time(t->start_time)}};
    if (t->finished()) j["endTime"] = iso_time(t->start_time + t->seconds);
    if (t->has_objective && std::isfinite(t->objective))
      j["finalMetric"] = {{"trainingStep", std::to_string(t->step)}, {"objectiveValue", t->objective}};
    if (t->state == TrialState::Failed) j["errorMessage"] = t->message;
    trials.push_back(j);
  }
  return {{"trials", trials}, {"hyperparameterMetricTag", s.config.metric}, {"completedTrialCount", std::to_string(s.count(TrialState::Succeeded) + s.count(TrialState::Stopped))}};
}

bool median_stopping(const std::vector<EvalPoint>& running, const std::vector<std::vector<EvalPoint>>& completed,
                     bool maximize, const StoppingOptions& o) {
  int evals = 0;
  int64_t step = 0;
  double best = NAN;
  for (const EvalPoint& e : running) {
    if (!std::isfinite(e.value)) continue;
    ++evals;
    step = std::max(step, e.step);
    if (std::isnan(best) || better(e.value, best, maximize)) best = e.value;
  }
  if (evals < o.min_evaluations || std::isnan(best)) return false;
  std::vector<double> others;
  for (const auto& curve : completed) {
    double b = NAN;
    for (const EvalPoint& e : curve)
      if (e.step <= step && std::isfinite(e.value) && (std::isnan(b) || better(e.value, b, maximize))) b = e.value;
    if (!std::isnan(b)) others.push_back(b);
  }
  if (static_cast<int>(others.size()) < o.min_trials) return false;
  std::sort(others.begin(), others.end());
  size_t n = others.size();
  double median = n % 2 ? others[n / 2] : 0.5 * (others[n / 2 - 1] + others[n / 2]);
  return better(median, best, maximize);
}

}  // namespace tg::tuning
