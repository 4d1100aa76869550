#include "runtime/communicator.h"

#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "base/log.h"
#include "kernels/collective.h"
#ifdef TG_WITH_CUDA
#include "runtime/nccl_communicator.h"
#endif

namespace tg {

namespace {

using Clock = std::chrono::steady_clock;

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v)) return true;
  return false;
}

MPI_Datatype mpi_type(DType t) {
  switch (t) {
    case DType::Float32: return MPI_FLOAT;
    case DType::Float64: return MPI_DOUBLE;
    case DType::Int32: return MPI_INT32_T;
    case DType::Int64: return MPI_INT64_T;
    case DType::Bool: return MPI_UINT8_T;
    default: fail("collectives: no MPI type for ", dtype_name(t));
  }
}

MPI_Op mpi_op(Reduction r) {
  switch (r) {
    case Reduction::Sum: return MPI_SUM;
    case Reduction::Min: return MPI_MIN;
    case Reduction::Max: return MPI_MAX;
  }
  return MPI_SUM;
}

// Set once MPI runs with more than one rank: abort_job_if_distributed reads it without
// initializing anything.
std::atomic<bool> g_job{false};
char g_term_message[256];
size_t g_term_length = 0;

extern "C" void on_terminate(int sig) {
  // Async-signal-safe: a prepared message and _exit.
  if (g_term_length) (void)!::write(2, g_term_message, g_term_length);
  ::_exit(128 + sig);
}

double timeout_from_env() {
  const char* v = std::getenv("TG_COLLECTIVE_TIMEOUT");
  if (!v || !*v) return 300;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  TG_CHECK(end && *end == '\0' && s > 0, "TG_COLLECTIVE_TIMEOUT must be a positive number of seconds, got '", v, "'");
  return s;
}

}  // namespace

struct Communicator::Impl : CollectiveBackend {
  Communicator* owner = nullptr;
  MPI_Comm comm = MPI_COMM_NULL;
  std::atomic<int64_t> busy_since{0};  // steady-clock nanoseconds when the running collective began; 0 = none
  std::atomic<const char*> busy_what{""};
  std::atomic<double> timeout{300};
  bool nccl_ok = false;  // every rank can reduce GPU memory with NCCL
#ifdef TG_WITH_CUDA
  std::unique_ptr<NcclComm> nccl;
#endif

  int size() const override { return owner->size(); }
  int rank() const override { return owner->rank(); }
  void allreduce_host(const void* in, void* out, int64_t n, DType dtype) override {
    owner->allreduce(in, out, n, dtype, Reduction::Sum);
  }
  bool allreduce_device(const void* in, void* out, int64_t n, DType dtype, void* stream) override {
#ifdef TG_WITH_CUDA
    if (!nccl_ok) return false;
    Busy busy(*this, "an NCCL all-reduce");
    // Made at the first GPU all-reduce, which every rank reaches at the same point of the graph.
    if (!nccl) nccl = NcclComm::create(*owner);
    nccl->allreduce(in, out, n, dtype, stream);
    return true;
#else
    (void)in, (void)out, (void)n, (void)dtype, (void)stream;
    return false;
#endif
  }

  // GPUs: each rank of a machine takes GPU (local rank mod GPUs) unless CUDA_VISIBLE_DEVICES
  // already chose; NCCL serves only when every rank has a GPU of its own.
  void setup_gpus(int local_rank, int local_size) {
#ifdef TG_WITH_CUDA
    int gpus = driver_gpu_count();
    if (!std::getenv("CUDA_VISIBLE_DEVICES") && local_size > 1 && gpus > 0)
      setenv("CUDA_VISIBLE_DEVICES", std::to_string(local_rank % gpus).c_str(), 1);
    const char* env = std::getenv("TG_NCCL");
    std::string why = env && std::string(env) == "0" ? "TG_NCCL=0" : nccl_unavailable_reason(local_size);
    nccl_ok = owner->allreduce(int64_t{why.empty()}, Reduction::Min) == 1;
    if (gpus > 0 && !why.empty()) log_info("GPU all-reduces are staged through the host (", why, ")");
#else
    (void)local_rank, (void)local_size;
#endif
  }

  // Marks a collective as running for the watchdog.
  // Marks a collective as running for the watchdog; nested ones (NCCL's set-up inside its
  // first all-reduce) hand the outer one back.
  struct Busy {
    Impl& m;
    int64_t outer_since;
    const char* outer_what;
    Busy(Impl& impl, const char* what) : m(impl), outer_since(impl.busy_since.load()), outer_what(impl.busy_what.load()) {
      m.busy_what.store(what);
      m.busy_since.store(Clock::now().time_since_epoch().count());
    }
    ~Busy() {
      m.busy_what.store(outer_what);
      m.busy_since.store(outer_since ? Clock::now().time_since_epoch().count() : 0);
    }
  };

  void check(int rc, const char* call) const {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    throw Error(cat(owner->describe(), ": ", call, " failed: ", std::string(text, static_cast<size_t>(len)),
                    " (a rank of the job stopped or cannot be reached)"),
                ErrorCode::Unavailable);
  }

  // Ends this process when a collective has waited past the timeout; the launcher then ends
  // the other ranks. Touches no MPI state, so it needs no thread support from MPI.
  void watch() {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      int64_t since = busy_since.load();
      if (!since) continue;
      double waited = std::chrono::duration<double>(Clock::now().time_since_epoch() - Clock::duration(since)).count();
      if (waited > timeout.load()) {
        std::fprintf(stderr,
                     "tg: error: %s: %s has waited %.0f s for the other ranks (TG_COLLECTIVE_TIMEOUT=%.0f): "
                     "a rank stopped or hangs; ending the job\n",
                     owner->describe().c_str(), busy_what.load(), waited, timeout.load());
        std::fflush(stderr);
        std::_Exit(1);
      }
    }
  }
};

Communicator& Communicator::world() {
  static Communicator* w = new Communicator();  // never destroyed: MPI is finalized at exit
  return *w;
}

Communicator::Communicator() {
  timeout_ = timeout_from_env();
  if (!launched_by_mpi()) return;
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    // Collectives come from one thread at a time (the session's, the estimator's).
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS)
      fail("MPI_Init_thread failed: the MPI launcher's environment is set but MPI cannot start");
    std::atexit([] {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized) MPI_Finalize();
    });
  }
  impl_ = new Impl();
  impl_->owner = this;
  impl_->timeout.store(timeout_);
  MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm);
  // Errors come back as codes (a lost peer becomes a tg::Error naming the call), not aborts.
  MPI_Comm_set_errhandler(impl_->comm, MPI_ERRORS_RETURN);
  MPI_Comm_rank(impl_->comm, &rank_);
  MPI_Comm_size(impl_->comm, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(impl_->comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
  set_collective_backend(impl_);
  if (size_ > 1) {
    g_job.store(true);
    set_log_prefix(cat("rank ", rank_, "/", size_, ": "));
    std::snprintf(g_term_message, sizeof g_term_message,
                  "tg: rank %d of %d: stopped by the launcher (when a rank of the job is lost, the launcher's "
                  "message names it)\n",
                  rank_, size_);
    g_term_length = std::strlen(g_term_message);
    std::signal(SIGTERM, on_terminate);
    std::thread([m = impl_] { m->watch(); }).detach();
    impl_->setup_gpus(local_rank_, local_size_);
  }
}

bool Communicator::nccl() const { return impl_ && impl_->nccl_ok; }

std::string Communicator::describe() const { return cat("rank ", rank_, " of ", size_); }

void Communicator::set_timeout_seconds(double s) {
  TG_CHECK(s > 0, "the collective timeout must be positive");
  timeout_ = s;
  if (impl_) impl_->timeout.store(s);
}

void Communicator::allreduce(void* data, int64_t count, DType dtype, Reduction op) {
  allreduce(data, data, count, dtype, op);
}

void Communicator::allreduce(const void* in, void* out, int64_t count, DType dtype, Reduction op) {
  size_t width = dtype_size(dtype);
  if (!impl_ || size_ == 1) {
    if (in != out) std::memcpy(out, in, static_cast<size_t>(count) * width);
    return;
  }
  Impl::Busy busy(*impl_, "an all-reduce");
  // MPI counts are ints: large buffers go in chunks.
  constexpr int64_t kChunk = int64_t{1} << 30;
  for (int64_t at = 0; at < count; at += kChunk) {
    int n = static_cast<int>(std::min(kChunk, count - at));
    char* o = static_cast<char*>(out) + at * static_cast<int64_t>(width);
    const void* i = in == out ? MPI_IN_PLACE : static_cast<const char*>(in) + at * static_cast<int64_t>(width);
    impl_->check(MPI_Allreduce(i, o, n, mpi_type(dtype), mpi_op(op), impl_->comm), "MPI_Allreduce");
  }
}

double Communicator::allreduce(double v, Reduction op) {
  allreduce(&v, 1, DType::Float64, op);
  return v;
}

int64_t Communicator::allreduce(int64_t v, Reduction op) {
  allreduce(&v, 1, DType::Int64, op);
  return v;
}

void Communicator::broadcast(void* data, int64_t bytes, int root) {
  if (!impl_ || size_ == 1) return;
  Impl::Busy busy(*impl_, "a broadcast");
  constexpr int64_t kChunk = int64_t{1} << 30;
  for (int64_t at = 0; at < bytes; at += kChunk) {
    int n = static_cast<int>(std::min(kChunk, bytes - at));
    impl_->check(MPI_Bcast(static_cast<char*>(data) + at, n, MPI_BYTE, root, impl_->comm), "MPI_Bcast");
  }
}

std::string Communicator::broadcast(const std::string& s, int root) {
  if (!impl_ || size_ == 1) return s;
  int64_t n = static_cast<int64_t>(s.size());
  broadcast(&n, sizeof n, root);
  std::string r = rank_ == root ? s : std::string(static_cast<size_t>(n), '\0');
  broadcast(r.data(), n, root);
  return r;
}

std::vector<std::string> Communicator::gather(const std::string& mine, int root) {
  if (!impl_ || size_ == 1) return {mine};
  Impl::Busy busy(*impl_, "a gather");
  TG_CHECK(mine.size() < static_cast<size_t>(INT_MAX), "gather: ", mine.size(), " bytes is too many for one rank");
  int n = static_cast<int>(mine.size());
  std::vector<int> sizes(rank_ == root ? static_cast<size_t>(size_) : 0), offsets;
  impl_->check(MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, root, impl_->comm), "MPI_Gather");
  std::string all;
  if (rank_ == root) {
    int64_t total = 0;
    for (int s : sizes) {
      offsets.push_back(static_cast<int>(total));
      total += s;
    }
    TG_CHECK(total < INT_MAX, "gather: ", total, " bytes in all is too many");
    all.resize(static_cast<size_t>(total));
  }
  impl_->check(MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), offsets.data(), MPI_BYTE, root,
                           impl_->comm),
               "MPI_Gatherv");
  std::vector<std::string> r;
  if (rank_ == root)
    for (int k = 0; k < size_; ++k)
      r.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(k)]),
                             static_cast<size_t>(sizes[static_cast<size_t>(k)])));
  return r;
}

std::vector<uint64_t> Communicator::allgather(uint64_t v) {
  if (!impl_ || size_ == 1) return {v};
  Impl::Busy busy(*impl_, "an all-gather");
  std::vector<uint64_t> r(static_cast<size_t>(size_));
  impl_->check(MPI_Allgather(&v, 1, MPI_UINT64_T, r.data(), 1, MPI_UINT64_T, impl_->comm), "MPI_Allgather");
  return r;
}

void Communicator::barrier() {
  if (!impl_ || size_ == 1) return;
  Impl::Busy busy(*impl_, "a barrier");
  impl_->check(MPI_Barrier(impl_->comm), "MPI_Barrier");
}

void Communicator::abort_job(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (impl_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

std::string Communicator::job_label() { return g_job.load() ? world().describe() + ": " : std::string(); }

void Communicator::abort_job_if_distributed(int code) {
  if (!g_job.load()) return;
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
}

}  // namespace tg
