/* krt_cuda_kernels.cuh: the device part of the GPU runtime, included by every <prefix>.cu that
 * kiln's CUDA backend writes and compiled with it by NVRTC at `kiln compile` time (it is
 * written next to the .cu for people to read). Correct first, simple next: tiled kernels
 * without tensor cores; the same f32 semantics as the C runtime (runtime/kiln_rt.h): double
 * statistics in the norms, an online softmax in attention, RoPE angles in double.
 *
 * Each heavy kernel is a __device__ function that a generated __global__ node kernel calls
 * with its constant sizes; the launch shape each expects is stated with it, and the generated
 * host code launches it so. Kernels that fuse an epilogue take a functor epi(e, v) that maps
 * the value v of flat output element e to what is stored. Sizes are long long elements;
 * tensors are dense and row-major. No globals. */
#ifndef KILN_KRT_CUDA_KERNELS_CUH
#define KILN_KRT_CUDA_KERNELS_CUH

/* The <math.h> constants the scalar-function templates (ir/scalar.h) use, which NVRTC does not
 * predefine. */
#ifndef NAN
#define NAN __int_as_float(0x7fc00000)
#endif
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif

#define KRT_CU_TILE 16 /* linear/matmul tile: blocks of 16 x 16 threads, one output each */
#define KRT_CU_ROW_THREADS 256 /* row kernels (norms, softmax): one block of these per row */
#define KRT_CU_ATTN_THREADS 128 /* attention: one block per (batch, query row, head) */
#define KRT_CU_ATTN_CHUNK 32    /* keys scored per step of the online softmax */
#define KRT_CU_ATTN_DV 4        /* value channels per thread: dv <= 128 x 4 */

/* The identity epilogue. */
struct KrtCuNoEpi {
    __device__ float operator()(long long, float v) const { return v; }
};

/* The flat index of this thread in a 1-D grid, and the grid's thread count. */
__device__ inline long long krt_cu_thread(void) {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}
__device__ inline long long krt_cu_threads(void) {
    return (long long)gridDim.x * blockDim.x;
}

/* ---- conversions (the C runtime's rules: round to nearest even; Cast's integer rules) ---- */
__device__ inline float krt_cu_f16_to_f32(unsigned short h) {
    float f;
    asm("{ .reg .f16 t; mov.b16 t, %1; cvt.f32.f16 %0, t; }" : "=f"(f) : "h"(h));
    return f;
}
__device__ inline unsigned short krt_cu_f32_to_f16(float f) {
    unsigned short h;
    asm("{ .reg .f16 t; cvt.rn.f16.f32 t, %1; mov.b16 %0, t; }" : "=h"(h) : "f"(f));
    return h;
}
__device__ inline float krt_cu_bf16_to_f32(unsigned short h) {
    return __uint_as_float((unsigned)h << 16);
}
__device__ inline unsigned short krt_cu_f32_to_bf16(float f) {
    unsigned u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x40u);
    u += 0x7fffu + ((u >> 16) & 1u);
    return (unsigned short)(u >> 16);
}
/* double -> integer type T: truncate toward zero, wrap into T's width; NaN gives 0, values
 * beyond the int64 range saturate to T's extremes (lo, hi). */
template <class T, class UT>
__device__ inline T krt_cu_cvt_int(double v, T lo, T hi) {
    if (!(v == v)) return 0;
    if (v >= 9223372036854775808.0) return hi;
    if (v < -9223372036854775808.0) return lo;
    return (T)(UT)(unsigned long long)(long long)v;
}

/* Cast's conversions to each integer dtype (the C runtime's krt_cvt_<dtype>). */
__device__ inline signed char krt_cu_cvt_i8(double v) {
    return krt_cu_cvt_int<signed char, unsigned char>(v, -128, 127);
}
__device__ inline unsigned char krt_cu_cvt_u8(double v) {
    return krt_cu_cvt_int<unsigned char, unsigned char>(v, 0, 255);
}
__device__ inline int krt_cu_cvt_i32(double v) {
    return krt_cu_cvt_int<int, unsigned>(v, -2147483647 - 1, 2147483647);
}
__device__ inline long long krt_cu_cvt_i64(double v) {
    return krt_cu_cvt_int<long long, unsigned long long>(v, -9223372036854775807LL - 1,
                                                          9223372036854775807LL);
}

/* ---- block reductions ---------------------------------------------------------------- */
/* The sum of every thread's v over a block of KRT_CU_ROW_THREADS threads (all threads get
 * it). Uses shared memory `scratch` of KRT_CU_ROW_THREADS doubles. */
__device__ inline double krt_cu_block_sum(double v, double *scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = KRT_CU_ROW_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s) scratch[threadIdx.x] += scratch[threadIdx.x + s];
        __syncthreads();
    }
    double r = scratch[0];
    __syncthreads();
    return r;
}
__device__ inline float krt_cu_block_max(float v, float *scratch) {
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int s = KRT_CU_ROW_THREADS / 2; s > 0; s >>= 1) {
        if ((int)threadIdx.x < s && scratch[threadIdx.x + s] > scratch[threadIdx.x])
            scratch[threadIdx.x] = scratch[threadIdx.x + s];
        __syncthreads();
    }
    float r = scratch[0];
    __syncthreads();
    return r;
}

/* ---- linear / matmul ------------------------------------------------------------------
 * y[M, N] = x[M, K] . W (+ bias[N]), W = w[N, K]^T when tw, else w[K, N]. Grid
 * (ceil(N/16), ceil(M/16)), blocks of 16 x 16 threads; each thread one output, K in tiles
 * through shared memory. y must not overlap x or w. */
template <class Epi>
__device__ inline void krt_cu_linear_f32(const float *x, const float *w, const float *bias,
                                         float *y, long long m, long long k, long long n, int tw,
                                         Epi epi) {
    __shared__ float xs[KRT_CU_TILE][KRT_CU_TILE + 1], ws[KRT_CU_TILE][KRT_CU_TILE + 1];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const long long row = (long long)blockIdx.y * KRT_CU_TILE + ty;
    const long long col = (long long)blockIdx.x * KRT_CU_TILE + tx;
    /* the thread that loads w's tile element (kk = tx, c = ty) when tw keeps the reads of w's
     * rows contiguous */
    const long long wcol = (long long)blockIdx.x * KRT_CU_TILE + ty;
    float acc = 0.0f;
    for (long long k0 = 0; k0 < k; k0 += KRT_CU_TILE) {
        xs[ty][tx] = row < m && k0 + tx < k ? x[row * k + k0 + tx] : 0.0f;
        if (tw)
            ws[tx][ty] = wcol < n && k0 + tx < k ? w[wcol * k + k0 + tx] : 0.0f;
        else
            ws[ty][tx] = col < n && k0 + ty < k ? w[(k0 + ty) * n + col] : 0.0f;
        __syncthreads();
        for (int kk = 0; kk < KRT_CU_TILE; kk++) acc += xs[ty][kk] * ws[kk][tx];
        __syncthreads();
    }
    if (row < m && col < n) {
        if (bias) acc += bias[col];
        y[row * n + col] = epi(row * n + col, acc);
    }
}

/* ---- row kernels: one block of KRT_CU_ROW_THREADS threads per row, rows by grid stride ----
 * All may run in place: each thread writes only the elements it read. */

/* Softmax of x[outer, len, inner] along len: row r = (o, i) at o * len * inner + i, step inner. */
__device__ inline void krt_cu_softmax_f32(const float *x, float *y, long long outer,
                                          long long len, long long inner) {
    __shared__ double dsum[KRT_CU_ROW_THREADS];
    __shared__ float fmax[KRT_CU_ROW_THREADS];
    for (long long r = blockIdx.x; r < outer * inner; r += gridDim.x) {
        const long long base = (r / inner) * len * inner + r % inner;
        float mx = -__int_as_float(0x7f800000);
        for (long long j = threadIdx.x; j < len; j += blockDim.x)
            if (x[base + j * inner] > mx) mx = x[base + j * inner];
        mx = krt_cu_block_max(mx, fmax);
        double sum = 0.0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x)
            sum += expf(x[base + j * inner] - mx);
        sum = krt_cu_block_sum(sum, dsum);
        const float inv = (float)(1.0 / sum);
        for (long long j = threadIdx.x; j < len; j += blockDim.x)
            y[base + j * inner] = expf(x[base + j * inner] - mx) * inv;
    }
}

/* RMSNorm of x[rows, len] (scale[len] or NULL), then the epilogue. */
template <class Epi>
__device__ inline void krt_cu_rmsnorm_f32(const float *x, const float *scale, float *y,
                                          long long rows, long long len, double eps, Epi epi) {
    __shared__ double dsum[KRT_CU_ROW_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *xr = x + r * len;
        double sq = 0.0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x) sq += (double)xr[j] * xr[j];
        sq = krt_cu_block_sum(sq, dsum);
        const double inv = 1.0 / sqrt(sq / (double)len + eps);
        for (long long j = threadIdx.x; j < len; j += blockDim.x) {
            double v = (double)xr[j] * inv;
            if (scale) v *= scale[j];
            y[r * len + j] = epi(r * len + j, (float)v);
        }
    }
}

/* LayerNorm of x[rows, len] (scale, bias [len] or NULL), then the epilogue. */
template <class Epi>
__device__ inline void krt_cu_layernorm_f32(const float *x, const float *scale,
                                            const float *bias, float *y, long long rows,
                                            long long len, double eps, Epi epi) {
    __shared__ double dsum[KRT_CU_ROW_THREADS];
    for (long long r = blockIdx.x; r < rows; r += gridDim.x) {
        const float *xr = x + r * len;
        double s = 0.0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x) s += xr[j];
        const double mean = krt_cu_block_sum(s, dsum) / (double)len;
        double var = 0.0;
        for (long long j = threadIdx.x; j < len; j += blockDim.x)
            var += ((double)xr[j] - mean) * ((double)xr[j] - mean);
        var = krt_cu_block_sum(var, dsum);
        const double inv = 1.0 / sqrt(var / (double)len + eps);
        for (long long j = threadIdx.x; j < len; j += blockDim.x) {
            double v = ((double)xr[j] - mean) * inv;
            if (scale) v *= scale[j];
            if (bias) v += bias[j];
            y[r * len + j] = epi(r * len + j, (float)v);
        }
    }
}

/* ---- rotary: one thread per rotated pair (b, t, h, i) by grid stride, then the copies of the
 * unrotated channels when y is not x. Positions from pos64[t] or pos32[t], else offset + t. */
__device__ inline void krt_cu_rotary_f32(const float *x, float *y, long long batch, long long s,
                                         long long h, long long d, long long rdim,
                                         int interleaved, double theta, const long long *pos64,
                                         const int *pos32, long long offset) {
    const long long half = rdim / 2, pairs = batch * s * h * half;
    for (long long p = krt_cu_thread(); p < pairs; p += krt_cu_threads()) {
        const long long i = p % half, hh = (p / half) % h, t = (p / (half * h)) % s;
        const long long b = p / (half * h * s);
        const double at = pos64 ? (double)pos64[t] : pos32 ? (double)pos32[t] : (double)(offset + t);
        const double angle = at * pow(theta, -2.0 * (double)i / (double)rdim);
        const float c = (float)cos(angle), sn = (float)sin(angle);
        const long long i0 = interleaved ? 2 * i : i, i1 = interleaved ? 2 * i + 1 : i + half;
        const long long row = ((b * s + t) * h + hh) * d;
        const float a = x[row + i0], bb = x[row + i1];
        y[row + i0] = a * c - bb * sn;
        y[row + i1] = a * sn + bb * c;
    }
    if (x != y) {
        const long long rest = d - 2 * half, n = batch * s * h * rest;
        for (long long p = krt_cu_thread(); p < n; p += krt_cu_threads()) {
            const long long e = (p / rest) * d + 2 * half + p % rest;
            y[e] = x[e];
        }
    }
}

/* ---- attention: one block of KRT_CU_ATTN_THREADS threads per (batch b, query i, head hh),
 * blocks by grid stride over batch x sq_rows x hq. q[batch, sq, hq, d], k[batch, skv, hkv, d],
 * v[batch, skv, hkv, dv], y[batch, sq, hq, dv]. Query i sees keys j <= i + (skv - sq) when
 * causal. Rows i >= sq (up to sq_rows) are zeroed (a padded KV-cache prefill). Keys are scored
 * KRT_CU_ATTN_CHUNK at a time into shared memory; every thread then runs the same online
 * softmax over them for its value channels c = tid + 128 j. dv <= 512. */
__device__ inline void krt_cu_attention_f32(const float *q, const float *k, const float *v,
                                            float *y, long long batch, long long sq,
                                            long long sq_rows, long long skv, long long hq,
                                            long long hkv, long long d, long long dv,
                                            float scale, int causal) {
    __shared__ float scores[KRT_CU_ATTN_CHUNK];
    const long long group = hq / hkv, units = batch * sq_rows * hq;
    for (long long u = blockIdx.x; u < units; u += gridDim.x) {
        const long long hh = u % hq, i = (u / hq) % sq_rows, b = u / (hq * sq_rows);
        float *yr = y + ((b * sq_rows + i) * hq + hh) * dv;
        if (i >= sq) {
            for (long long c = threadIdx.x; c < dv; c += blockDim.x) yr[c] = 0.0f;
            continue;
        }
        long long last = causal ? i + (skv - sq) : skv - 1;
        if (last > skv - 1) last = skv - 1;
        const long long kvh = hh / group;
        const float *qr = q + ((b * sq + i) * hq + hh) * d;
        const float *kb = k + b * skv * hkv * d, *vb = v + b * skv * hkv * dv;
        float acc[KRT_CU_ATTN_DV] = {0.0f, 0.0f, 0.0f, 0.0f};
        float mx = -__int_as_float(0x7f800000);
        double denom = 0.0;
        for (long long j0 = 0; j0 <= last; j0 += KRT_CU_ATTN_CHUNK) {
            if (threadIdx.x < KRT_CU_ATTN_CHUNK && j0 + threadIdx.x <= last) {
                const float *kr = kb + ((j0 + threadIdx.x) * hkv + kvh) * d;
                float sc = 0.0f;
                for (long long c = 0; c < d; c++) sc += qr[c] * kr[c];
                scores[threadIdx.x] = sc * scale;
            }
            __syncthreads();
            const long long n = last - j0 + 1 < KRT_CU_ATTN_CHUNK ? last - j0 + 1 : KRT_CU_ATTN_CHUNK;
            for (long long jj = 0; jj < n; jj++) {
                const float sc = scores[jj];
                if (sc > mx) {
                    const float shrink = expf(mx - sc); /* 0 for the first key */
                    for (int t = 0; t < KRT_CU_ATTN_DV; t++) acc[t] *= shrink;
                    denom *= shrink;
                    mx = sc;
                }
                const float wgt = expf(sc - mx);
                denom += wgt;
                const float *vr = vb + ((j0 + jj) * hkv + kvh) * dv;
                for (int t = 0; t < KRT_CU_ATTN_DV; t++) {
                    const long long c = threadIdx.x + (long long)t * blockDim.x;
                    if (c < dv) acc[t] += wgt * vr[c];
                }
            }
            __syncthreads();
        }
        const float inv = denom > 0.0 ? (float)(1.0 / denom) : 0.0f;
        for (int t = 0; t < KRT_CU_ATTN_DV; t++) {
            const long long c = threadIdx.x + (long long)t * blockDim.x;
            if (c < dv) yr[c] = denom > 0.0 ? acc[t] * inv : 0.0f;
        }
    }
}

/* ---- the KV cache write: rows 0..rows-1 of k, v [s, hkv, d] to cache rows pos.. of kc, vc
 * [capacity, hkv, d]; one thread per element by grid stride. */
__device__ inline void krt_cu_kv_store_f32(const float *k, const float *v, float *kc, float *vc,
                                           long long pos, long long rows, long long row_len) {
    const long long n = rows * row_len;
    for (long long e = krt_cu_thread(); e < n; e += krt_cu_threads()) {
        kc[pos * row_len + e] = k[e];
        vc[pos * row_len + e] = v[e];
    }
}

/* ---- gather: out[outer, n_idx, row] = data[outer, axis_len, row][idx], one thread per
 * output element by grid stride. An index out of range sets *status (the entry then returns
 * KILN_ERR_INDEX) and leaves its element unwritten. */
template <class T, class I>
__device__ inline void krt_cu_gather(const T *data, const I *idx, T *out, long long outer,
                                     long long axis_len, long long n_idx, long long row,
                                     unsigned *status) {
    const long long n = outer * n_idx * row;
    for (long long e = krt_cu_thread(); e < n; e += krt_cu_threads()) {
        const long long r = e % row, t = (e / row) % n_idx, o = e / (row * n_idx);
        long long i = (long long)idx[t];
        if (i < 0) i += axis_len;
        if (i < 0 || i >= axis_len) {
            atomicExch(status, 1u);
            continue;
        }
        out[e] = data[(o * axis_len + i) * row + r];
    }
}

#endif
