// Memory allocators. The session allocates every intermediate buffer through one, so a test
// can install a counting allocator and see that steady-state runs allocate nothing. Device
// allocators (the CUDA device's, in runtime/) hand out memory that host code must not touch:
// they say so with host_accessible() and zero their memory themselves.
#pragma once

#include <atomic>
#include <cstddef>

namespace tg {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;  // 64-byte aligned; throws std::bad_alloc
  virtual void deallocate(void* p, size_t bytes) = 0;
  // False for device memory: host code must not read or write it.
  virtual bool host_accessible() const { return true; }
  // Sets `bytes` bytes at p to zero (device allocators override this).
  virtual void zero(void* p, size_t bytes);
};

// Process-wide aligned allocator over operator new.
Allocator* default_allocator();

// Forwards to another allocator and counts calls and live bytes.
class CountingAllocator : public Allocator {
 public:
  explicit CountingAllocator(Allocator* base = default_allocator()) : base_(base) {}
  void* allocate(size_t bytes) override;
  void deallocate(void* p, size_t bytes) override;
  bool host_accessible() const override { return base_->host_accessible(); }
  void zero(void* p, size_t bytes) override { base_->zero(p, bytes); }
  size_t allocations() const { return allocations_.load(); }
  size_t live_bytes() const { return live_bytes_.load(); }

 private:
  Allocator* base_;
  std::atomic<size_t> allocations_{0};
  std::atomic<size_t> live_bytes_{0};
};

}  // namespace tg
