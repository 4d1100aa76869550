// Host memory allocators. The session allocates every intermediate buffer through one, so a
// test can install a counting allocator and see that steady-state runs allocate nothing.
#pragma once

#include <atomic>
#include <cstddef>

namespace tg {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;  // 64-byte aligned; throws std::bad_alloc
  virtual void deallocate(void* p, size_t bytes) = 0;
};

// Process-wide aligned allocator over operator new.
Allocator* default_allocator();

// Forwards to another allocator and counts calls and live bytes.
class CountingAllocator : public Allocator {
 public:
  explicit CountingAllocator(Allocator* base = default_allocator()) : base_(base) {}
  void* allocate(size_t bytes) override;
  void deallocate(void* p, size_t bytes) override;
  size_t allocations() const { return allocations_.load(); }
  size_t live_bytes() const { return live_bytes_.load(); }

 private:
  Allocator* base_;
  std::atomic<size_t> allocations_{0};
  std::atomic<size_t> live_bytes_{0};
};

}  // namespace tg
