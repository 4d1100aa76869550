/* Tests of tensorgraph's C API, written in C11 and compiled as C: graphs built and run with fed
 * data, training through tg_Minimize, checkpoints, structured errors, caller-owned buffers,
 * estimators from a JSON specification, and exports served by the predictor API.
 * Exits non-zero when a check fails; the last line is "N passed, M failed". */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

int g_passed = 0, g_failed = 0;
char g_dir[256];

void path_in(char* out, size_t n, const char* name) { snprintf(out, n, "%s/%s", g_dir, name); }

static int remove_entry(const char* path, const struct stat* sb, int flag, struct FTW* ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

tg_Tensor* float_tensor(const int64_t* dims, int rank, const float* values, tg_Status* s) {
  tg_Tensor* t = tg_AllocateTensor(TG_FLOAT, dims, rank, s);
  if (t) memcpy(tg_TensorData(t), values, tg_TensorByteSize(t));
  return t;
}

/* Builds a node of a registered op by name with up to two inputs. */
static tg_Output op2(tg_Graph* g, const char* op, const char* name, tg_Output a, tg_Output b, tg_Status* s) {
  tg_OperationDescription* d = tg_NewOperation(g, op, name);
  tg_AddInput(d, a);
  if (b.oper) tg_AddInput(d, b);
  if (strcmp(op, "MatMul") == 0) {
    tg_SetAttrBool(d, "transpose_a", 0);
    tg_SetAttrBool(d, "transpose_b", 0);
  }
  tg_Output out = {tg_FinishOperation(d, s), 0};
  return out;
}

static const tg_Output kNone = {NULL, 0};

/* ---- status and codes ---- */
static void test_status(void) {
  tg_Status* s = tg_NewStatus();
  CHECK(tg_GetCode(s) == TG_OK);
  CHECK(strcmp(tg_Message(s), "") == 0);
  CHECK(TG_INVALID_ARGUMENT == 3 && TG_NOT_FOUND == 5 && TG_DATA_LOSS == 15);
  CHECK(strcmp(tg_CodeName(TG_INVALID_ARGUMENT), "INVALID_ARGUMENT") == 0);
  CHECK(strcmp(tg_CodeName(TG_FAILED_PRECONDITION), "FAILED_PRECONDITION") == 0);
  CHECK(strcmp(tg_CodeName((tg_Code)99), "UNKNOWN") == 0);
  tg_SetStatus(s, TG_ABORTED, "stopped");
  CHECK_CODE(s, TG_ABORTED);
  CHECK(strcmp(tg_Message(s), "stopped") == 0);
  CHECK(strcmp(tg_Version(), "") != 0);
  CHECK(tg_DataTypeSize(TG_DOUBLE) == 8 && tg_DataTypeSize(TG_BOOL) == 1 && tg_DataTypeSize(TG_STRING) == 0);
  tg_DeleteStatus(s);
}

/* ---- NULL handles and bad arguments are statuses, never crashes ---- */
static void test_null_handles(void) {
  tg_Status* s = tg_NewStatus();
  int64_t dims[1] = {2};
  tg_Output none = kNone;
  CHECK(tg_NewSession(NULL, NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  tg_SessionRun(NULL, NULL, NULL, 0, NULL, NULL, 0, NULL, 0, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_Placeholder(NULL, TG_FLOAT, dims, 1, "x", s).oper == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_FinishOperation(NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_AllocateTensor(TG_FLOAT, NULL, 1, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_AllocateTensor(TG_FLOAT, dims, -1, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_AllocateTensor((tg_DataType)42, dims, 1, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_AllocateTensor((tg_DataType)-1, dims, 1, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_Minimize(NULL, "sgd", 0.1, none, NULL, 0, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  tg_SaveCheckpoint(NULL, "x", s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  tg_EstimatorTrain(NULL, NULL, 0, 1, 1, -1, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_LoadPredictor(NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_NewEstimator(NULL, NULL, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_TensorData(NULL) == NULL && tg_NumDims(NULL) == -1 && tg_OperationName(NULL) == NULL);
  CHECK(tg_MetricsCount(NULL) == 0 && tg_PredictionsCount(NULL) == 0);
  tg_DeleteTensor(NULL);
  tg_DeleteGraph(NULL);
  tg_DeleteSession(NULL);
  tg_DeleteEstimator(NULL);
  tg_DeletePredictor(NULL);

  /* An operation described with an input of another graph fails at tg_FinishOperation. */
  tg_Graph* g1 = tg_NewGraph();
  tg_Graph* g2 = tg_NewGraph();
  tg_Output x = tg_Placeholder(g1, TG_FLOAT, dims, 1, "x", s);
  CHECK_OK(s);
  tg_OperationDescription* d = tg_NewOperation(g2, "Relu", "r");
  tg_AddInput(d, x);
  CHECK(tg_FinishOperation(d, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "another graph");
  /* An unknown initializer. */
  CHECK(tg_Variable(g1, TG_FLOAT, dims, 1, (tg_InitializerKind)77, 0, 0, -1, 1, "v", s).oper == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  /* An unknown op. */
  d = tg_NewOperation(g1, "NoSuchOp", NULL);
  CHECK(tg_FinishOperation(d, s) == NULL);
  CHECK(tg_GetCode(s) != TG_OK);
  CHECK_CONTAINS(tg_Message(s), "NoSuchOp");
  tg_DeleteGraph(g1);
  tg_DeleteGraph(g2);
  tg_DeleteStatus(s);
}

/* ---- tensors over caller buffers ---- */
static int g_dealloc_calls = 0;
static void count_dealloc(void* data, size_t len, void* arg) {
  ++g_dealloc_calls;
  CHECK(arg == (void*)&g_dealloc_calls);
  CHECK(len == 6 * sizeof(float));
  free(data);
}

static void test_tensors(void) {
  tg_Status* s = tg_NewStatus();
  int64_t dims[2] = {2, 3};
  float* buf = malloc(6 * sizeof(float));
  for (int i = 0; i < 6; ++i) buf[i] = (float)i - 2.0f;

  /* Too small a buffer: NULL, and the caller still owns it (no deallocator call). */
  CHECK(tg_NewTensor(TG_FLOAT, dims, 2, buf, 5 * sizeof(float), count_dealloc, &g_dealloc_calls, s) == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(tg_NewTensor(TG_FLOAT, dims, 2, (char*)buf + 1, 6 * sizeof(float), count_dealloc, &g_dealloc_calls, s) ==
        NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK(g_dealloc_calls == 0);

  tg_Tensor* t = tg_NewTensor(TG_FLOAT, dims, 2, buf, 6 * sizeof(float), count_dealloc, &g_dealloc_calls, s);
  CHECK_OK(s);
  CHECK(tg_TensorData(t) == buf); /* no copy */
  CHECK(tg_NumDims(t) == 2 && tg_Dim(t, 0) == 2 && tg_Dim(t, 1) == 3 && tg_Dim(t, 2) == -1);
  CHECK(tg_TensorType(t) == TG_FLOAT && tg_TensorElementCount(t) == 6 && tg_TensorByteSize(t) == 24);

  /* Fed to a session (relu), and the session and the tensor both released: one call. */
  tg_Graph* g = tg_NewGraph();
  int64_t pdims[2] = {-1, 3};
  tg_Output x = tg_Placeholder(g, TG_FLOAT, pdims, 2, "x", s);
  tg_Output r = op2(g, "Relu", "r", x, kNone, s);
  CHECK_OK(s);
  tg_Session* sess = tg_NewSession(g, NULL, s);
  CHECK_OK(s);
  tg_Tensor* out = NULL;
  tg_SessionRun(sess, &x, &t, 1, &r, &out, 1, NULL, 0, s);
  CHECK_OK(s);
  if (out) {
    const float* o = tg_TensorData(out);
    CHECK(o != buf);
    CHECK(o[0] == 0.0f && o[1] == 0.0f && o[2] == 0.0f && o[3] == 1.0f && o[4] == 2.0f && o[5] == 3.0f);
  }
  tg_DeleteTensor(out);
  tg_DeleteGraph(g); /* the session keeps the graph alive */
  tg_DeleteTensor(t);
  tg_SessionRun(sess, &x, NULL, 0, &r, &out, 1, NULL, 0, s); /* still usable: fails for the missing feed */
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  tg_DeleteSession(sess);
  CHECK(g_dealloc_calls == 1);

  /* Owned and string tensors. */
  tg_Tensor* z = tg_AllocateTensor(TG_INT64, dims, 2, s);
  CHECK_OK(s);
  CHECK(tg_TensorByteSize(z) == 48 && ((int64_t*)tg_TensorData(z))[5] == 0);
  tg_DeleteTensor(z);
  const char* words[3] = {"Queens", "Brooklyn", ""};
  int64_t n3 = 3;
  tg_Tensor* st = tg_NewStringTensor(&n3, 1, words, NULL, s);
  CHECK_OK(s);
  size_t len = 0;
  CHECK(tg_TensorType(st) == TG_STRING && tg_TensorData(st) == NULL);
  CHECK(strcmp(tg_TensorStringAt(st, 1, &len), "Brooklyn") == 0 && len == 8);
  CHECK(tg_TensorStringAt(st, 3, NULL) == NULL);
  tg_DeleteTensor(st);
  tg_DeleteStatus(s);
}

/* ---- y = relu(x W + b) with fed data, and a shape error at building ---- */
static void test_relu_layer(void) {
  tg_Status* s = tg_NewStatus();
  tg_Graph* g = tg_NewGraph();
  int64_t xdims[2] = {-1, 3}, wdims[2] = {3, 2}, bdims[1] = {2};
  float w[6] = {1, -1, 2, 0.5f, -1, 1}; /* rows of W */
  float b[2] = {0.5f, -4};
  tg_Output x = tg_Placeholder(g, TG_FLOAT, xdims, 2, "x", s);
  CHECK_OK(s);
  tg_Tensor* wt = float_tensor(wdims, 2, w, s);
  tg_Tensor* bt = float_tensor(bdims, 1, b, s);
  tg_Output W = tg_Const(g, wt, "W", s);
  tg_Output B = tg_Const(g, bt, "b", s);
  CHECK_OK(s);
  tg_Output xw = op2(g, "MatMul", "xw", x, W, s);
  CHECK_OK(s);
  tg_Output pre = op2(g, "BiasAdd", "pre", xw, B, s);
  CHECK_OK(s);
  tg_Output y = op2(g, "Relu", "y", pre, kNone, s);
  CHECK_OK(s);
  CHECK(strcmp(tg_OperationOpType(y.oper), "Relu") == 0 && strcmp(tg_OperationName(y.oper), "y") == 0);
  CHECK(tg_OperationNumInputs(y.oper) == 1 && tg_OperationNumOutputs(y.oper) == 1);
  CHECK(tg_GraphOperationByName(g, "xw") == xw.oper);
  CHECK(tg_GraphNumOperations(g) == 6);
  CHECK(tg_GraphGetTensorNumDims(g, y, s) == 2);
  int64_t ydims[2] = {0, 0};
  tg_GraphGetTensorShape(g, y, ydims, 2, s);
  CHECK_OK(s);
  CHECK(ydims[0] == -1 && ydims[1] == 2);
  tg_Output byname = tg_GraphOutputByName(g, "pre", s);
  CHECK_OK(s);
  CHECK(byname.oper == pre.oper && byname.index == 0);

  /* A shape error: [-1, 3] x [4, 2]. */
  int64_t bad_dims[2] = {4, 2};
  float zeros8[8] = {0};
  tg_Tensor* badt = float_tensor(bad_dims, 2, zeros8, s);
  tg_Output bad_w = tg_Const(g, badt, "W4", s);
  tg_Output bad = op2(g, "MatMul", "bad_matmul", x, bad_w, s);
  CHECK(bad.oper == NULL);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "bad_matmul");
  CHECK(strcmp(tg_StatusNode(s), "bad_matmul") == 0);
  CHECK(strcmp(tg_StatusOp(s), "MatMul") == 0);
  tg_DeleteTensor(badt);

  /* Run with fed data: two rows. */
  tg_SessionOptions* opts = tg_NewSessionOptions();
  tg_SessionOptionsSetNumThreads(opts, 2);
  tg_SessionOptionsSetUseGpus(opts, 0);
  tg_Session* sess = tg_NewSession(g, opts, s);
  tg_DeleteSessionOptions(opts);
  CHECK_OK(s);
  int64_t fdims[2] = {2, 3};
  float xv[6] = {1, 2, 3, -1, 0, 1};
  tg_Tensor* xt = float_tensor(fdims, 2, xv, s);
  tg_Tensor* out = NULL;
  tg_SessionRun(sess, &x, &xt, 1, &y, &out, 1, NULL, 0, s);
  CHECK_OK(s);
  if (out) {
    CHECK(tg_NumDims(out) == 2 && tg_Dim(out, 0) == 2 && tg_Dim(out, 1) == 2);
    const float* o = tg_TensorData(out);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        double v = b[j];
        for (int k = 0; k < 3; ++k) v += xv[i * 3 + k] * w[k * 2 + j];
        CHECK_NEAR(o[i * 2 + j], v > 0 ? v : 0, 1e-5);
      }
  }
  tg_DeleteTensor(out);

  /* A missing feed, and a feed of the wrong shape: errors naming the placeholder. */
  out = (tg_Tensor*)&out;
  tg_SessionRun(sess, NULL, NULL, 0, &y, &out, 1, NULL, 0, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "'x'");
  CHECK(out == NULL);
  int64_t wrong[2] = {3, 2};
  tg_Tensor* wt2 = float_tensor(wrong, 2, xv, s);
  tg_SessionRun(sess, &x, &wt2, 1, &y, &out, 1, NULL, 0, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);
  CHECK_CONTAINS(tg_Message(s), "x");
  CHECK(out == NULL);
  tg_DeleteTensor(wt2);
  /* A fetch index that the node does not have. */
  tg_Output y7 = {y.oper, 7};
  tg_SessionRun(sess, &x, &xt, 1, &y7, &out, 1, NULL, 0, s);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);

  tg_DeleteTensor(xt);
  tg_DeleteTensor(wt);
  tg_DeleteTensor(bt);
  tg_DeleteSession(sess);
  tg_DeleteGraph(g);
  tg_DeleteStatus(s);
}

/* ---- linear regression trained with gradient descent, gradients, and checkpoints ---- */
#define ROWS 64
static void test_training_and_checkpoints(void) {
  tg_Status* s = tg_NewStatus();
  tg_Graph* g = tg_NewGraph();
  int64_t xdims[2] = {-1, 2}, ydims[2] = {-1, 1}, wdims[2] = {2, 1}, bdims[1] = {1};
  tg_Output x = tg_Placeholder(g, TG_FLOAT, xdims, 2, "x", s);
  tg_Output label = tg_Placeholder(g, TG_FLOAT, ydims, 2, "label", s);
  tg_Output W = tg_Variable(g, TG_FLOAT, wdims, 2, TG_INIT_ZEROS, 0, 0, -1, 1, "W", s);
  tg_Output b = tg_Variable(g, TG_FLOAT, bdims, 1, TG_INIT_ZEROS, 0, 0, -1, 1, "b", s);
  CHECK_OK(s);
  tg_Output pred = op2(g, "BiasAdd", "pred", op2(g, "MatMul", "xw", x, W, s), b, s);
  tg_Output sq = op2(g, "Square", "sq", op2(g, "Sub", "err", pred, label, s), kNone, s);
  tg_OperationDescription* d = tg_NewOperation(g, "ReduceMean", "loss");
  tg_AddInput(d, sq);
  tg_SetAttrIntList(d, "axes", NULL, 0);
  tg_SetAttrBool(d, "keep_dims", 0);
  tg_Output loss = {tg_FinishOperation(d, s), 0};
  CHECK_OK(s);

  /* Gradients of the loss at W = 0, b = 0: dL/dW = -2/N X^T y. */
  tg_Output dW[2] = {{NULL, 0}, {NULL, 0}};
  tg_Output xs[2] = {W, label};
  tg_AddGradients(g, &loss, 1, xs, 2, NULL, s, dW);
  CHECK_OK(s);
  CHECK(dW[0].oper != NULL);
  tg_AddGradients(g, &loss, -1, xs, 2, NULL, s, dW);
  CHECK_CODE(s, TG_INVALID_ARGUMENT);

  tg_Operation* train = tg_Minimize(g, "sgd", 0.1, loss, NULL, 0, s);
  CHECK_OK(s);
  CHECK(tg_Minimize(g, "no_such_optimizer", 0.1, loss, NULL, 0, s) == NULL);
  CHECK(tg_GetCode(s) != TG_OK);
  tg_Operation* init = tg_GlobalVariablesInitializer(g, s);
  CHECK_OK(s);

  float xv[ROWS * 2], yv[ROWS];
  unsigned seed = 12345;
  for (int i = 0; i < ROWS; ++i) {
    for (int k = 0; k < 2; ++k) {
      seed = seed * 1103515245u + 12345u;
      xv[i * 2 + k] = (float)((seed >> 8) % 2000) / 1000.0f - 1.0f;
    }
    yv[i] = 2.0f * xv[i * 2] - 3.0f * xv[i * 2 + 1] + 0.5f;
  }
  int64_t fx[2] = {ROWS, 2}, fy[2] = {ROWS, 1};
  tg_Tensor* feeds[2] = {float_tensor(fx, 2, xv, s), float_tensor(fy, 2, yv, s)};
  tg_Output inputs[2] = {x, label};

  tg_Session* sess = tg_NewSession(g, NULL, s);
  CHECK_OK(s);
  tg_SessionRun(sess, NULL, NULL, 0, NULL, NULL, 0, &init, 1, s);
  CHECK_OK(s);

  tg_Tensor* grad = NULL;
  tg_SessionRun(sess, inputs, feeds, 2, &dW[0], &grad, 1, NULL, 0, s);
  CHECK_OK(s);
  if (grad) {
    for (int k = 0; k < 2; ++k) {
      double want = 0;
      for (int i = 0; i < ROWS; ++i) want += -2.0 / ROWS * xv[i * 2 + k] * yv[i];
      CHECK_NEAR(((const float*)tg_TensorData(grad))[k], want, 1e-4);
    }
  }
  tg_DeleteTensor(grad);

  double first = -1, last = -1;
  for (int step = 0; step < 60; ++step) {
    tg_Tensor* l = NULL;
    tg_SessionRun(sess, inputs, feeds, 2, &loss, &l, 1, &train, 1, s);
    if (tg_GetCode(s) != TG_OK) {
      CHECK_OK(s);
      break;
    }
    double v = *(const float*)tg_TensorData(l);
    if (step == 0) first = v;
    last = v;
    tg_DeleteTensor(l);
  }
  CHECK(first > 1.0);
  CHECK(last < first * 0.01);
  tg_Tensor* wv = tg_SessionVariableValue(sess, W, s);
  CHECK_OK(s);
  float trained[2] = {0, 0};
  if (wv) {
    memcpy(trained, tg_TensorData(wv), sizeof trained);
    CHECK_NEAR(trained[0], 2.0, 0.1);
    CHECK_NEAR(trained[1], -3.0, 0.1);
  }
  tg_DeleteTensor(wv);
  tg_Output gs = tg_GraphOutputByName(g, "global_step", s);
  if (tg_GetCode(s) == TG_OK) {
    tg_Tensor* st = tg_SessionVariableValue(sess, gs, s);
    CHECK_OK(s);
    CHECK(st && *(const int64_t*)tg_TensorData(st) == 60);
    tg_DeleteTensor(st);
  }

  /* Save, overwrite W, restore: the trained weights again. */
  char ckpt[512], junk[512];
  path_in(ckpt, sizeof ckpt, "model.tgc");
  tg_SaveCheckpoint(sess, ckpt, s);
  CHECK_OK(s);
  float zeros[2] = {0, 0};
  tg_Tensor* zt = float_tensor(wdims, 2, zeros, s);
  tg_SessionSetVariableValue(sess, W, zt, s);
  CHECK_OK(s);
  tg_DeleteTensor(zt);
  tg_Session* fresh = tg_NewSession(g, NULL, s);
  tg_RestoreCheckpoint(fresh, ckpt, s);
  CHECK_OK(s);
  wv = tg_SessionVariableValue(fresh, W, s);
  CHECK_OK(s);
  if (wv) CHECK(memcmp(tg_TensorData(wv), trained, sizeof trained) == 0);
  tg_DeleteTensor(wv);
  tg_RestoreCheckpoint(sess, ckpt, s);
  CHECK_OK(s);
  wv = tg_SessionVariableValue(sess, W, s);
  if (wv) CHECK(memcmp(tg_TensorData(wv), trained, sizeof trained) == 0);
  tg_DeleteTensor(wv);

  /* A damaged checkpoint and a missing one are errors naming the file. */
  path_in(junk, sizeof junk, "junk.tgc");
  FILE* f = fopen(junk, "wb");
  fputs("TGCKPT01 but not really a checkpoint", f);
  fclose(f);
  tg_RestoreCheckpoint(sess, junk, s);
  CHECK(tg_GetCode(s) != TG_OK);
  CHECK_CONTAINS(tg_Message(s), "junk.tgc");
  path_in(junk, sizeof junk, "missing.tgc");
  tg_RestoreCheckpoint(sess, junk, s);
  CHECK(tg_GetCode(s) != TG_OK);
  CHECK_CONTAINS(tg_Message(s), "missing.tgc");

  tg_DeleteTensor(feeds[0]);
  tg_DeleteTensor(feeds[1]);
  tg_DeleteSession(fresh);
  tg_DeleteSession(sess);
  tg_DeleteGraph(g);
  tg_DeleteStatus(s);
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  snprintf(g_dir, sizeof g_dir, "%s/tg_c_api_XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(g_dir)) {
    perror("mkdtemp");
    return 2;
  }
  test_status();
  test_null_handles();
  test_tensors();
  test_relu_layer();
  test_training_and_checkpoints();
  test_estimator_and_predictor();
  nftw(g_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed == 0 ? 0 : 1;
}
