// cuBLAS and cuBLASLt, loaded when the first matrix product runs on a GPU. Mapping cuBLASLt
// costs a process about 150 MB of resident memory at start-up, which a process that never
// touches a GPU -- a CPU-only training run, a prediction server -- should not pay; so the
// engine does not link them and calls them through this table instead.
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>

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

}  // namespace tg::cuda
