/* Tests of the C API's estimators (from a JSON specification, on CSV files), their exports,
 * and predictors loaded from an export. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* ---- estimators from a spec, exports and predictors ---- */
static double truth(double x1, double x2) { return 2.0 * x1 - 3.0 * x2 + 1.0; }

static void write_csv(const char* path, int rows, int with_label, unsigned seed) {
  FILE* f = fopen(path, "w");
  fputs(with_label ? "x1,x2,label\n" : "x1,x2\n", f);
  for (int i = 0; i < rows; ++i) {
    seed = seed * 1103515245u + 12345u;
    double x1 = (double)((seed >> 8) % 2000) / 1000.0 - 1.0;
    seed = seed * 1103515245u + 12345u;
    double x2 = (double)((seed >> 8) % 2000) / 1000.0 - 1.0;
    if (with_label)
      fprintf(f, "%.4f,%.4f,%.6f\n", x1, x2, truth(x1, x2));
    else
      fprintf(f, "%.4f,%.4f\n", x1, x2);
  }
  fclose(f);
}

static const char* kSpec =
    "{\"header\": true,"
    " \"columns\": [{\"name\": \"x1\"}, {\"name\": \"x2\"}, {\"name\": \"label\"}],"
    " \"label\": \"label\","
    " \"features\": [{\"type\": \"numeric\", \"name\": \"x1\"}, {\"type\": \"numeric\", \"name\": \"x2\"}],"
    " \"model\": {\"type\": \"linear\", \"task\": \"regression\", \"linear_optimizer\": \"sgd\","
    "             \"linear_learning_rate\": 0.1}}";

void test_estimator_and_predictor(void) {
  tg_Status* s = tg_NewStatus();
  char train_csv[512], eval_csv[512], pred_csv[512], bad_csv[512], model_dir[512], export_dir[512];
  path_in(train_csv, sizeof train_csv, "train.csv");
  path_in(eval_csv, sizeof eval_csv, "eval.csv");
  path_in(pred_csv, sizeof pred_csv, "predict.csv");
  path_in(bad_csv, sizeof bad_csv, "bad.csv");
  path_in(model_dir, sizeof model_dir, "model");
  path_in(export_dir, sizeof export_dir, "export");
  write_csv(train_csv, 200, 1, 1);
  write_csv(eval_csv, 50, 1, 2);
  write_csv(pred_csv, 5, 0, 3);
  FILE* f = fopen(bad_csv, "w");
  fputs("x1,x2,label\n0.5,0.5,1\n0.25,oops,2\n", f);
  fclose(f);

  /* Bad specifications. */
  CHECK(tg_NewEstimator("{not json", NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_NewEstimator("{\"columns\": []}", NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "label");

  tg_Estimator* est = tg_NewEstimator(kSpec, model_dir, s);
  CHECK_OK(s);
  CHECK(tg_EstimatorGlobalStep(est, s) == 0);
  CHECK_OK(s);
  const char* train_files[1] = {train_csv};
  /* Evaluating before training: the normalizers come from the training data. */
  const char* eval_files[1] = {eval_csv};
  CHECK(tg_EstimatorEvaluate(est, eval_files, 1, 25, s) == NULL);
  CHECK_CODE(s, TG_FAILED_PRECONDITION);
  tg_EstimatorTrain(est, train_files, 1, 20, -1, -1, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT); /* endless */
  tg_EstimatorTrain(est, train_files, 1, 20, 20, -1, s);
  CHECK_OK(s);
  CHECK(tg_EstimatorGlobalStep(est, s) == 200);

  tg_Metrics* m = tg_EstimatorEvaluate(est, eval_files, 1, 25, s);
  CHECK_OK(s);
  CHECK(tg_MetricsCount(m) >= 3);
  double avg = tg_MetricsValue(m, "average_loss", s);
  CHECK_OK(s);
  CHECK(avg < 0.01); /* the label's variance is about 4.3 */
  double rmse = tg_MetricsValue(m, "rmse", s);
  CHECK_OK(s);
  CHECK_NEAR(rmse * rmse, avg, 1e-6);
  int found = 0;
  for (int i = 0; i < tg_MetricsCount(m); ++i)
    if (strcmp(tg_MetricsName(m, i), "rmse") == 0) found = tg_MetricsValueAt(m, i) == rmse;
  CHECK(found);
  tg_MetricsValue(m, "no_such_metric", s);
  CHECK_CODE(s, TG_NOT_FOUND);
  tg_DeleteMetrics(m);

  /* A bad row: an error naming the file and the line. */
  const char* bad_files[1] = {bad_csv};
  CHECK(tg_EstimatorEvaluate(est, bad_files, 1, 25, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_StatusFile(s), "bad.csv");
  CHECK(tg_StatusLine(s) == 3);

  const char* pred_files[1] = {pred_csv};
  tg_Predictions* p = tg_EstimatorPredict(est, pred_files, 1, 2, 0, s);
  CHECK_OK(s);
  CHECK(tg_PredictionsCount(p) == 5);
  CHECK(tg_PredictionsClassId(p, 0) == -1);
  /* The rows of predict.csv again, to compare against the truth and the predictor. */
  float x1[5], x2[5];
  f = fopen(pred_csv, "r");
  char line[128];
  CHECK(fgets(line, sizeof line, f) != NULL); /* header */
  for (int i = 0; i < 5; ++i) CHECK(fscanf(f, "%f,%f\n", &x1[i], &x2[i]) == 2);
  fclose(f);
  for (int i = 0; i < 5; ++i) CHECK_NEAR(tg_PredictionsValue(p, i), truth(x1[i], x2[i]), 0.2);

  /* Export, then load and predict as a server would. */
  const char* version_dir = tg_EstimatorExport(est, export_dir, s);
  CHECK_OK(s);
  CHECK_CONTAINS(version_dir, "export/200");
  tg_Predictor* pr = tg_LoadPredictor(export_dir, s);
  CHECK_OK(s);
  CHECK(tg_PredictorVersion(pr) == 200);
  CHECK(strcmp(tg_PredictorTask(pr), "regression") == 0);
  CHECK(tg_PredictorNumInputs(pr) == 2);
  int has_predictions = 0;
  for (int i = 0; i < tg_PredictorNumOutputs(pr); ++i)
    has_predictions |= strcmp(tg_PredictorOutputName(pr, i), "predictions") == 0;
  CHECK(has_predictions);
  int64_t n5 = 5;
  const char* names[2] = {"x1", "x2"};
  tg_Tensor* in[2] = {float_tensor(&n5, 1, x1, s), float_tensor(&n5, 1, x2, s)};
  for (int i = 0; i < 2; ++i) CHECK(tg_PredictorInputType(pr, i) == TG_FLOAT);
  const char* out_names[1] = {"predictions"};
  tg_Tensor* out = NULL;
  tg_PredictorRun(pr, names, in, 2, out_names, &out, 1, s);
  CHECK_OK(s);
  if (out) {
    CHECK(tg_NumDims(out) >= 1 && tg_Dim(out, 0) == 5);
    for (int i = 0; i < 5; ++i) CHECK_NEAR(((const float*)tg_TensorData(out))[i], tg_PredictionsValue(p, i), 1e-4);
  }
  tg_DeleteTensor(out);
  tg_PredictorRun(pr, names, in, 1, out_names, &out, 1, s); /* x2 missing */
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "x2");
  CHECK(out == NULL);
  const char* no_output[1] = {"no_such_output"};
  tg_PredictorRun(pr, names, in, 2, no_output, &out, 1, s);
  CHECK_CODE(s, TG_NOT_FOUND);
  tg_DeleteTensor(in[0]);
  tg_DeleteTensor(in[1]);
  tg_DeletePredictor(pr);
  tg_DeletePredictions(p);
  tg_DeleteEstimator(est);

  /* The model directory is continued by a new estimator: its step and its predictions. */
  tg_Estimator* again = tg_NewEstimator(kSpec, model_dir, s);
  CHECK(tg_EstimatorGlobalStep(again, s) == 200);
  CHECK_OK(s);
  p = tg_EstimatorPredict(again, pred_files, 1, 5, 0, s);
  CHECK_OK(s);
  CHECK(tg_PredictionsCount(p) == 5);
  if (tg_PredictionsCount(p) == 5) CHECK_NEAR(tg_PredictionsValue(p, 4), truth(x1[4], x2[4]), 0.2);
  tg_DeletePredictions(p);
  tg_DeleteEstimator(again);

  CHECK(tg_LoadPredictor(train_csv, s) == NULL);
  CHECK_CODE(s, TG_NOT_FOUND);
  tg_DeleteStatus(s);
}

