// The CUDA libraries' host side, which works without a GPU: cuBLAS is opened only when first
// needed, and every CUDA, cuBLAS and cuDNN status becomes a tg::Error naming the call.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/error.h"
#include "kernels/cuda/blas.h"
#include "kernels/cuda/check.h"

namespace tg {
namespace {

bool mapped(const std::string& library) {
  std::ifstream maps("/proc/self/maps");
  std::stringstream s;
  s << maps.rdbuf();
  return s.str().find(library) != std::string::npos;
}

TEST(CudaLibraries, CublasIsOpenedOnlyWhenFirstNeeded) {
  // ctest runs each test in its own process, so nothing has opened it before.
  EXPECT_FALSE(mapped("libcublasLt.so"));
  std::string s = cuda::blas().status_string(CUBLAS_STATUS_NOT_INITIALIZED);
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(mapped("libcublasLt.so"));
  EXPECT_TRUE(mapped("libcublas.so"));
}

template <class Status>
std::string message_of(Status s) {
  try {
    TG_CUDA_CHECK(s);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CudaLibraries, EveryFailedStatusNamesTheLibraryTheCallAndThePlace) {
  std::string m = message_of(cudaErrorMemoryAllocation);
  EXPECT_NE(m.find("CUDA error"), std::string::npos) << m;
  EXPECT_NE(m.find("out of memory"), std::string::npos) << m;
  EXPECT_NE(m.find("cuda_libraries_test.cpp:"), std::string::npos) << m;
  m = message_of(CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_NE(m.find("cuBLAS error"), std::string::npos) << m;
  m = message_of(CUDNN_STATUS_BAD_PARAM);
  EXPECT_NE(m.find("cuDNN error"), std::string::npos) << m;
  EXPECT_NE(m.find(" in s ("), std::string::npos) << "the call as written: " << m;
  EXPECT_EQ(message_of(cudaSuccess), "");
}

}  // namespace
}  // namespace tg
