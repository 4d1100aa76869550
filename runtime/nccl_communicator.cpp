#include "runtime/nccl_communicator.h"

#include <cuda_runtime_api.h>
#include <dlfcn.h>
#include <nccl.h>

#include <filesystem>
#include <mutex>

#include "base/error.h"
#include "base/log.h"
#include "runtime/communicator.h"

namespace tg {

namespace {

// The few NCCL entry points used, resolved from libnccl.so.2.
struct Nccl {
  ncclResult_t (*get_unique_id)(ncclUniqueId*) = nullptr;
  ncclResult_t (*comm_init_rank)(ncclComm_t*, int, ncclUniqueId, int) = nullptr;
  ncclResult_t (*all_reduce)(const void*, void*, size_t, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t) = nullptr;
  ncclResult_t (*comm_destroy)(ncclComm_t) = nullptr;
  ncclResult_t (*comm_abort)(ncclComm_t) = nullptr;
  const char* (*error_string)(ncclResult_t) = nullptr;
  std::string error;  // why it could not be loaded
};

const Nccl& nccl() {
  static Nccl n = [] {
    Nccl r;
    void* h = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
#ifdef TG_CUDA_LIBRARY_DIR
    if (!h) h = dlopen(TG_CUDA_LIBRARY_DIR "/libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
#endif
    if (!h) {
      r.error = cat("libnccl.so.2 cannot be loaded: ", dlerror());
      return r;
    }
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      if (!fn && r.error.empty()) r.error = cat("libnccl.so.2 lacks ", name);
    };
    sym(r.get_unique_id, "ncclGetUniqueId");
    sym(r.comm_init_rank, "ncclCommInitRank");
    sym(r.all_reduce, "ncclAllReduce");
    sym(r.comm_destroy, "ncclCommDestroy");
    sym(r.comm_abort, "ncclCommAbort");
    sym(r.error_string, "ncclGetErrorString");
    return r;
  }();
  return n;
}

void check(ncclResult_t rc, const char* call) {
  if (rc == ncclSuccess) return;
  throw Error(cat(call, " failed: ", nccl().error_string ? nccl().error_string(rc) : "unknown NCCL error"),
              ErrorCode::Unavailable);
}

void check_cuda(cudaError_t rc, const char* call) {
  if (rc == cudaSuccess) return;
  throw Error(cat(call, " failed: ", cudaGetErrorString(rc)), ErrorCode::Internal);
}

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::Float32: return ncclFloat32;
    case DType::Float64: return ncclFloat64;
    case DType::Int32: return ncclInt32;
    case DType::Int64: return ncclInt64;
    default: fail("NCCL: no type for ", dtype_name(t));
  }
}

}  // namespace

int driver_gpu_count() {
  std::error_code ec;
  int n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/driver/nvidia/gpus", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

std::string nccl_unavailable_reason(int local_ranks) {
  int gpus = driver_gpu_count();
  if (gpus == 0) return "no GPU on this machine";
  if (gpus < local_ranks) return cat(local_ranks, " ranks share this machine's ", gpus, " GPU", gpus == 1 ? "" : "s");
  return nccl().error;
}

std::unique_ptr<NcclComm> NcclComm::create(Communicator& world) {
  const Nccl& n = nccl();
  TG_CHECK(n.error.empty(), n.error);
  ncclUniqueId id{};
  if (world.is_chief()) check(n.get_unique_id(&id), "ncclGetUniqueId");
  world.broadcast(&id, sizeof id, 0);
  std::unique_ptr<NcclComm> c(new NcclComm());
  ncclComm_t comm = nullptr;
  check(n.comm_init_rank(&comm, world.size(), id, world.rank()), "ncclCommInitRank");
  c->comm_ = comm;
  int device = -1;
  cudaGetDevice(&device);
  log_info("NCCL connects the ", world.size(), " ranks' GPUs (this rank: CUDA device ", device, ")");
  return c;
}

NcclComm::~NcclComm() {
  if (comm_) nccl().comm_destroy(static_cast<ncclComm_t>(comm_));
}

void NcclComm::allreduce(const void* in, void* out, int64_t n, DType dtype, void* stream) {
  auto s = static_cast<cudaStream_t>(stream);
  check(nccl().all_reduce(in, out, static_cast<size_t>(n), nccl_type(dtype), ncclSum, static_cast<ncclComm_t>(comm_), s),
        "ncclAllReduce");
  check_cuda(cudaStreamSynchronize(s), "cudaStreamSynchronize after ncclAllReduce");
}

}  // namespace tg
