// cuBLAS, cuBLASLt and cuDNN, loaded when the first op that needs them runs on a GPU. Mapping
// cuBLASLt costs a process about 150 MB of resident memory at start-up, which a process that
// never touches a GPU -- a CPU-only training run, a prediction server -- should not pay, and a
// program must start on a machine without these libraries at all; so the engine does not link
// them (the CUDA runtime is linked statically, and loads the driver itself) and calls them
// through these tables instead.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cudnn.h>

namespace tg::cuda {

struct BlasApi {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasDgemm_v2) dgemm;
#if CUBLAS_VER_MAJOR >= 12
  decltype(&cublasDgemm_v2_64) dgemm_64;  // 64-bit dimensions; null where the library lacks it
#endif
  decltype(&cublasSgemm_v2) sgemm;
  decltype(&cublasSetWorkspace_v2) set_workspace;
  decltype(&cublasGetStatusString) status_string;
  decltype(&cublasLtCreate) lt_create;
  decltype(&cublasLtMatmulDescCreate) lt_desc_create;
  decltype(&cublasLtMatmulDescSetAttribute) lt_desc_set;
  decltype(&cublasLtMatrixLayoutCreate) lt_layout_create;
  decltype(&cublasLtMatmulPreferenceCreate) lt_pref_create;
  decltype(&cublasLtMatmulPreferenceSetAttribute) lt_pref_set;
  decltype(&cublasLtMatmulPreferenceDestroy) lt_pref_destroy;
  decltype(&cublasLtMatmulAlgoGetHeuristic) lt_heuristic;
  decltype(&cublasLtMatmul) lt_matmul;
};

// Loads the libraries on first use (the toolkit's, found as the dynamic loader finds them or
// in the toolkit's library directory); throws tg::Error saying which could not be loaded.
const BlasApi& blas();

struct DnnApi {
  decltype(&cudnnCreate) create;
  decltype(&cudnnSetStream) set_stream;
  decltype(&cudnnGetErrorString) error_string;
  decltype(&cudnnCreateTensorDescriptor) create_tensor_desc;
  decltype(&cudnnSetTensor4dDescriptor) set_tensor_4d_desc;
  decltype(&cudnnDestroyTensorDescriptor) destroy_tensor_desc;
  decltype(&cudnnCreateActivationDescriptor) create_activation_desc;
  decltype(&cudnnSetActivationDescriptor) set_activation_desc;
  decltype(&cudnnDestroyActivationDescriptor) destroy_activation_desc;
  decltype(&cudnnActivationForward) activation_forward;
  decltype(&cudnnSoftmaxForward) softmax_forward;
};
// cuDNN, loaded as blas() loads cuBLAS.
const DnnApi& dnn();

}  // namespace tg::cuda
