#include "kernels/cuda/blas.h"

#include <dlfcn.h>

#include <string>

#include "base/error.h"

namespace tg::cuda {

namespace {

void* open_library(const std::string& name, const char* purpose) {
  if (void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL)) return h;
  std::string first = dlerror();
  // The toolkit this build was linked against, where the loader's search does not reach;
  // toolkits install into lib64 or lib (with one of them often a link to the other).
  std::string dir = TG_CUDA_LIBRARY_DIR;
  std::string parent = dir.substr(0, dir.find_last_of('/'));
  for (const std::string& d : {dir, parent + "/lib64", parent + "/lib"})
    if (void* h = dlopen((d + "/" + name).c_str(), RTLD_NOW | RTLD_GLOBAL)) return h;
  throw Error(cat("cannot load ", name, " (needed for ", purpose, " on the GPU): ", first, "; also not in ",
                  dir, ", ", parent, "/lib64 or ", parent, "/lib"),
              ErrorCode::Unavailable);
}

template <class F>
void bind(void* lib, const char* symbol, F* slot) {
  void* p = dlsym(lib, symbol);
  TG_CHECK_CODE(p != nullptr, Unavailable, "the CUDA library loaded lacks ", symbol);
  *slot = reinterpret_cast<F>(p);
}

BlasApi load() {
  // cuBLAS loads cuBLASLt itself; opening cuBLASLt first makes a missing one the error shown.
  void* lt = open_library("libcublasLt.so." TG_CUBLAS_MAJOR, "matrix products");
  void* blas = open_library("libcublas.so." TG_CUBLAS_MAJOR, "matrix products");
  BlasApi a{};
  bind(blas, "cublasCreate_v2", &a.create);
  bind(blas, "cublasSetMathMode", &a.set_math_mode);
  bind(blas, "cublasSetStream_v2", &a.set_stream);
  bind(blas, "cublasDgemm_v2", &a.dgemm);
#if CUBLAS_VER_MAJOR >= 12
  a.dgemm_64 = reinterpret_cast<decltype(a.dgemm_64)>(dlsym(blas, "cublasDgemm_v2_64"));
#endif
  bind(blas, "cublasSgemm_v2", &a.sgemm);
  bind(blas, "cublasSetWorkspace_v2", &a.set_workspace);
  bind(blas, "cublasGetStatusString", &a.status_string);
  bind(lt, "cublasLtCreate", &a.lt_create);
  bind(lt, "cublasLtMatmulDescCreate", &a.lt_desc_create);
  bind(lt, "cublasLtMatmulDescSetAttribute", &a.lt_desc_set);
  bind(lt, "cublasLtMatrixLayoutCreate", &a.lt_layout_create);
  bind(lt, "cublasLtMatmulPreferenceCreate", &a.lt_pref_create);
  bind(lt, "cublasLtMatmulPreferenceSetAttribute", &a.lt_pref_set);
  bind(lt, "cublasLtMatmulPreferenceDestroy", &a.lt_pref_destroy);
  bind(lt, "cublasLtMatmulAlgoGetHeuristic", &a.lt_heuristic);
  bind(lt, "cublasLtMatmul", &a.lt_matmul);
  return a;
}

DnnApi load_dnn() {
  void* lib = open_library("libcudnn.so." + std::to_string(CUDNN_MAJOR), "activations and softmax");
  DnnApi a{};
  bind(lib, "cudnnCreate", &a.create);
  bind(lib, "cudnnSetStream", &a.set_stream);
  bind(lib, "cudnnGetErrorString", &a.error_string);
  bind(lib, "cudnnCreateTensorDescriptor", &a.create_tensor_desc);
  bind(lib, "cudnnSetTensor4dDescriptor", &a.set_tensor_4d_desc);
  bind(lib, "cudnnDestroyTensorDescriptor", &a.destroy_tensor_desc);
  bind(lib, "cudnnCreateActivationDescriptor", &a.create_activation_desc);
  bind(lib, "cudnnSetActivationDescriptor", &a.set_activation_desc);
  bind(lib, "cudnnDestroyActivationDescriptor", &a.destroy_activation_desc);
  bind(lib, "cudnnActivationForward", &a.activation_forward);
  bind(lib, "cudnnSoftmaxForward", &a.softmax_forward);
  return a;
}

}  // namespace

// Loaded once, thread-safely; a failed load throws and is tried again at the next call.
const DnnApi& dnn() {
  static const DnnApi api = load_dnn();
  return api;
}

const BlasApi& blas() {
  static const BlasApi api = load();
  return api;
}

}  // namespace tg::cuda
