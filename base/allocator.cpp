#include "base/allocator.h"

#include <cstring>
#include <new>

namespace tg {

void Allocator::zero(void* p, size_t bytes) { std::memset(p, 0, bytes); }

namespace {
// 64 bytes: a cache line and the widest vector register, which oneDNN prefers.
constexpr std::align_val_t kAlign{64};

class AlignedAllocator : public Allocator {
 public:
  void* allocate(size_t bytes) override { return ::operator new(bytes ? bytes : 1, kAlign); }
  void deallocate(void* p, size_t) override { ::operator delete(p, kAlign); }
};
}  // namespace

Allocator* default_allocator() {
  static AlignedAllocator a;
  return &a;
}

void* CountingAllocator::allocate(size_t bytes) {
  void* p = base_->allocate(bytes);
  allocations_.fetch_add(1);
  live_bytes_.fetch_add(bytes);
  return p;
}

void CountingAllocator::deallocate(void* p, size_t bytes) {
  live_bytes_.fetch_sub(bytes);
  base_->deallocate(p, bytes);
}

}  // namespace tg
