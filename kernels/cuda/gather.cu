// CUDA kernels of Gather and GatherGrad (the array family's row lookups: embeddings). Ids are
// checked on the device (kernels/cuda/scratch.h): a bad id is clamped to row 0 and recorded,
// and the error is raised at the device's next synchronization, naming the op.
//
// GatherGrad must add the gradient rows of repeated ids. Atomic additions would make the sums'
// order, and so their float rounding, vary between runs; instead the (id, position) pairs are
// sorted by id with CUB's stable radix sort (no host synchronization, temporary storage sized
// before the call, so it can be captured in a CUDA graph), and the first position of each run
// of equal ids sums the run's rows in position order: the CPU kernel's order exactly.
#include <cub/device/device_radix_sort.cuh>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/scratch.h"

namespace tg::cuda {

namespace {

// out[i, j] = params[ids[i], j] over n ids of `row` elements each.
template <class T, class I>
__global__ void gather_kernel(const T* params, const I* ids, T* out, int64_t n, int64_t row, int64_t limit,
                              FastDivmod by_row, bool fast, DeviceErrorRecord* rec) {
  TG_GRID_STRIDE(e, n * row) {
    uint64_t i, j;
    if (fast) {
      by_row.divmod(static_cast<uint64_t>(e), &i, &j);
    } else {
      i = static_cast<uint64_t>(e / row);
      j = static_cast<uint64_t>(e % row);
    }
    int64_t k = checked_id(ids, static_cast<int64_t>(i), limit, rec, DeviceErrorCode::GatherIndex);
    out[e] = params[k * row + static_cast<int64_t>(j)];
  }
}

// The sort's keys (checked ids) and values (positions).
template <class I>
__global__ void sort_inputs_kernel(const I* ids, int64_t n, int64_t limit, int64_t* keys, int32_t* pos,
                                   DeviceErrorRecord* rec) {
  TG_GRID_STRIDE(i, n) {
    keys[i] = checked_id(ids, i, limit, rec, DeviceErrorCode::GatherGradIndex);
    pos[i] = static_cast<int32_t>(i);
  }
}

// For each sorted index s that starts a run of equal ids, and each column j: the run's rows
// of g summed in position order into out[id, j] (out is zero elsewhere).
template <class T>
__global__ void segment_sum_kernel(const T* g, const int64_t* keys, const int32_t* pos, T* out, int64_t n,
                                   int64_t row) {
  TG_GRID_STRIDE(e, n * row) {
    int64_t s = e / row, j = e % row;
    int64_t k = keys[s];
    if (s > 0 && keys[s - 1] == k) continue;
    T acc = g[static_cast<int64_t>(pos[s]) * row + j];
    for (int64_t t = s + 1; t < n && keys[t] == k; ++t) acc += g[static_cast<int64_t>(pos[t]) * row + j];
    out[k * row + j] = acc;
  }
}

// Rows of params (its dim 0) and elements per row (from the shape: params may have no rows).
void rows_of(const Shape& s, int64_t* rows, int64_t* row) {
  *rows = s.dim(0);
  *row = 1;
  for (int i = 1; i < s.rank(); ++i) *row *= s.dim(i);
}

template <class T>
void gather(const KernelContext& c) {
  const Tensor& ids = c.in(1);
  int64_t rows, row, n = ids.num_elements();
  rows_of(c.in(0).shape(), &rows, &row);
  if (n == 0 || row == 0) return;
  TG_CHECK(rows > 0, "Gather: params have no rows, so every index is out of range [0, 0)");
  bool fast = n * row < (int64_t{1} << 31);
  FastDivmod by_row = fast ? FastDivmod(row) : FastDivmod();
  DeviceErrorRecord* rec = device_error_record(stream_of(c));
  auto launch = [&](auto* id) {
    gather_kernel<<<blocks_for(n * row), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), id, c.out().data<T>(), n,
                                                                      row, rows, by_row, fast, rec);
  };
  if (ids.dtype() == DType::Int32) launch(ids.data<int32_t>());
  else launch(ids.data<int64_t>());
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
void gather_grad(const KernelContext& c) {
  const Tensor &g = c.in(0), &ids = c.in(1);
  cudaStream_t s = stream_of(c);
  int64_t rows, row, n = ids.num_elements();
  rows_of(c.out().shape(), &rows, &row);
  TG_CUDA_CHECK(cudaMemsetAsync(c.out().raw(), 0, c.out().bytes(), s));
  if (n == 0 || row == 0) return;
  TG_CHECK(rows > 0, "GatherGrad: params have no rows, so every index is out of range [0, 0)");
  TG_CHECK(n < (int64_t{1} << 31), "GatherGrad: ", n, " ids are beyond the CUDA kernel's limit of 2^31");
  int end_bit = 1;
  while (end_bit < 63 && (int64_t{1} << end_bit) < rows) ++end_bit;
  size_t sort_bytes = 0;
  TG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, sort_bytes, static_cast<const int64_t*>(nullptr),
                                                static_cast<int64_t*>(nullptr), static_cast<const int32_t*>(nullptr),
                                                static_cast<int32_t*>(nullptr), n, 0, end_bit, s));
  size_t un = static_cast<size_t>(n);
  ScratchLease lease(2 * ScratchLease::round(un * 8) + 2 * ScratchLease::round(un * 4) + ScratchLease::round(sort_bytes), s);
  int64_t* keys = lease.take<int64_t>(un);
  int64_t* keys_sorted = lease.take<int64_t>(un);
  int32_t* pos = lease.take<int32_t>(un);
  int32_t* pos_sorted = lease.take<int32_t>(un);
  void* tmp = lease.take<char>(sort_bytes);
  DeviceErrorRecord* rec = device_error_record(stream_of(c));
  if (ids.dtype() == DType::Int32)
    sort_inputs_kernel<<<blocks_for(n), kThreads, 0, s>>>(ids.data<int32_t>(), n, rows, keys, pos, rec);
  else
    sort_inputs_kernel<<<blocks_for(n), kThreads, 0, s>>>(ids.data<int64_t>(), n, rows, keys, pos, rec);
  TG_CUDA_CHECK_LAUNCH();
  // The radix sort is stable: equal ids keep their positions' order.
  TG_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(tmp, sort_bytes, keys, keys_sorted, pos, pos_sorted, n, 0, end_bit, s));
  segment_sum_kernel<<<blocks_for(n * row), kThreads, 0, s>>>(g.data<T>(), keys_sorted, pos_sorted, c.out().data<T>(),
                                                              n, row);
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace

// Called by register_array_kernels.
void register_gather_kernels() {
  reg<float, double, int32_t, int64_t, bool>("Gather", [](auto z) -> KernelFn { return &gather<decltype(z)>; });
  reg<float, double>("GatherGrad", [](auto z) -> KernelFn { return &gather_grad<decltype(z)>; });
}

}  // namespace tg::cuda
