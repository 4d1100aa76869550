// CUDA kernels of the neural-network family. Float32 matrix products run on cuBLASLt with the
// bias (and ReLU) fused into the product through its epilogue -- on plain cuBLAS, with the bias
// and activation as a kernel of their own, where cuBLASLt's heuristic finds no algorithm;
// float64 products on cuBLAS (its 64-bit API where the library has it).
// Sigmoid, tanh, ReLU and ELU and the softmaxes run on cuDNN; the rest are own kernels over
// the formulas the CPU kernels use (kernels/activation.h, kernels/dropout.h).
#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "kernels/activation.h"
#include "kernels/cuda/blas.h"
#include "kernels/cuda/common.cuh"
#include "kernels/dropout.h"

namespace tg::cuda {

namespace {

struct Gemm {
  int64_t m, n, k;
  bool ta, tb;
};
Gemm gemm_dims(const KernelContext& c) {
  const Shape &a = c.in(0).shape(), &b = c.in(1).shape();
  bool ta = c.attrs.get_or<bool>("transpose_a", false), tb = c.attrs.get_or<bool>("transpose_b", false);
  return {ta ? a.dim(1) : a.dim(0), tb ? b.dim(0) : b.dim(1), ta ? a.dim(0) : a.dim(1), ta, tb};
}

// A cuBLASLt float32 product with its epilogue, planned once per shape. Row-major
// C[m,n] = A[m,k] B[k,n] is column-major C^T[n,m] = B^T A^T, so B is passed first.
struct LtPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool found = false;  // cuBLASLt's heuristic had an algorithm: else the caller falls back
};

// The compute type of a float32 product: exact, or tensor cores with TF32 or bf16 inputs and
// float32 accumulation (SessionOptions::precision).
cublasComputeType_t compute_type(MathPrecision p) {
  switch (p) {
    case MathPrecision::TF32: return CUBLAS_COMPUTE_32F_FAST_TF32;
    case MathPrecision::BFloat16: return CUBLAS_COMPUTE_32F_FAST_16BF;
    case MathPrecision::Float32: break;
  }
  return CUBLAS_COMPUTE_32F;
}

LtPlan& lt_plan(const Gemm& g, cublasLtEpilogue_t epilogue, MathPrecision precision) {
  // Per thread: a plan's descriptor carries the bias pointer of the call being made.
  thread_local std::map<std::tuple<int64_t, int64_t, int64_t, int, int>, LtPlan> plans;
  int dev = 0;
  TG_CUDA_CHECK(cudaGetDevice(&dev));
  int flags = (g.ta ? 1 : 0) | (g.tb ? 2 : 0) | (static_cast<int>(precision) << 2) | (dev << 4);
  auto key = std::make_tuple(g.m, g.n, g.k, flags, static_cast<int>(epilogue));
  auto it = plans.find(key);
  if (it != plans.end()) return it->second;
  LtPlan p;
  TG_CUDA_CHECK(blas().lt_desc_create(&p.desc, compute_type(precision), CUDA_R_32F));
  cublasOperation_t op_b = g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, op_a = g.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  TG_CUDA_CHECK(blas().lt_desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &op_b, sizeof(op_b)));
  TG_CUDA_CHECK(blas().lt_desc_set(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &op_a, sizeof(op_a)));
  TG_CUDA_CHECK(blas().lt_desc_set(p.desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue, sizeof(epilogue)));
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  TG_CUDA_CHECK(blas().lt_layout_create(&p.a, CUDA_R_32F, u(g.tb ? g.k : g.n), u(g.tb ? g.n : g.k), g.tb ? g.k : g.n));
  TG_CUDA_CHECK(blas().lt_layout_create(&p.b, CUDA_R_32F, u(g.ta ? g.m : g.k), u(g.ta ? g.k : g.m), g.ta ? g.m : g.k));
  TG_CUDA_CHECK(blas().lt_layout_create(&p.d, CUDA_R_32F, u(g.n), u(g.m), g.n));
  cublasLtMatmulPreference_t pref = nullptr;
  TG_CUDA_CHECK(blas().lt_pref_create(&pref));
  size_t ws = 0;
  lt_workspace(&ws);
  TG_CUDA_CHECK(blas().lt_pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  cublasStatus_t st = blas().lt_heuristic(lt_handle(), p.desc, p.a, p.b, p.d, p.d, pref, 1, &result, &found);
  cublasStatus_t destroyed = blas().lt_pref_destroy(pref);
  TG_CUDA_CHECK(st);
  TG_CUDA_CHECK(destroyed);
  p.found = found > 0;
  p.algo = result.algo;
  return plans.emplace(key, p).first->second;
}

// False, having done nothing, when cuBLASLt has no algorithm for this product and epilogue.
bool lt_matmul(const KernelContext& c, const Gemm& g, const float* bias, cublasLtEpilogue_t epilogue) {
  LtPlan& p = lt_plan(g, epilogue, c.precision);
  if (!p.found) return false;
  if (bias) TG_CUDA_CHECK(blas().lt_desc_set(p.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias, sizeof(bias)));
  float one = 1.f, zero = 0.f;
  size_t ws = 0;
  void* workspace = lt_workspace(&ws);
  TG_CUDA_CHECK(blas().lt_matmul(lt_handle(), p.desc, &one, c.in(1).data<float>(), p.a, c.in(0).data<float>(), p.b, &zero,
                               c.out().data<float>(), p.d, c.out().data<float>(), p.d, &p.algo, workspace, ws,
                               stream_of(c)));
  return true;
}

// cuBLAS's classic API takes int dimensions.
bool fits_int(const Gemm& g) {
  return std::max({g.m, g.n, g.k}) <= std::numeric_limits<int>::max();
}
[[noreturn]] void too_large(const Gemm& g, const char* type) {
  fail(type, " product ", g.m, "x", g.k, " by ", g.k, "x", g.n, " has a dimension over cuBLAS's 32-bit limit");
}

void dgemm(const KernelContext& c, const Gemm& g) {
  double one = 1, zero = 0;
  cublasOperation_t op_b = g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, op_a = g.ta ? CUBLAS_OP_T : CUBLAS_OP_N;
#if CUBLAS_VER_MAJOR >= 12
  if (blas().dgemm_64) {  // 64-bit dimensions (CUDA 12 and later)
    TG_CUDA_CHECK(blas().dgemm_64(blas_handle(c), op_b, op_a, g.n, g.m, g.k, &one, c.in(1).data<double>(),
                                  g.tb ? g.k : g.n, c.in(0).data<double>(), g.ta ? g.m : g.k, &zero,
                                  c.out().data<double>(), g.n));
    return;
  }
#endif
  if (!fits_int(g)) too_large(g, "float64");
  TG_CUDA_CHECK(blas().dgemm(blas_handle(c), op_b, op_a, static_cast<int>(g.n), static_cast<int>(g.m),
                             static_cast<int>(g.k), &one, c.in(1).data<double>(), static_cast<int>(g.tb ? g.k : g.n),
                             c.in(0).data<double>(), static_cast<int>(g.ta ? g.m : g.k), &zero,
                             c.out().data<double>(), static_cast<int>(g.n)));
}

// The float32 product on plain cuBLAS, where cuBLASLt has no algorithm.
void sgemm(const KernelContext& c, const Gemm& g) {
  if (!fits_int(g)) too_large(g, "float32");
  float one = 1, zero = 0;
  TG_CUDA_CHECK(blas().sgemm(blas_handle(c), g.tb ? CUBLAS_OP_T : CUBLAS_OP_N, g.ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                             static_cast<int>(g.n), static_cast<int>(g.m), static_cast<int>(g.k), &one,
                             c.in(1).data<float>(), static_cast<int>(g.tb ? g.k : g.n), c.in(0).data<float>(),
                             static_cast<int>(g.ta ? g.m : g.k), &zero, c.out().data<float>(), static_cast<int>(g.n)));
}

// out = in0 x in1 without an epilogue.
template <class T>
void product(const KernelContext& c, const Gemm& g) {
  if constexpr (std::is_same_v<T, float>) {
    if (!lt_matmul(c, g, nullptr, CUBLASLT_EPILOGUE_DEFAULT)) sgemm(c, g);
  } else {
    dgemm(c, g);
  }
}

// A product with an empty inner dimension is zero (cuBLAS would leave the output alone).
bool empty_product(const KernelContext& c, const Gemm& g) {
  if (g.m == 0 || g.n == 0) return true;
  if (g.k > 0) return false;
  TG_CUDA_CHECK(cudaMemsetAsync(c.out().raw(), 0, c.out().bytes(), stream_of(c)));
  return true;
}

template <class T>
void matmul(const KernelContext& c) {
  Gemm g = gemm_dims(c);
  if (empty_product(c, g)) return;
  product<T>(c, g);
}

// y[r, j] = act(x[r, j] + bias[j]); bias may be null (activation only).
template <class T>
__global__ void bias_act_kernel(const T* x, const T* bias, T* y, int64_t n, int64_t cols, Act act, T alpha) {
  TG_GRID_STRIDE(i, n) y[i] = activate<T>(act, x[i] + (bias ? bias[i % cols] : T(0)), alpha);
}

template <class T>
void bias_act(const KernelContext& c, const T* x, const T* bias, T* y, int64_t n, int64_t cols, Act act) {
  if (n == 0) return;
  T alpha = static_cast<T>(c.attrs.get_or<double>("alpha", act_default_alpha(act)));
  bias_act_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(x, bias, y, n, cols, act, alpha);
  TG_CUDA_CHECK_LAUNCH();
}

// The cuBLASLt epilogue that adds the bias and applies the activation (base/activations.h);
// CUBLASLT_EPILOGUE_BIAS where cuBLASLt has none for it.
cublasLtEpilogue_t lt_epilogue(Act a) {
  switch (a) {
#define TG_ACT_LT(e, name, op, alpha, dnnl, dnnl_a, lt, ...) \
  case Act::e: return CUBLASLT_EPILOGUE_##lt;
    TG_ACTIVATIONS(TG_ACT_LT)
#undef TG_ACT_LT
    case Act::None: break;
  }
  return CUBLASLT_EPILOGUE_BIAS;
}

template <class T>
void fused_matmul(const KernelContext& c) {
  Gemm g = gemm_dims(c);
  Act act = act_from_name(c.attrs.get_or<std::string>("activation", "none"));
  if (g.m == 0 || g.n == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (g.k > 0) {
      const float* bias = c.in(2).data<float>();
      cublasLtEpilogue_t epilogue = lt_epilogue(act);
      bool in_epilogue = act == Act::None || epilogue != CUBLASLT_EPILOGUE_BIAS;
      // Without an algorithm for the epilogue: the plain product below, then bias and activation.
      if (lt_matmul(c, g, bias, epilogue)) {
        if (!in_epilogue) {
          float* y = c.out().data<float>();
          bias_act<float>(c, y, nullptr, y, g.m * g.n, g.n, act);
        }
        return;
      }
    }
  }
  if (!empty_product(c, g)) product<T>(c, g);
  T* y = c.out().data<T>();
  bias_act<T>(c, y, c.in(2).data<T>(), y, g.m * g.n, g.n, act);
}

template <class T>
void bias_add(const KernelContext& c) {
  bias_act<T>(c, c.in(0).data<T>(), c.in(1).data<T>(), c.out().data<T>(), c.out().num_elements(),
              c.in(1).num_elements(), Act::None);
}

cudnnDataType_t dnn_type(DType t) { return t == DType::Float32 ? CUDNN_DATA_FLOAT : CUDNN_DATA_DOUBLE; }

// A cuDNN NCHW descriptor of rows x cols (softmax runs over C per N).
struct TensorDesc {
  cudnnTensorDescriptor_t d = nullptr;
  TensorDesc(DType t, int64_t rows, int64_t cols) {
    TG_CHECK(rows < (int64_t{1} << 31) && cols < (int64_t{1} << 31), "tensor too large for cuDNN: ", rows, "x", cols);
    TG_CUDA_CHECK(dnn().create_tensor_desc(&d));
    TG_CUDA_CHECK(dnn().set_tensor_4d_desc(d, CUDNN_TENSOR_NCHW, dnn_type(t), static_cast<int>(rows),
                                             static_cast<int>(cols), 1, 1));
  }
  ~TensorDesc() { dnn().destroy_tensor_desc(d); }  // a destructor: nothing to report to
  TensorDesc(const TensorDesc&) = delete;
  TensorDesc& operator=(const TensorDesc&) = delete;
};

// The (deprecated but present) cuDNN 9 activation API: sigmoid, tanh, ReLU, ELU.
template <class T>
void dnn_activation(const KernelContext& c, cudnnActivationMode_t mode, double coef) {
  int64_t n = c.in(0).num_elements();
  if (n == 0) return;
  TensorDesc desc(c.in(0).dtype(), n, 1);
  cudnnActivationDescriptor_t act = nullptr;
  TG_CUDA_CHECK(dnn().create_activation_desc(&act));
  cudnnStatus_t st = dnn().set_activation_desc(act, mode, CUDNN_NOT_PROPAGATE_NAN, coef);
  T one = 1, zero = 0;
  if (st == CUDNN_STATUS_SUCCESS)
    st = dnn().activation_forward(dnn_handle(c), act, &one, desc.d, c.in(0).raw(), &zero, desc.d, c.out().raw());
  cudnnStatus_t destroyed = dnn().destroy_activation_desc(act);
  TG_CUDA_CHECK(st);
  TG_CUDA_CHECK(destroyed);
}

// cuDNN's activation mode for an activation (base/activations.h), or -1 for an own kernel.
constexpr int kCudnnRELU = CUDNN_ACTIVATION_RELU, kCudnnSIGMOID = CUDNN_ACTIVATION_SIGMOID,
              kCudnnTANH = CUDNN_ACTIVATION_TANH, kCudnnELU = CUDNN_ACTIVATION_ELU, kCudnnNONE = -1;
constexpr int cudnn_mode(Act a) {
  switch (a) {
#define TG_ACT_CUDNN(e, name, op, alpha, dnnl, dnnl_a, lt, cudnn, ...) \
  case Act::e: return kCudnn##cudnn;
    TG_ACTIVATIONS(TG_ACT_CUDNN)
#undef TG_ACT_CUDNN
    case Act::None: break;
  }
  return kCudnnNONE;
}
// cuDNN's coefficient (ELU's alpha), which is oneDNN's alpha in the table.
constexpr double cudnn_coef(Act a) {
  [[maybe_unused]] float alpha = 0.f;
  switch (a) {
#define TG_ACT_COEF(e, name, op, default_alpha, dnnl, dnnl_a, ...) \
  case Act::e: return dnnl_a;
    TG_ACTIVATIONS(TG_ACT_COEF)
#undef TG_ACT_COEF
    case Act::None: break;
  }
  return 0;
}

template <class T, Act A>
void activation(const KernelContext& c) {
  if constexpr (cudnn_mode(A) >= 0)
    return dnn_activation<T>(c, static_cast<cudnnActivationMode_t>(cudnn_mode(A)), cudnn_coef(A));
  bias_act<T>(c, c.in(0).data<T>(), nullptr, c.out().data<T>(), c.out().num_elements(), 1, A);
}

template <class T>
__global__ void activation_grad_kernel(const T* g, const T* y, T* out, int64_t n, Act act, T alpha) {
  TG_GRID_STRIDE(i, n) out[i] = g[i] * activation_slope<T>(act, y[i], alpha);
}

template <class T>
void activation_grad(const KernelContext& c) {
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  Act act = act_from_name(c.attrs.get<std::string>("kind"));
  T alpha = static_cast<T>(c.attrs.get_or<double>("alpha", act_default_alpha(act)));
  // Input 1 is the activation's output or input, as its gradient reads (base/activations.h).
  activation_grad_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(
      c.in(0).data<T>(), c.in(1).data<T>(), c.out().data<T>(), n, act, alpha);
  TG_CUDA_CHECK_LAUNCH();
}

template <class T, bool Log>
void softmax(const KernelContext& c) {
  const Shape& s = c.in(0).shape();
  int64_t cols = s.rank() ? s.dim(s.rank() - 1) : 1;
  int64_t rows = cols ? c.in(0).num_elements() / cols : 0;
  if (rows == 0 || cols == 0) return;
  TensorDesc desc(c.in(0).dtype(), rows, cols);
  T one = 1, zero = 0;
  TG_CUDA_CHECK(dnn().softmax_forward(dnn_handle(c), Log ? CUDNN_SOFTMAX_LOG : CUDNN_SOFTMAX_ACCURATE,
                                    CUDNN_SOFTMAX_MODE_INSTANCE, &one, desc.d, c.in(0).raw(), &zero, desc.d,
                                    c.out().raw()));
}

template <class T>
__global__ void dropout_kernel(T* out, int64_t n, uint64_t base, uint64_t cut, T keep) {
  TG_GRID_STRIDE(i, n) out[i] = splitmix64(base + static_cast<uint64_t>(i)) >= cut ? keep : T(0);
}

template <class T>
void dropout_mask(const KernelContext& c) {
  double rate = c.attrs.get<double>("rate");
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  dropout_kernel<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(
      c.out().data<T>(), n, dropout_base(c.attrs.get<int64_t>("seed"), c.run_counter), dropout_cut(rate),
      static_cast<T>(1.0 / (1.0 - rate)));
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void register_nn_kernels() {
#define TG_REG(op, fn) reg<float, double>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
#define TG_ACT(op, A) \
  reg<float, double>(op, [](auto z) -> KernelFn { return &activation<decltype(z), A>; })
  TG_REG("MatMul", matmul);
  TG_REG("FusedMatMul", fused_matmul);
  TG_REG("BiasAdd", bias_add);
  TG_REG("ActivationGrad", activation_grad);
  TG_REG("DropoutMask", dropout_mask);
#define TG_ACT_REG(e, name, op, ...) TG_ACT(op, Act::e);
  TG_ACTIVATIONS(TG_ACT_REG)
#undef TG_ACT_REG
  reg<float, double>("Softmax", [](auto z) -> KernelFn { return &softmax<decltype(z), false>; });
  reg<float, double>("LogSoftmax", [](auto z) -> KernelFn { return &softmax<decltype(z), true>; });
#undef TG_REG
#undef TG_ACT
}

}  // namespace tg::cuda
