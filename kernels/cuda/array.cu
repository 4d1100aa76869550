// CUDA kernels of the array family: views (the plan aliases their buffers, so they copy only
// when it did not), transposes and slices through the indexer, concatenation as 2-D copies,
// fills, one-hot. A transpose that moves the innermost axis goes through 32 x 32 tiles in
// shared memory, so that reads and writes are both coalesced. Gather and its gradient are in
// gather.cu.
#include "kernels/cuda/common.cuh"

namespace tg::cuda {

void register_gather_kernels();

namespace {

void copy_input(const KernelContext& c) {
  if (c.out().raw() == c.in(0).raw()) return;
  TG_CUDA_CHECK(cudaMemcpyAsync(c.out().raw(), c.in(0).raw(), c.out().bytes(), cudaMemcpyDeviceToDevice, stream_of(c)));
}

// out[i] = in[offset(i)] over the output's indices.
template <class T>
__global__ void gather_strided(const T* in, T* out, int64_t n, int64_t base, Indexer<1> ix) {
  TG_GRID_STRIDE(i, n) {
    int64_t off;
    ix.offsets(i, &off);
    out[i] = in[base + off];
  }
}
// whole[base + offset(i)] = part[i] over the part's indices.
template <class T>
__global__ void scatter_strided(const T* part, T* whole, int64_t n, int64_t base, Indexer<1> ix) {
  TG_GRID_STRIDE(i, n) {
    int64_t off;
    ix.offsets(i, &off);
    whole[base + off] = part[i];
  }
}

// The tiled transpose: a = the input's innermost axis (size na, stride 1 in the input, stride
// out_a in the output), b = the output's innermost axis (size nb, stride in_b in the input,
// stride 1 in the output); the other axes are walked by `rest` (offsets in input, output).
// A block of 32 x 8 threads moves one 32 x 32 tile: reads along a, writes along b.
template <class T>
__global__ void transpose_tiles(const T* in, T* out, int64_t na, int64_t nb, int64_t in_b, int64_t out_a,
                                int64_t n_rest, Indexer<2> rest) {
  __shared__ T tile[32][33];
  int64_t ta = (na + 31) / 32, tb = (nb + 31) / 32, n_tiles = ta * tb * n_rest;
  for (int64_t t = blockIdx.x; t < n_tiles; t += gridDim.x) {
    int64_t r = t / (ta * tb), ab = t % (ta * tb);
    int64_t a0 = (ab % ta) * 32, b0 = (ab / ta) * 32;
    int64_t off[2];
    rest.offsets(r, off);
    for (int k = threadIdx.y; k < 32; k += 8) {
      int64_t a = a0 + threadIdx.x, b = b0 + k;
      if (a < na && b < nb) tile[k][threadIdx.x] = in[off[0] + b * in_b + a];
    }
    __syncthreads();
    for (int k = threadIdx.y; k < 32; k += 8) {
      int64_t b = b0 + threadIdx.x, a = a0 + k;
      if (a < na && b < nb) out[off[1] + a * out_a + b] = tile[threadIdx.x][k];
    }
    __syncthreads();  // the tile is reused by the next iteration
  }
}

template <class T>
void transpose(const KernelContext& c) {
  auto perm = c.attrs.get<std::vector<int64_t>>("perm");
  const Shape &is = c.in(0).shape(), &os = c.out().shape();
  auto in_st = contiguous_strides(is), out_st = contiguous_strides(os);
  std::vector<int64_t> st(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) st[i] = in_st[static_cast<size_t>(perm[i])];
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  int rank = os.rank();
  if (rank >= 2 && perm.back() != rank - 1) {
    // q: the output axis that is the input's innermost.
    size_t q = 0;
    while (perm[q] != rank - 1) ++q;
    int64_t na = is.dim(rank - 1), nb = os.dim(rank - 1);
    std::vector<int64_t> rd, ri, ro;
    for (int i = 0; i < rank - 1; ++i) {
      if (static_cast<size_t>(i) == q) continue;
      rd.push_back(os.dim(i));
      ri.push_back(st[static_cast<size_t>(i)]);
      ro.push_back(out_st[static_cast<size_t>(i)]);
    }
    Shape rest(rd);
    int64_t tiles = ((na + 31) / 32) * ((nb + 31) / 32) * rest.num_elements();
    unsigned blocks = static_cast<unsigned>(std::min<int64_t>(tiles, 65535));
    transpose_tiles<<<blocks, dim3(32, 8), 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<T>(), na, nb,
                                                             st[static_cast<size_t>(rank - 1)], out_st[q],
                                                             rest.num_elements(), make_indexer<2>(rest, {ri, ro}));
  } else {
    gather_strided<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<T>(), n, 0,
                                                                 make_indexer<1>(os, {st}));
  }
  TG_CUDA_CHECK_LAUNCH();
}

// The offset of `begin` in `whole`, and whole's strides for walking a window.
int64_t window_base(const Shape& whole, const std::vector<int64_t>& begin, std::vector<int64_t>* strides) {
  *strides = contiguous_strides(whole);
  int64_t base = 0;
  for (size_t i = 0; i < begin.size(); ++i) base += begin[i] * (*strides)[i];
  return base;
}

template <class T>
void slice(const KernelContext& c) {
  std::vector<int64_t> st;
  int64_t base = window_base(c.in(0).shape(), c.attrs.get<std::vector<int64_t>>("begin"), &st);
  int64_t n = c.out().num_elements();
  if (n == 0) return;
  gather_strided<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<T>(), n, base,
                                                               make_indexer<1>(c.out().shape(), {st}));
  TG_CUDA_CHECK_LAUNCH();
}

template <class T>
void slice_grad(const KernelContext& c) {
  TG_CUDA_CHECK(cudaMemsetAsync(c.out().raw(), 0, c.out().bytes(), stream_of(c)));
  std::vector<int64_t> st;
  int64_t base = window_base(c.out().shape(), c.attrs.get<std::vector<int64_t>>("begin"), &st);
  int64_t n = c.in(0).num_elements();
  if (n == 0) return;
  scatter_strided<<<blocks_for(n), kThreads, 0, stream_of(c)>>>(c.in(0).data<T>(), c.out().data<T>(), n, base,
                                                                make_indexer<1>(c.in(0).shape(), {st}));
  TG_CUDA_CHECK_LAUNCH();
}

// `outer` rows of `row` elements between buffers of row pitches src_row and dst_row.
template <class T>
void copy_rows(T* dst, int64_t dst_row, const T* src, int64_t src_row, int64_t row, int64_t outer, cudaStream_t s) {
  if (row == 0 || outer == 0) return;
  size_t z = sizeof(T);
  TG_CUDA_CHECK(cudaMemcpy2DAsync(dst, static_cast<size_t>(dst_row) * z, src, static_cast<size_t>(src_row) * z,
                                  static_cast<size_t>(row) * z, static_cast<size_t>(outer), cudaMemcpyDeviceToDevice, s));
}

template <class T>
void concat(const KernelContext& c) {
  const Shape& os = c.out().shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), os.rank());
  int64_t outer, inner;
  around_axis(os, axis, &outer, &inner);
  int64_t out_row = os.dim(axis) * inner, offset = 0;
  for (const Tensor* in : c.inputs) {
    int64_t row = in->shape().dim(axis) * inner;
    copy_rows(c.out().data<T>() + offset, out_row, in->data<T>(), row, row, outer, stream_of(c));
    offset += row;
  }
}

template <class T>
void concat_grad(const KernelContext& c) {
  const Shape& gs = c.in(0).shape();
  int axis = normalize_axis(c.attrs.get<int64_t>("axis"), gs.rank());
  size_t index = static_cast<size_t>(c.attrs.get<int64_t>("index"));
  int64_t outer, inner;
  around_axis(gs, axis, &outer, &inner);
  int64_t offset = 0;
  for (size_t i = 1; i < index + 1; ++i) offset += c.in(i).shape().dim(axis) * inner;
  int64_t g_row = gs.dim(axis) * inner, row = c.out().shape().dim(axis) * inner;
  copy_rows(c.out().data<T>(), row, c.in(0).data<T>() + offset, g_row, row, outer, stream_of(c));
}

// An id outside [0, depth) gives a row of `off`, as on the CPU.
template <class I, class T>
__global__ void one_hot_kernel(const I* idx, T* out, int64_t n, int64_t depth, T on, T off) {
  TG_GRID_STRIDE(j, n * depth) out[j] = idx[j / depth] == static_cast<I>(j % depth) ? on : off;
}

template <class I>
void one_hot(const KernelContext& c) {
  int64_t depth = c.attrs.get<int64_t>("depth"), n = c.in(0).num_elements();
  if (n * depth == 0) return;
  double on = c.attrs.get<double>("on"), off = c.attrs.get<double>("off");
  visit_dtype(c.out().dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_same_v<T, std::string>) {
      fail("OneHot to strings has no CUDA kernel");
    } else {
      one_hot_kernel<<<blocks_for(n * depth), kThreads, 0, stream_of(c)>>>(
          c.in(0).data<I>(), c.out().data<T>(), n, depth, static_cast<T>(on), static_cast<T>(off));
      TG_CUDA_CHECK_LAUNCH();
    }
  });
}

template <class T> void zeros_like(const KernelContext& c) { fill_value<T>(c, T(0)); }
template <class T> void ones_like(const KernelContext& c) { fill_value<T>(c, T(1)); }

}  // namespace

void register_array_kernels() {
#define TG_REG(op, fn) \
  reg<float, double, int32_t, int64_t, bool>(op, [](auto z) -> KernelFn { return &fn<decltype(z)>; })
  for (const char* op : {"Reshape", "ReshapeLike", "Identity", "StopGradient"})
    reg<float, double, int32_t, int64_t, bool>(op, [](auto) -> KernelFn { return &copy_input; });
  TG_REG("Transpose", transpose);
  TG_REG("Concat", concat);
  TG_REG("ConcatGrad", concat_grad);
  TG_REG("Slice", slice);
  TG_REG("SliceGrad", slice_grad);
  TG_REG("ZerosLike", zeros_like);
  TG_REG("OnesLike", ones_like);
  reg<int32_t, int64_t>("OneHot", [](auto z) -> KernelFn { return &one_hot<decltype(z)>; });
#undef TG_REG
  register_gather_kernels();
}

}  // namespace tg::cuda
