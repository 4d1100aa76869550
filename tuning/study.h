// A study: its configuration, the trainer's command, the seed, and every trial with its
// parameters, state, progress and result. `tg tune` keeps it in OUTPUT_DIR/study.json, written
// atomically after every change, and continues it when run again: finished trials are kept,
// trials that were running when the study was interrupted run again.
//
// Also here: the median stopping rule, the best trial, and the service's output shape
// (trials.json).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "search.h"
#include "space.h"

namespace tg::tuning {

using Json = nlohmann::json;

enum class TrialState { Running, Succeeded, Stopped, Failed };
const char* trial_state_name(TrialState s);  // "RUNNING", "SUCCEEDED", "STOPPED", "FAILED"

// The metric at one evaluation of a trial.
struct EvalPoint {
  int64_t step;
  double value;
  bool operator==(const EvalPoint& o) const { return step == o.step && (value == o.value || (value != value && o.value != o.value)); }
};

struct Trial {
  int id = 0;  // 1, 2, ...: also the name of its directory under trials/
  Assignment params;
  TrialState state = TrialState::Running;
  double objective = 0;  // meaningful when has_objective
  bool has_objective = false;
  int64_t step = 0;              // the training step of the objective
  std::vector<EvalPoint> curve;  // the metric at each evaluation seen
  double start_time = 0;         // seconds since the epoch, of the latest start
  double seconds = 0;            // running time, over every start
  int starts = 0;                // 2 or more: it was interrupted and run again
  std::string message;           // why it failed or was stopped
  bool finished() const { return state != TrialState::Running; }
};

struct Study {
  StudyConfig config;
  std::vector<std::string> command;  // the trainer and its flags, without the trial's own
  uint64_t seed = 1;
  std::vector<Trial> trials;

  int count(TrialState s) const;
  // The trial with the best objective among those that have one, or null.
  const Trial* best() const;
  // Finished trials' results for the search (stopped trials count with the objective they
  // reached), and the parameters of those still running.
  std::vector<Observation> observations() const;
  std::vector<Assignment> pending() const;
};

Json config_to_json(const StudyConfig& c);
StudyConfig config_from_json(const Json& j);
Json value_to_json(const ParamSpec& p, const Value& v);
Value value_from_json(const ParamSpec& p, const Json& j);

Json study_to_json(const Study& s);
Study study_from_json(const Json& j);
void save_study(const std::string& path, const Study& s);
// The study saved at path; nothing when there is no file. A damaged file is an error.
std::optional<Study> load_study(const std::string& path);
// Why a saved study cannot be continued by `now` (another search space, goal, metric,
// algorithm, trainer command or seed), "" when it can. The trial limits may change.
std::string study_difference(const Study& saved, const Study& now);

// Cloud ML Engine's output of a tuning job: {"trials": [{"trialId", "hyperparameters",
// "finalMetric": {"trainingStep", "objectiveValue"}, "state", "isTrialStoppedEarly", "startTime",
// "endTime"}]}, the best trial first as the service lists them. States are the service's: a
// stopped trial is SUCCEEDED with isTrialStoppedEarly.
Json trials_output(const Study& s);

// The median stopping rule. A running trial is stopped when its best value so far (at its
// latest step s) is worse than the median of the completed trials' best values up to step s,
// once at least `min_trials` completed trials reported by step s and the running trial has at
// least `min_evaluations` evaluations.
struct StoppingOptions {
  int min_trials = 3;
  int min_evaluations = 2;
};
bool median_stopping(const std::vector<EvalPoint>& running, const std::vector<std::vector<EvalPoint>>& completed,
                     bool maximize, const StoppingOptions& o = {});

}  // namespace tg::tuning
