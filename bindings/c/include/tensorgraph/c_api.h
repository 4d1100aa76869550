/* The C API of tensorgraph, in the conventions of TensorFlow's C API (c/c_api.h).
 *
 * - Every name starts with tg_ (types and functions) or TG_ (constants).
 * - Objects are opaque handles, made by tg_New... (or returned by a call) and released by the
 *   matching tg_Delete...; every tg_Delete... accepts NULL. Who owns what a call returns is said
 *   beside the call: "caller owns" means the caller must release it with the tg_Delete... named.
 *   Strings returned as const char* belong to the object they were read from and stay valid
 *   while it lives (and, for an estimator's export path, until its next export).
 * - Every call that can fail takes a tg_Status* last. On success the status is set to TG_OK with
 *   an empty message; on failure it holds the code, a message, and where known the node, op,
 *   file and line that failed (tg_StatusNode, ...). A failed call returns NULL, 0, -1 or an
 *   output whose oper is NULL, and changes nothing the caller owns. A NULL status is allowed:
 *   the call then reports nothing.
 * - No C++ exception ever leaves a call. A NULL handle or a bad argument (a negative count, a
 *   NULL array with a positive count, an output of another graph) is a TG_INVALID_ARGUMENT
 *   status, never a crash. Accessors that take no status return 0, -1 or NULL for a NULL handle.
 * - Handles may be used from several threads only as the C++ objects they wrap allow: one call
 *   at a time per graph, session or estimator; a predictor serves one call at a time itself.
 *
 * The header compiles as C11 and as C++. See docs/c_api.md for each call beside the TensorFlow
 * function it follows. */
#ifndef TENSORGRAPH_C_API_H_
#define TENSORGRAPH_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The enums below are int-sized in C; C++ sees int as their underlying type, so that any int a C
 * caller passes (a bad one included) is a value C++ may read and reject. */
#ifdef __cplusplus
#define TG_ENUM_INT : int
#else
#define TG_ENUM_INT
#endif

/* ---------------------------------------------------------------- status ---------------- */

/* The codes of TensorFlow's TF_Code and gRPC, with the same numbers as tg::ErrorCode (checked
 * at compile time against the C++ table). */
typedef enum tg_Code TG_ENUM_INT {
  TG_OK = 0,
  TG_CANCELLED = 1,
  TG_UNKNOWN = 2,
  TG_INVALID_ARGUMENT = 3,
  TG_DEADLINE_EXCEEDED = 4,
  TG_NOT_FOUND = 5,
  TG_ALREADY_EXISTS = 6,
  TG_PERMISSION_DENIED = 7,
  TG_RESOURCE_EXHAUSTED = 8,
  TG_FAILED_PRECONDITION = 9,
  TG_ABORTED = 10,
  TG_OUT_OF_RANGE = 11,
  TG_UNIMPLEMENTED = 12,
  TG_INTERNAL = 13,
  TG_UNAVAILABLE = 14,
  TG_DATA_LOSS = 15
} tg_Code;

typedef struct tg_Status tg_Status;

/* A new status, TG_OK. Caller owns: tg_DeleteStatus. */
tg_Status* tg_NewStatus(void);
void tg_DeleteStatus(tg_Status* s);
/* Sets a code and message (NULL = ""), clearing the context. */
void tg_SetStatus(tg_Status* s, tg_Code code, const char* msg);
/* TG_OK for a NULL status. */
tg_Code tg_GetCode(const tg_Status* s);
/* The message ("" on success); owned by the status, valid until its next change. */
const char* tg_Message(const tg_Status* s);
/* Where the failure happened, "" (or 0) when unknown: the graph node and its op, the input file
 * (a CSV, a checkpoint, an export) and the 1-based line in it. Owned by the status. */
const char* tg_StatusNode(const tg_Status* s);
const char* tg_StatusOp(const tg_Status* s);
const char* tg_StatusFile(const tg_Status* s);
int64_t tg_StatusLine(const tg_Status* s);
/* "INVALID_ARGUMENT" for TG_INVALID_ARGUMENT ("UNKNOWN" for a number outside the table).
 * Static storage. */
const char* tg_CodeName(tg_Code code);

/* The library's version, "0.1.0". Static storage. */
const char* tg_Version(void);

/* ---------------------------------------------------------------- tensors --------------- */

/* Element types, with the numbering of tg::DType. */
typedef enum tg_DataType TG_ENUM_INT {
  TG_FLOAT = 0,  /* float */
  TG_DOUBLE = 1, /* double */
  TG_INT32 = 2,  /* int32_t */
  TG_INT64 = 3,  /* int64_t */
  TG_BOOL = 4,   /* one byte, 0 or 1 (C's _Bool, C++'s bool) */
  TG_STRING = 5  /* strings, made by tg_NewStringTensor and read by tg_TensorStringAt */
} tg_DataType;

/* Bytes per element of a numeric or bool type (0 for TG_STRING or a number outside the enum). */
size_t tg_DataTypeSize(tg_DataType dtype);

typedef struct tg_Tensor tg_Tensor;

/* Called once, when the last user of a tensor made by tg_NewTensor lets go of its buffer (the
 * tensor deleted, and any session, constant or feed that shared the buffer done with it). */
typedef void (*tg_Deallocator)(void* data, size_t len, void* arg);

/* A tensor over the caller's buffer (no copy): `len` bytes at `data`, at least the shape's
 * element count times tg_DataTypeSize(dtype), aligned for the type. On success the tensor owns
 * the buffer and calls deallocator(data, len, deallocator_arg) exactly once when done with it
 * (a NULL deallocator: the caller keeps the buffer alive until then). On failure it returns NULL,
 * never calls the deallocator, and the caller keeps the buffer. Numeric and bool types only.
 * Caller owns the tensor: tg_DeleteTensor. */
tg_Tensor* tg_NewTensor(tg_DataType dtype, const int64_t* dims, int num_dims, void* data,
                        size_t len, tg_Deallocator deallocator, void* deallocator_arg,
                        tg_Status* status);
/* A zero-filled tensor owning its memory (numeric and bool types; TG_STRING gives empty
 * strings). dims NULL with num_dims 0 is a scalar. Caller owns: tg_DeleteTensor. */
tg_Tensor* tg_AllocateTensor(tg_DataType dtype, const int64_t* dims, int num_dims,
                             tg_Status* status);
/* A string tensor with copies of the strings (as many as the shape's elements). lengths NULL:
 * each string ends at its NUL. Caller owns: tg_DeleteTensor. */
tg_Tensor* tg_NewStringTensor(const int64_t* dims, int num_dims, const char* const* strings,
                              const size_t* lengths, tg_Status* status);
void tg_DeleteTensor(tg_Tensor* t);

tg_DataType tg_TensorType(const tg_Tensor* t);
int tg_NumDims(const tg_Tensor* t);                       /* -1 for NULL */
int64_t tg_Dim(const tg_Tensor* t, int dim_index);        /* -1 when out of range */
int64_t tg_TensorElementCount(const tg_Tensor* t);
size_t tg_TensorByteSize(const tg_Tensor* t);             /* 0 for strings */
/* The elements, row-major; writable. NULL for strings and NULL handles. Owned by the tensor. */
void* tg_TensorData(const tg_Tensor* t);
/* Element i of a string tensor (its length in *len when len is not NULL); NULL when t is not a
 * string tensor or i is out of range. Owned by the tensor. */
const char* tg_TensorStringAt(const tg_Tensor* t, int64_t i, size_t* len);

/* ---------------------------------------------------------------- graphs ---------------- */

typedef struct tg_Graph tg_Graph;
/* A node of a graph; owned by the graph (valid while the graph lives). */
typedef struct tg_Operation tg_Operation;
/* An operation being built: tg_NewOperation ... tg_FinishOperation. */
typedef struct tg_OperationDescription tg_OperationDescription;

/* One output of an operation: the value an edge carries. {NULL, 0} is "none". */
typedef struct tg_Output {
  tg_Operation* oper;
  int index;
} tg_Output;

/* An empty graph. Caller owns: tg_DeleteGraph. Sessions keep the graph alive: deleting it while
 * a session of it exists only drops the caller's reference. */
tg_Graph* tg_NewGraph(void);
void tg_DeleteGraph(tg_Graph* g);
/* The graph-wide seed from which random initializers without their own seed derive theirs. */
void tg_GraphSetSeed(tg_Graph* g, int64_t seed, tg_Status* status);
int tg_GraphNumOperations(const tg_Graph* g);
/* The operation of that name, NULL when absent. */
tg_Operation* tg_GraphOperationByName(const tg_Graph* g, const char* name);
/* An output by name, "node" or "node:1". */
tg_Output tg_GraphOutputByName(const tg_Graph* g, const char* name, tg_Status* status);
/* The (possibly partial: -1 = unknown) shape inferred for an output: its rank, and its
 * dimensions written into dims[0 .. num_dims) (num_dims must equal the rank). */
int tg_GraphGetTensorNumDims(const tg_Graph* g, tg_Output output, tg_Status* status);
void tg_GraphGetTensorShape(const tg_Graph* g, tg_Output output, int64_t* dims, int num_dims,
                            tg_Status* status);

/* Accessors (NULL/0/-1 for a NULL operation). Strings are owned by the graph. */
const char* tg_OperationName(const tg_Operation* oper);
const char* tg_OperationOpType(const tg_Operation* oper);
const char* tg_OperationDevice(const tg_Operation* oper);
int tg_OperationNumInputs(const tg_Operation* oper);
int tg_OperationNumOutputs(const tg_Operation* oper);
tg_DataType tg_OperationOutputType(tg_Output output);

/* Starts an operation of a registered op ("MatMul", "Relu", ...); oper_name NULL or "" = the
 * op's name, made unique. Never fails by itself: problems found while describing it (a NULL
 * argument, an input of another graph) are reported by tg_FinishOperation. */
tg_OperationDescription* tg_NewOperation(tg_Graph* g, const char* op_type, const char* oper_name);
void tg_SetDevice(tg_OperationDescription* desc, const char* device);
void tg_AddInput(tg_OperationDescription* desc, tg_Output input);
void tg_AddInputList(tg_OperationDescription* desc, const tg_Output* inputs, int num_inputs);
void tg_AddControlInput(tg_OperationDescription* desc, tg_Operation* input);
void tg_SetAttrInt(tg_OperationDescription* desc, const char* attr_name, int64_t value);
void tg_SetAttrIntList(tg_OperationDescription* desc, const char* attr_name, const int64_t* values,
                       int num_values);
void tg_SetAttrFloat(tg_OperationDescription* desc, const char* attr_name, double value);
void tg_SetAttrFloatList(tg_OperationDescription* desc, const char* attr_name,
                         const double* values, int num_values);
void tg_SetAttrBool(tg_OperationDescription* desc, const char* attr_name, unsigned char value);
void tg_SetAttrString(tg_OperationDescription* desc, const char* attr_name, const void* value,
                      size_t length);
void tg_SetAttrStringList(tg_OperationDescription* desc, const char* attr_name,
                          const void* const* values, const size_t* lengths, int num_values);
void tg_SetAttrType(tg_OperationDescription* desc, const char* attr_name, tg_DataType value);
void tg_SetAttrShape(tg_OperationDescription* desc, const char* attr_name, const int64_t* dims,
                     int num_dims);
/* The attribute holds a copy of the tensor. */
void tg_SetAttrTensor(tg_OperationDescription* desc, const char* attr_name,
                      const tg_Tensor* value, tg_Status* status);
/* Adds the operation: runs the op's shape function, so a dtype or shape mismatch fails here with
 * TG_INVALID_ARGUMENT naming the node (tg_StatusNode) and the op (tg_StatusOp). Frees desc in
 * every case. The operation is owned by the graph; NULL on failure. */
tg_Operation* tg_FinishOperation(tg_OperationDescription* desc, tg_Status* status);

/* Builders of the common sources (as TensorFlow's ops::Placeholder, ops::Const, tf.Variable).
 * name NULL or "" = the op's name, made unique. Each returns output 0 of the new node. */
tg_Output tg_Placeholder(tg_Graph* g, tg_DataType dtype, const int64_t* dims, int num_dims,
                         const char* name, tg_Status* status);
/* A constant holding a copy of the tensor. */
tg_Output tg_Const(tg_Graph* g, const tg_Tensor* value, const char* name, tg_Status* status);
tg_Output tg_ScalarConst(tg_Graph* g, tg_DataType dtype, double value, const char* name,
                         tg_Status* status);

typedef enum tg_InitializerKind TG_ENUM_INT {
  TG_INIT_ZEROS = 0,
  TG_INIT_ONES = 1,
  TG_INIT_CONSTANT = 2,         /* a = the value */
  TG_INIT_RANDOM_NORMAL = 3,    /* a = mean, b = standard deviation */
  TG_INIT_TRUNCATED_NORMAL = 4, /* a = mean, b = standard deviation */
  TG_INIT_RANDOM_UNIFORM = 5,   /* [a, b) */
  TG_INIT_GLOROT_UNIFORM = 6
} tg_InitializerKind;

/* A variable of a fully defined shape with its initializer (seed < 0: derived from the graph
 * seed). trainable != 0 puts it among the variables that minimize updates by default. */
tg_Output tg_Variable(tg_Graph* g, tg_DataType dtype, const int64_t* dims, int num_dims,
                      tg_InitializerKind init, double a, double b, int64_t seed,
                      unsigned char trainable, const char* name, tg_Status* status);
/* One operation that runs every variable's initializer (tf.global_variables_initializer). */
tg_Operation* tg_GlobalVariablesInitializer(tg_Graph* g, tg_Status* status);

/* Adds the nodes of d(sum of y)/d(x) for each x into dy[0 .. nx) (TF_AddGradients). dx seeds
 * the gradients of y (NULL: ones). An x that no y depends on gets {NULL, 0}. */
void tg_AddGradients(tg_Graph* g, const tg_Output* y, int ny, const tg_Output* x, int nx,
                     const tg_Output* dx, tg_Status* status, tg_Output* dy);
/* optimizer.minimize(loss) (tf.train): gradients of loss, one update per variable of var_list
 * (NULL / 0: every trainable variable) and one increment of the global step. optimizer is
 * "sgd", "momentum", "adagrad", "adam", "rmsprop" or "ftrl" with its default settings. Its slot
 * variables are added to the graph (run tg_GlobalVariablesInitializer after this). Returns the
 * train op, owned by the graph. */
tg_Operation* tg_Minimize(tg_Graph* g, const char* optimizer, double learning_rate, tg_Output loss,
                          const tg_Output* var_list, int num_vars, tg_Status* status);

/* ---------------------------------------------------------------- sessions -------------- */

typedef struct tg_SessionOptions tg_SessionOptions;
/* Defaults: all cores, soft placement, GPUs when present, fusion and CUDA graphs on. Caller owns:
 * tg_DeleteSessionOptions. */
tg_SessionOptions* tg_NewSessionOptions(void);
void tg_DeleteSessionOptions(tg_SessionOptions* opts);
void tg_SessionOptionsSetNumThreads(tg_SessionOptions* opts, int num_threads); /* 0 = all */
void tg_SessionOptionsSetUseGpus(tg_SessionOptions* opts, unsigned char enable);
void tg_SessionOptionsSetSoftPlacement(tg_SessionOptions* opts, unsigned char enable);
void tg_SessionOptionsSetLogDevicePlacement(tg_SessionOptions* opts, unsigned char enable);
void tg_SessionOptionsSetFuseOps(tg_SessionOptions* opts, unsigned char enable);
void tg_SessionOptionsSetCudaGraphs(tg_SessionOptions* opts, unsigned char enable);

typedef struct tg_Session tg_Session;
/* A session over the graph (which it keeps alive; nodes may still be added to the graph). opts
 * NULL = defaults; the options are copied. Caller owns: tg_DeleteSession. */
tg_Session* tg_NewSession(tg_Graph* g, const tg_SessionOptions* opts, tg_Status* status);
void tg_DeleteSession(tg_Session* s);
/* Feeds inputs[i] with input_values[i] (not taken over: the caller still deletes them), runs what
 * the fetches and targets need, and stores new tensors into output_values[0 .. noutputs), which
 * the caller owns (tg_DeleteTensor each). On failure every output_values[i] is NULL. A missing
 * feed, or one of another dtype or shape than its placeholder, is TG_INVALID_ARGUMENT naming the
 * placeholder. */
void tg_SessionRun(tg_Session* s, const tg_Output* inputs, tg_Tensor* const* input_values,
                   int ninputs, const tg_Output* outputs, tg_Tensor** output_values, int noutputs,
                   tg_Operation* const* targets, int ntargets, tg_Status* status);
/* A copy of a variable's value. Caller owns: tg_DeleteTensor. */
tg_Tensor* tg_SessionVariableValue(tg_Session* s, tg_Output variable, tg_Status* status);
/* Overwrites a variable with a copy of value (same dtype and shape). */
void tg_SessionSetVariableValue(tg_Session* s, tg_Output variable, const tg_Tensor* value,
                                tg_Status* status);

/* ---------------------------------------------------------------- checkpoints ----------- */

/* Writes every variable of the session's graph into one checkpoint file (atomically). */
void tg_SaveCheckpoint(tg_Session* s, const char* path, tg_Status* status);
/* Loads a checkpoint file into the graph's variables, all or nothing. A damaged file is
 * TG_DATA_LOSS or TG_INVALID_ARGUMENT naming it (tg_StatusFile); another model's checkpoint
 * (a variable missing, or of another shape or dtype) is an error too. */
void tg_RestoreCheckpoint(tg_Session* s, const char* path, tg_Status* status);

/* ---------------------------------------------------------------- estimators ------------ */

typedef struct tg_Estimator tg_Estimator;
typedef struct tg_Metrics tg_Metrics;
typedef struct tg_Predictions tg_Predictions;

/* An estimator from a specification in JSON: either the form `tg train` saves (tg_spec.json:
 * {"spec": {...columns, label, features...}, "model": {...}}) or the column and feature
 * specification itself with an optional "model" member. "model" holds "type" ("linear", "dnn",
 * "wide_deep"; default "linear"), "task" ("regression", "binary", "multiclass"; default
 * "regression"), "n_classes", "hidden_units", "activation", "dropout", "linear_optimizer",
 * "linear_learning_rate", "dnn_optimizer", "dnn_learning_rate", "seed". model_dir NULL or "":
 * no checkpoints; otherwise checkpoints and tg_spec.json go there and an existing model there is
 * continued. The model is built at the first train (normalizer statistics are computed over its
 * files) or, from model_dir's tg_spec.json or a spec whose statistics are given, at the first
 * call of any kind. Caller owns: tg_DeleteEstimator. */
tg_Estimator* tg_NewEstimator(const char* spec_json, const char* model_dir, tg_Status* status);
void tg_DeleteEstimator(tg_Estimator* e);
/* Trains on CSV files (paths or glob patterns, laid out as the spec's columns) in batches of
 * batch_size, for `epochs` passes (-1: until max_steps), stopping after max_steps more steps
 * (-1: no limit). Saves a checkpoint at the end when there is a model_dir. */
void tg_EstimatorTrain(tg_Estimator* e, const char* const* files, int num_files,
                       int64_t batch_size, int64_t epochs, int64_t max_steps, tg_Status* status);
/* The global step (0 before any training); -1 on failure. */
int64_t tg_EstimatorGlobalStep(tg_Estimator* e, tg_Status* status);
/* Metrics over one pass of the files with the current weights. Caller owns: tg_DeleteMetrics. */
tg_Metrics* tg_EstimatorEvaluate(tg_Estimator* e, const char* const* files, int num_files,
                                 int64_t batch_size, tg_Status* status);
/* One prediction per row of the files. has_label != 0: the files have the label column (it is
 * ignored); 0: they have every column but the label. Caller owns: tg_DeletePredictions. */
tg_Predictions* tg_EstimatorPredict(tg_Estimator* e, const char* const* files, int num_files,
                                    int64_t batch_size, unsigned char has_label,
                                    tg_Status* status);
/* Writes a versioned export (export_dir/<global step>/) loadable by tg_LoadPredictor. Returns
 * the version directory, owned by the estimator and valid until its next export. */
const char* tg_EstimatorExport(tg_Estimator* e, const char* export_dir, tg_Status* status);

int tg_MetricsCount(const tg_Metrics* m);
/* Name of metric i ("loss", "average_loss", "rmse", "accuracy", "auc", ...), in name order;
 * NULL out of range. Owned by m. */
const char* tg_MetricsName(const tg_Metrics* m, int i);
/* The value of metric i (0 out of range). */
double tg_MetricsValueAt(const tg_Metrics* m, int i);
/* The value of a metric by name; TG_NOT_FOUND when m has none of that name. */
double tg_MetricsValue(const tg_Metrics* m, const char* name, tg_Status* status);
void tg_DeleteMetrics(tg_Metrics* m);

int64_t tg_PredictionsCount(const tg_Predictions* p);
/* Regression: the predicted value (0 for classifiers). */
double tg_PredictionsValue(const tg_Predictions* p, int64_t i);
/* Classification: the class id (-1 for regression or out of range). */
int64_t tg_PredictionsClassId(const tg_Predictions* p, int64_t i);
/* Classification: one probability per class, their count in *num_classes; NULL for regression.
 * Owned by p. */
const float* tg_PredictionsProbabilities(const tg_Predictions* p, int64_t i, int* num_classes);
void tg_DeletePredictions(tg_Predictions* p);

/* ---------------------------------------------------------------- serving --------------- */

typedef struct tg_Predictor tg_Predictor;
/* Loads an export: a version directory (export_dir/<version>) or an export directory, whose
 * newest version is loaded. Everything in it is validated; a bad export is an error naming the
 * file. Caller owns: tg_DeletePredictor. */
tg_Predictor* tg_LoadPredictor(const char* dir, tg_Status* status);
void tg_DeletePredictor(tg_Predictor* p);
int64_t tg_PredictorVersion(const tg_Predictor* p);
/* "regression", "binary" or "multiclass". Owned by p. */
const char* tg_PredictorTask(const tg_Predictor* p);
/* The signature: inputs (the raw columns) and outputs ("predictions" or "probabilities",
 * "class_ids", "logits", ...). Names owned by p; NULL out of range. */
int tg_PredictorNumInputs(const tg_Predictor* p);
const char* tg_PredictorInputName(const tg_Predictor* p, int i);
tg_DataType tg_PredictorInputType(const tg_Predictor* p, int i);
int tg_PredictorNumOutputs(const tg_Predictor* p);
const char* tg_PredictorOutputName(const tg_Predictor* p, int i);
tg_DataType tg_PredictorOutputType(const tg_Predictor* p, int i);
/* Predicts n rows: inputs[i] is a tensor of shape [n] for the signature input input_names[i]
 * (every input given once; not taken over). Stores new tensors for the named outputs into
 * outputs[0 .. noutputs) (rows first), which the caller owns; on failure they are NULL. */
void tg_PredictorRun(tg_Predictor* p, const char* const* input_names, tg_Tensor* const* inputs,
                     int ninputs, const char* const* output_names, tg_Tensor** outputs,
                     int noutputs, tg_Status* status);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* TENSORGRAPH_C_API_H_ */
