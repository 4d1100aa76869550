// A study's configuration: the `trainingInput.hyperparameters` section of Cloud ML Engine's
// training input, read from YAML.
//
//   trainingInput:
//     hyperparameters:
//       goal: MINIMIZE                  # or MAXIMIZE
//       hyperparameterMetricTag: rmse   # a metric the trainer's evaluation writes
//       maxTrials: 20                   # default 1
//       maxParallelTrials: 2            # default 1
//       maxFailedTrials: 3              # default 0: failures never end the study
//       enableTrialEarlyStopping: true  # the median stopping rule
//       algorithm: ALGORITHM_UNSPECIFIED   # Bayesian optimization; GRID_SEARCH; RANDOM_SEARCH
//       params:
//       - parameterName: learning_rate
//         type: DOUBLE                  # or INTEGER (minValue, maxValue), CATEGORICAL
//         minValue: 0.0001              #   (categoricalValues), DISCRETE (discreteValues)
//         maxValue: 0.1
//         scaleType: UNIT_LOG_SCALE     # UNIT_LINEAR_SCALE (default), UNIT_REVERSE_LOG_SCALE
//
// Other keys of `trainingInput` (scaleTier, region, ...) are the service's and are ignored; an
// unknown key inside `hyperparameters` or a parameter is an error, since it is most likely a
// misspelt one. Every error is a tg::Error whose message starts with "FILE:LINE: KEY:" and whose
// context carries the file and line.
#pragma once

#include <string>

#include "space.h"

namespace tg::tuning {

enum class Algorithm { Bayesian, Grid, Random };
const char* algorithm_name(Algorithm a);  // the YAML spelling: "ALGORITHM_UNSPECIFIED", ...

struct StudyConfig {
  bool maximize = false;
  std::string metric;
  int max_trials = 1;
  int max_parallel_trials = 1;
  int max_failed_trials = 0;  // 0: no limit
  bool early_stopping = false;
  Algorithm algorithm = Algorithm::Bayesian;
  SearchSpace space;
};

// Parses YAML text; `source` names it in errors (a file name).
StudyConfig parse_study_config(const std::string& yaml, const std::string& source = "config");
StudyConfig load_study_config(const std::string& path);

// The number of points of a grid search (categories x discrete values x integers), or an
// error naming the first parameter that is not on a grid (a DOUBLE).
long long grid_size(const SearchSpace& space);

}  // namespace tg::tuning
