// Devices: where buffers live and kernels run. A small interface -- allocate (through the
// device's allocator), copy, zero, synchronize, stream, memory info -- plus what whole-step
// CUDA graphs need. "Can this device run op X" is the kernel registry's question, not the
// device's.
//
// The CPU device always exists. CUDA devices exist when the build has CUDA and the CUDA
// runtime finds GPUs; a runtime that answers the device query with an error (no driver, "CUDA
// driver version is insufficient for CUDA runtime version") means zero GPUs, not a failure.
// No CUDA header is included here: streams, events and graphs are opaque handles.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/allocator.h"
#include "kernels/registry.h"

namespace tg {

struct DeviceId {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool operator==(const DeviceId&) const = default;
  bool is_gpu() const { return type == DeviceType::CUDA; }
  std::string name() const;  // "/cpu:0", "/gpu:1"
};

struct MemoryInfo {
  size_t free_bytes = 0;    // free on the device (as its driver reports)
  size_t total_bytes = 0;
  size_t cached_bytes = 0;  // held by the caching allocator for reuse
  size_t in_use_bytes = 0;  // handed out and not yet returned
};

class Device {
 public:
  virtual ~Device() = default;
  virtual DeviceId id() const = 0;
  std::string name() const { return id().name(); }
  // What it is, for people: "NVIDIA H200, 139.8 GiB, compute capability 9.0".
  virtual std::string description() const = 0;
  // Buffers in this device's memory.
  virtual Allocator* allocator() = 0;
  // Page-locked host memory for staging feeds and fetches (plain host memory on the CPU).
  virtual Allocator* staging_allocator() = 0;
  // Makes this device current for the calling thread (cudaSetDevice).
  virtual void activate() {}
  // Copies ordered on the device's stream. copy_to_host returns when the data is on the host.
  // (Copies within a device are kernels' business; between devices they go through the host.)
  virtual void copy_from_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t bytes) = 0;
  virtual void synchronize() {}
  // How many times the host has waited for this device's work to finish (synchronize, and so
  // every copy to the host): a training step that fetches nothing should add none.
  uint64_t host_syncs() const { return host_syncs_.load(std::memory_order_relaxed); }
  virtual void* stream() { return nullptr; }  // cudaStream_t on CUDA devices
  virtual MemoryInfo memory_info() = 0;

  // Events: record() marks the stream's current position; wait() blocks the host until the
  // stream has passed it.
  virtual void* create_event() { return nullptr; }
  virtual void record_event(void*) {}
  virtual void wait_event(void*) {}
  virtual void destroy_event(void*) {}

  // Whole-step graphs: the work enqueued between begin_capture and end_capture is recorded,
  // not run, and replayed by launch_graph.
  virtual bool supports_graphs() const { return false; }
  virtual void begin_capture() {}
  virtual void* end_capture() { return nullptr; }
  // Ends a capture that failed part-way, discarding it and the error it left behind.
  virtual void abandon_capture() {}
  virtual void launch_graph(void*) {}
  virtual void destroy_graph(void*) {}

  // Held (through DeviceLocks) by whoever enqueues work on this device's one stream: a plan's
  // build and run, a variable's copy, a plan's release. Work of two threads on one stream
  // must not interleave: while one thread captures a CUDA graph, another's kernels would be
  // recorded into it, and its synchronize would invalidate the capture. Recursive, so that a
  // plan being built may create its variables.
  std::recursive_mutex& work_mutex() { return work_mu_; }

 protected:
  std::atomic<uint64_t> host_syncs_{0};

 private:
  std::recursive_mutex work_mu_;
};

// Holds the work mutexes of the GPUs among `devices`, taken in index order (so that two
// holders of overlapping sets never wait on each other); the CPU needs none.
class DeviceLocks {
 public:
  explicit DeviceLocks(std::vector<Device*> devices);
  ~DeviceLocks();
  DeviceLocks(const DeviceLocks&) = delete;
  DeviceLocks& operator=(const DeviceLocks&) = delete;

 private:
  std::vector<Device*> held_;
};

Device* cpu_device();
// The CUDA devices found at first use (empty without GPUs or without CUDA in the build).
const std::vector<Device*>& cuda_devices();
// Why there are no CUDA devices ("" when there are some). Discovery runs once; a failure
// of any kind means zero GPUs with its reason kept here, never an exception.
std::string cuda_unavailable_reason();
// Runs `discover` (which sets *reason when it finds nothing); an exception of any kind
// becomes zero devices with the reason kept. The inventory's discovery goes through it.
std::vector<Device*> discover_devices_safely(const std::function<std::vector<Device*>(std::string*)>& discover,
                                             std::string* reason);
// The device with this id; nullptr when it does not exist.
Device* find_device(const DeviceId& id);

}  // namespace tg
