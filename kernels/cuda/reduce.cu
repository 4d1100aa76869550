// CUDA kernels of the reduction family. A reduction to one value is CUB's device-wide
// reduction (every SM); rows (reduced axes trailing) are CUB's segmented reduction, or one
// device-wide reduction per row when the rows are few and long; columns (kept axes trailing:
// column sums, bias gradients) run in tiles of 32 columns reading rows coalesced, split into
// chunks of rows when the tiles alone cannot fill the GPU; any other split runs one block per
// output. Every path folds in a fixed order (no atomics), so results do not vary between runs.
// Argmax is a warp reduction under the CPU kernel's rule (indexer.h).
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_reduce.cuh>
#include <cub/device/device_segmented_reduce.cuh>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include <limits>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/scratch.h"

namespace tg::cuda {

namespace {

struct SumOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return a + b; }
};
struct MaxOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return b > a ? b : a; }
};
struct MinOp {
  template <class T>
  __device__ T operator()(T a, T b) const { return b < a ? b : a; }
};

__device__ inline int64_t offset1(const Indexer<1>& ix, int64_t i) {
  int64_t off;
  ix.offsets(i, &off);
  return off;
}

// Kept axes trailing (column sums, bias gradients): a block of 32 x 32 threads folds a tile of
// 32 columns over one chunk of rows (blockIdx.y; all rows when gridDim.y is 1), each of its 32
// row lanes taking every 32nd row with reads coalesced along the columns; the lanes' partials
// are then folded in a fixed order. With several chunks, each writes its partial row to
// out[chunk * n_kept + col] and fold_chunks folds them in chunk order.
template <class T, class F>
__global__ void reduce_column_tiles(const T* x, T* out, int64_t n_kept, int64_t n_reduced, int64_t chunk_rows,
                                    T init, T divisor, F f) {
  __shared__ T part[32][33];
  int64_t r0 = blockIdx.y * chunk_rows, r1 = min(n_reduced, r0 + chunk_rows);
  T* dst = out + static_cast<int64_t>(blockIdx.y) * n_kept;
  for (int64_t tile = blockIdx.x; tile * 32 < n_kept; tile += gridDim.x) {
    int64_t col = tile * 32 + threadIdx.x;
    T acc = init;
    if (col < n_kept)
      for (int64_t r = r0 + threadIdx.y; r < r1; r += 32) acc = f(acc, x[r * n_kept + col]);
    part[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < n_kept) {
      T total = part[0][threadIdx.x];
      for (int l = 1; l < 32; ++l) total = f(total, part[l][threadIdx.x]);
      dst[col] = total / divisor;
    }
    __syncthreads();  // part is reused by the next tile
  }
}

template <class T, class F>
__global__ void fold_chunks(const T* part, T* out, int64_t n_kept, int chunks, T divisor, F f) {
  TG_GRID_STRIDE(col, n_kept) {
    T total = part[col];
    for (int k = 1; k < chunks; ++k) total = f(total, part[k * n_kept + col]);
    out[col] = total / divisor;
  }
}

template <class T>
__global__ void divide_kernel(T* out, int64_t n, T divisor) {
  TG_GRID_STRIDE(i, n) out[i] = out[i] / divisor;
}

// Offsets of row i for CUB's segmented reduction.
struct RowStart {
  int64_t len;
  __host__ __device__ int64_t operator()(int64_t i) const { return i * len; }
};

template <class T, class F>
__global__ void reduce_blocks(const T* x, T* out, Split sp, T init, T divisor, F f) {
  using BlockReduce = cub::BlockReduce<T, kThreads>;
  __shared__ typename BlockReduce::TempStorage tmp;
  for (int64_t o = blockIdx.x; o < sp.n_kept; o += gridDim.x) {
    int64_t base = offset1(sp.kept, o);
    T acc = init;
    for (int64_t r = threadIdx.x; r < sp.n_reduced; r += blockDim.x) acc = f(acc, x[base + offset1(sp.reduced, r)]);
    T total = BlockReduce(tmp).Reduce(acc, f);
    if (threadIdx.x == 0) out[o] = total / divisor;
    __syncthreads();  // tmp is reused by the next output
  }
}

// Kept axes trailing: tiles of 32 columns; when there are fewer than kFillBlocks tiles, the rows
// are split into chunks (of at least 256 rows) so that tiles x chunks approaches kFillBlocks.
template <class T, class F>
void reduce_columns(const KernelContext& c, const T* x, T* out, int64_t n_kept, int64_t n_reduced, T init, T divisor, F f) {
  constexpr int64_t kFillBlocks = 512;
  cudaStream_t s = stream_of(c);
  int64_t tiles = (n_kept + 31) / 32;
  int64_t chunks = std::min<int64_t>({std::max<int64_t>(1, kFillBlocks / tiles), (n_reduced + 255) / 256, 1024});
  chunks = std::max<int64_t>(chunks, 1);
  int64_t chunk_rows = (n_reduced + chunks - 1) / chunks;
  chunks = chunk_rows ? (n_reduced + chunk_rows - 1) / chunk_rows : 1;
  unsigned gx = static_cast<unsigned>(std::min<int64_t>(tiles, 65535));
  if (chunks <= 1) {
    reduce_column_tiles<<<dim3(gx, 1), dim3(32, 32), 0, s>>>(x, out, n_kept, n_reduced, std::max<int64_t>(n_reduced, 1),
                                                             init, divisor, f);
    TG_CUDA_CHECK_LAUNCH();
    return;
  }
  ScratchLease lease(static_cast<size_t>(chunks * n_kept) * sizeof(T), s);
  T* part = lease.take<T>(static_cast<size_t>(chunks * n_kept));
  reduce_column_tiles<<<dim3(gx, static_cast<unsigned>(chunks)), dim3(32, 32), 0, s>>>(x, part, n_kept, n_reduced,
                                                                                      chunk_rows, init, T{1}, f);
  TG_CUDA_CHECK_LAUNCH();
  fold_chunks<<<blocks_for(n_kept), kThreads, 0, s>>>(part, out, n_kept, static_cast<int>(chunks), divisor, f);
  TG_CUDA_CHECK_LAUNCH();
}

// Reduced axes trailing: row r is x[r * len, (r + 1) * len). One row, or a few long ones, get
// a device-wide reduction each (all SMs); many rows, CUB's segmented reduction (a block per row).
template <class T, class F>
void reduce_rows(const KernelContext& c, const T* x, T* out, int64_t rows, int64_t len, T init, T divisor, F f) {
  cudaStream_t s = stream_of(c);
  if (rows == 1 || (rows <= 16 && len >= (int64_t{1} << 16))) {
    size_t bytes = 0;
    TG_CUDA_CHECK(cub::DeviceReduce::Reduce(nullptr, bytes, x, out, len, f, init, s));
    ScratchLease lease(bytes, s);
    for (int64_t r = 0; r < rows; ++r)
      TG_CUDA_CHECK(cub::DeviceReduce::Reduce(lease.data(), bytes, x + r * len, out + r, len, f, init, s));
  } else {
    TG_CHECK(rows < (int64_t{1} << 31), "a reduction over ", rows, " rows is beyond the CUDA kernel's limit");
    auto starts = thrust::make_transform_iterator(thrust::make_counting_iterator<int64_t>(0), RowStart{len});
    size_t bytes = 0;
    TG_CUDA_CHECK(cub::DeviceSegmentedReduce::Reduce(nullptr, bytes, x, out, static_cast<int>(rows), starts,
                                                     starts + 1, f, init, s));
    ScratchLease lease(bytes, s);
    TG_CUDA_CHECK(cub::DeviceSegmentedReduce::Reduce(lease.data(), bytes, x, out, static_cast<int>(rows), starts,
                                                     starts + 1, f, init, s));
  }
  if (divisor != T{1}) {
    divide_kernel<<<blocks_for(rows), kThreads, 0, s>>>(out, rows, divisor);
    TG_CUDA_CHECK_LAUNCH();
  }
}

// out = fold of x over the reduced axes, divided by divisor (1, or the count for a mean).
template <class T, class F>
void reduce_into(const KernelContext& c, const Tensor& x, T* out, const std::vector<bool>& red, T init, T divisor, F f) {
  Split sp = split_axes(x.shape(), red);
  if (sp.n_kept == 0) return;
  cudaStream_t s = stream_of(c);
  if (sp.n_reduced == 0) {
    T v = divisor != T{0} ? static_cast<T>(init / divisor)
                          : (std::numeric_limits<T>::has_quiet_NaN ? std::numeric_limits<T>::quiet_NaN() : T{0});
    fill_kernel<<<blocks_for(sp.n_kept), kThreads, 0, s>>>(out, sp.n_kept, v);
  } else if (sp.kept_trailing && sp.n_kept > 1) {
    reduce_columns(c, x.data<T>(), out, sp.n_kept, sp.n_reduced, init, divisor, f);
    return;
  } else if (sp.reduced_trailing) {
    // Also the reduction to one value (one row).
    reduce_rows(c, x.data<T>(), out, sp.n_kept, sp.n_reduced, init, divisor, f);
    return;
  } else {
    unsigned blocks = static_cast<unsigned>(std::min<int64_t>(sp.n_kept, 65535));
    reduce_blocks<<<blocks, kThreads, 0, s>>>(x.data<T>(), out, sp, init, divisor, f);
  }
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
void reduce_sum(const KernelContext& c) {
  reduce_into<T>(c, c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()), T{0}, T{1}, SumOp{});
}
template <class T>
void reduce_mean(const KernelContext& c) {
  int64_t count = c.out().num_elements() ? c.in(0).num_elements() / c.out().num_elements() : 1;
  reduce_into<T>(c, c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()), T{0},
                 static_cast<T>(count), SumOp{});
}
template <class T>
void reduce_max(const KernelContext& c) {
  TG_CHECK(c.in(0).num_elements() > 0, "reduce_max of an empty tensor");
  reduce_into<T>(c, c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()),
                 std::numeric_limits<T>::lowest(), T{1}, MaxOp{});
}
template <class T>
void reduce_min(const KernelContext& c) {
  TG_CHECK(c.in(0).num_elements() > 0, "reduce_min of an empty tensor");
  reduce_into<T>(c, c.in(0), c.out().data<T>(), reduced_mask(c.attrs, c.in(0).shape().rank()),
                 std::numeric_limits<T>::max(), T{1}, MinOp{});
}

template <class T>
void sum_to_shape_of(const KernelContext& c) {
  const Shape &gs = c.in(0).shape(), &xs = c.in(1).shape();
  if (gs == xs) {
    TG_CUDA_CHECK(cudaMemcpyAsync(c.out().raw(), c.in(0).raw(), c.out().bytes(), cudaMemcpyDeviceToDevice, stream_of(c)));
    return;
  }
  int shift = gs.rank() - xs.rank();
  std::vector<bool> red(static_cast<size_t>(gs.rank()));
  for (int i = 0; i < gs.rank(); ++i)
    red[static_cast<size_t>(i)] = i < shift || (xs.dim(i - shift) == 1 && gs.dim(i) != 1);
  reduce_into<T>(c, c.in(0), c.out().data<T>(), red, T{0}, T{1}, SumOp{});
}

template <class T>
__global__ void expand_kernel(const T* g, T* out, int64_t n, Indexer<1> ix, T scale) {
  TG_GRID_STRIDE(i, n) out[i] = g[offset1(ix, i)] * scale;
}

// g (a reduction of x over `axes`) broadcast back to x's shape.
template <class T>
void expand_reduced(const KernelContext& c) {
  const Shape& xs = c.in(1).shape();
  auto red = reduced_mask(c.attrs, xs.rank());
  int64_t n_out = c.out().num_elements(), n_g = c.in(0).num_elements();
  if (n_out == 0) return;
  T scale = c.attrs.get<bool>("scale_by_count") && n_g ? static_cast<T>(n_g) / static_cast<T>(n_out) : T{1};
  // Strides of g (laid out with x's kept axes) along each axis of x; 0 along reduced ones.
  std::vector<int64_t> kept(static_cast<size_t>(xs.rank()));
  for (int i = 0; i < xs.rank(); ++i) kept[static_cast<size_t>(i)] = red[static_cast<size_t>(i)] ? 1 : xs.dim(i);
  auto st = contiguous_strides(Shape(kept));
  for (int i = 0; i < xs.rank(); ++i)
    if (red[static_cast<size_t>(i)]) st[static_cast<size_t>(i)] = 0;
  expand_kernel<<<blocks_for(n_out), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<T>(), n_out,
                                                                  make_indexer<1>(xs, {st}), scale);
  TG_CUDA_CHECK_LAUNCH();
}

// One warp per output: lanes take every 32nd element along the axis, then a butterfly of
// shuffles combines the lanes' candidates under argmax_prefers (the CPU kernel's rule, in
// indexer.h); the rule is associative and commutative, so the combination order is free.
template <class T>
__global__ void argmax_kernel(const T* x, int64_t* out, int64_t outer, int64_t mid, int64_t inner) {
  constexpr int kWarps = kThreads / 32;
  int warp = static_cast<int>(threadIdx.x) / 32, lane = static_cast<int>(threadIdx.x) % 32;
  for (int64_t j = static_cast<int64_t>(blockIdx.x) * kWarps + warp; j < outer * inner;
       j += static_cast<int64_t>(gridDim.x) * kWarps) {
    const T* base = x + (j / inner) * mid * inner + j % inner;
    int64_t bi = -1;  // a lane without elements holds the empty candidate
    T bv = T{};
    for (int64_t m = lane; m < mid; m += 32) {
      T v = base[m * inner];
      if (argmax_prefers(m, v, bi, bv)) bi = m, bv = v;
    }
    for (int step = 16; step > 0; step /= 2) {
      int64_t oi = __shfl_xor_sync(0xffffffffu, bi, step);
      T ov = __shfl_xor_sync(0xffffffffu, bv, step);
      if (argmax_prefers(oi, ov, bi, bv)) bi = oi, bv = ov;
    }
    if (lane == 0) out[j] = bi;
  }
}

template <class T>
void argmax(const KernelContext& c) {
  const Shape& s = c.in(0).shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), s.rank());
  int64_t outer = 1, mid = s.dim(axis), inner = 1;
  for (int i = 0; i < axis; ++i) outer *= s.dim(i);
  for (int i = axis + 1; i < s.rank(); ++i) inner *= s.dim(i);
  TG_CHECK(mid > 0, "argmax over an empty axis");
  if (outer * inner == 0) return;
  unsigned blocks = static_cast<unsigned>(std::min<int64_t>((outer * inner + kThreads / 32 - 1) / (kThreads / 32), 65535));
  argmax_kernel<<<blocks, kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<int64_t>(), outer, mid, inner);
  TG_CUDA_CHECK_LAUNCH();
}

}  // namespace

void register_reduce_kernels() {
#define TG_REG(op, fn, ...) reg<__VA_ARGS__>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  TG_REG("ReduceSum", reduce_sum, float, double, int32_t, int64_t);
  TG_REG("ReduceMean", reduce_mean, float, double, int32_t, int64_t);
  TG_REG("ReduceMax", reduce_max, float, double, int32_t, int64_t);
  TG_REG("ReduceMin", reduce_min, float, double, int32_t, int64_t);
  TG_REG("SumToShapeOf", sum_to_shape_of, float, double, int32_t, int64_t);
  TG_REG("ExpandReduced", expand_reduced, float, double, int32_t, int64_t);
  TG_REG("ArgMax", argmax, float, double, int32_t, int64_t);
#undef TG_REG
}

}  // namespace tg::cuda
