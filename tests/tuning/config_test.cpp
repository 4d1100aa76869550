// The YAML study configuration: the service's example reads as written, and every mistake is an
// error naming the key and the line.
#include <gtest/gtest.h>

#include "base/error.h"
#include "tuning/config.h"

namespace tg::tuning {
namespace {

const char* kExample = R"(trainingInput:
  scaleTier: BASIC
  hyperparameters:
    goal: MINIMIZE
    hyperparameterMetricTag: rmse
    maxTrials: 20
    maxParallelTrials: 2
    maxFailedTrials: 3
    enableTrialEarlyStopping: true
    algorithm: ALGORITHM_UNSPECIFIED
    params:
    - parameterName: learning_rate
      type: DOUBLE
      minValue: 0.0001
      maxValue: 0.1
      scaleType: UNIT_LOG_SCALE
    - parameterName: hidden_units
      type: CATEGORICAL
      categoricalValues: ["64 32", "128 64 32", "256 128 64"]
    - parameterName: batch_size
      type: DISCRETE
      discreteValues: [64, 128, 256, 512]
    - parameterName: layers
      type: INTEGER
      minValue: 1
      maxValue: 4
)";

TEST(TuningConfig, ReadsTheServiceExample) {
  StudyConfig c = parse_study_config(kExample, "hptuning.yaml");
  EXPECT_FALSE(c.maximize);
  EXPECT_EQ(c.metric, "rmse");
  EXPECT_EQ(c.max_trials, 20);
  EXPECT_EQ(c.max_parallel_trials, 2);
  EXPECT_EQ(c.max_failed_trials, 3);
  EXPECT_TRUE(c.early_stopping);
  EXPECT_EQ(c.algorithm, Algorithm::Bayesian);
  ASSERT_EQ(c.space.params.size(), 4u);
  const auto& lr = c.space.params[0];
  EXPECT_EQ(lr.name, "learning_rate");
  EXPECT_EQ(lr.type, ParamType::Double);
  EXPECT_DOUBLE_EQ(lr.min, 1e-4);
  EXPECT_DOUBLE_EQ(lr.max, 0.1);
  EXPECT_EQ(lr.scale, ScaleType::Log);
  EXPECT_EQ(c.space.params[1].categories, (std::vector<std::string>{"64 32", "128 64 32", "256 128 64"}));
  EXPECT_EQ(c.space.params[2].values, (std::vector<double>{64, 128, 256, 512}));
  EXPECT_EQ(c.space.params[3].type, ParamType::Integer);
  EXPECT_EQ(c.space.dims(), 1 + 3 + 1 + 1);
}

TEST(TuningConfig, DefaultsAreTheServices) {
  StudyConfig c = parse_study_config(R"(trainingInput:
  hyperparameters:
    goal: MAXIMIZE
    hyperparameterMetricTag: auc
    params:
    - {parameterName: x, type: DOUBLE, minValue: 0, maxValue: 1}
)");
  EXPECT_TRUE(c.maximize);
  EXPECT_EQ(c.max_trials, 1);
  EXPECT_EQ(c.max_parallel_trials, 1);
  EXPECT_EQ(c.max_failed_trials, 0);
  EXPECT_FALSE(c.early_stopping);
  EXPECT_EQ(c.space.params[0].scale, ScaleType::Linear);
}

// The error for `yaml`: its message must name `key` and the line.
void expect_error(const std::string& yaml, const std::string& key, int line) {
  try {
    parse_study_config(yaml, "hp.yaml");
    ADD_FAILURE() << "no error for " << key;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find(key), std::string::npos) << m;
    EXPECT_NE(m.find("hp.yaml:" + std::to_string(line) + ":"), std::string::npos) << m;
    EXPECT_EQ(e.context().file, "hp.yaml");
    EXPECT_EQ(e.context().line, line) << m;
  }
}

std::string with_param(const std::string& param_lines, const std::string& extra = "") {
  return "trainingInput:\n"              // 1
         "  hyperparameters:\n"          // 2
         "    goal: MINIMIZE\n"          // 3
         "    hyperparameterMetricTag: rmse\n"  // 4
         + extra +                       //
         "    params:\n"                 // 5 (without extra)
         "    - parameterName: p\n"      // 6
         + param_lines;                  // 7...
}

TEST(TuningConfig, ErrorsNameTheKeyAndTheLine) {
  expect_error("trainingInput:\n  hyperparameters:\n    hyperparameterMetricTag: rmse\n    params: []\n", "goal", 3);
  expect_error("trainingInput:\n  hyperparameters:\n    goal: LOWER\n", "goal", 3);
  expect_error("trainingInput:\n  other: 1\n", "hyperparameters", 2);
  expect_error("foo: 1\n", "trainingInput", 1);
  expect_error(with_param("      type: DOUBLE\n      minValue: 1\n      maxValue: 0.5\n"), "minValue", 8);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n"), "maxValue", 6);
  expect_error(with_param("      type: FLOAT\n"), "type", 7);
  expect_error(with_param("      type: DOUBLE\n      minValue: abc\n      maxValue: 1\n"), "minValue", 8);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n      scaleType: UNIT_LOG_SCALE\n"), "scaleType", 10);
  expect_error(with_param("      type: INTEGER\n      minValue: 1.5\n      maxValue: 3\n"), "minValue", 8);
  expect_error(with_param("      type: DISCRETE\n      discreteValues: [4, 2]\n"), "discreteValues[1]", 8);
  expect_error(with_param("      type: CATEGORICAL\n      categoricalValues: []\n"), "categoricalValues", 8);
  expect_error(with_param("      type: CATEGORICAL\n      categoricalValues: [a, b]\n      scaleType: UNIT_LOG_SCALE\n"), "scaleType", 9);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n      maxValu: 2\n"), "maxValu", 10);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n", "    maxTrials: 0\n"), "maxTrials", 5);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n", "    maxTrial: 20\n"), "maxTrial", 5);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n", "    algorithm: GRID_SEARCH\n"), "type", 8);
  expect_error(with_param("      type: DOUBLE\n      minValue: 0\n      maxValue: 1\n    - parameterName: p\n      type: INTEGER\n"
                          "      minValue: 0\n      maxValue: 1\n"),
               "parameterName", 10);
  // YAML syntax: the parser's own line.
  expect_error("trainingInput:\n  hyperparameters:\n    goal: [MINIMIZE\n", "YAML", 4);
}

TEST(TuningConfig, ReadsTheTaxiStudy) {
  StudyConfig c = load_study_config(TG_SOURCE_DIR "/samples/tuning/taxi_hptuning.yaml");
  EXPECT_EQ(c.metric, "rmse");
  EXPECT_EQ(c.max_trials, 20);
  EXPECT_EQ(c.max_parallel_trials, 2);
  ASSERT_EQ(c.space.params.size(), 3u);
  EXPECT_EQ(c.space.params[2].values, (std::vector<double>{64, 128, 256, 512}));
}

TEST(TuningConfig, GridSize) {
  StudyConfig c = parse_study_config(kExample);
  c.space.params.erase(c.space.params.begin());
  EXPECT_EQ(grid_size(c.space), 3 * 4 * 4);
  EXPECT_THROW(grid_size(parse_study_config(kExample).space), Error);
}

}  // namespace
}  // namespace tg::tuning
