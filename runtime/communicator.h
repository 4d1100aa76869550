// The processes of a training job and their collectives, over MPI (Open MPI): rank, size,
// all-reduce, broadcast, gather. One process per device, started by an MPI launcher:
//
//   mpirun -np 4 tg train ...         (one machine, or several with a host file)
//   srun --mpi=pmix -n 64 tg train ...  (Slurm)
//
// A process is part of a job when a launcher started it (OMPI_COMM_WORLD_SIZE, PMI_SIZE or
// PMIX_RANK in its environment): then world() initializes MPI, once. Otherwise it is a job of
// one, MPI is never initialized, and every collective returns its input: a single-process run
// needs no launcher and behaves as without this file.
//
// Faults. Every rank must call the same collectives in the same order. A collective that
// waits longer than timeout_seconds() (TG_COLLECTIVE_TIMEOUT, default 300) for the others ends
// this process with a message naming it and the collective, and the launcher then ends the
// job: a rank that stopped or hangs never leaves the others waiting forever. A rank killed
// outright is noticed by the launcher itself (mpirun names it: "process rank 1 ... exited on
// signal 9") which ends the others within a second or so; each of them says so on its way out.
// An error a rank throws ends the whole job through abort_job().
//
// GPUs (CUDA builds): each rank of a machine takes GPU (local rank mod GPUs) unless
// CUDA_VISIBLE_DEVICES is set; when every rank has a GPU of its own, AllReduce on GPUs goes
// through NCCL (runtime/nccl_communicator.h), otherwise it is staged through the host and
// reduced by MPI (also with TG_NCCL=0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../base/dtype.h"

namespace tg {

enum class Reduction : uint8_t { Sum, Min, Max };

class Communicator {
 public:
  // The job's communicator, set up on the first call (MPI_Init_thread when launched by MPI).
  static Communicator& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool distributed() const { return size_ > 1; }
  bool is_chief() const { return rank_ == 0; }
  // This process's place among the ranks of its machine.
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  // "rank 1 of 4" for messages.
  std::string describe() const;

  // In place over count elements of host memory, on every rank.
  void allreduce(void* data, int64_t count, DType dtype, Reduction op);
  void allreduce(const void* in, void* out, int64_t count, DType dtype, Reduction op);
  double allreduce(double v, Reduction op);
  int64_t allreduce(int64_t v, Reduction op);
  // root's bytes to every rank.
  void broadcast(void* data, int64_t bytes, int root = 0);
  std::string broadcast(const std::string& s, int root = 0);
  // Every rank's bytes, in rank order, at root (an empty vector on the other ranks).
  std::vector<std::string> gather(const std::string& mine, int root = 0);
  // Every rank's value, in rank order, on every rank.
  std::vector<uint64_t> allgather(uint64_t v);
  void barrier();

  // Whether AllReduce on GPUs goes through NCCL (every rank has a GPU of its own; CUDA builds).
  bool nccl() const;

  double timeout_seconds() const { return timeout_; }
  void set_timeout_seconds(double s);

  // Ends every process of the job now, with this exit code (MPI_Abort); a process alone exits.
  [[noreturn]] void abort_job(int code);
  // For a failure that is about to end this process: ends the whole job when MPI was set up
  // with more than one rank, and otherwise returns (nothing to tell).
  static void abort_job_if_distributed(int code);
  // "rank 1 of 4: " in a job of several processes set up so far, else "" (for messages).
  static std::string job_label();

  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

 private:
  Communicator();
  struct Impl;
  Impl* impl_ = nullptr;  // lives as long as the process: MPI is finalized at exit
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  double timeout_ = 300;
};

}  // namespace tg
