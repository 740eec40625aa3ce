/* The AVX-512 kernel table (krt_isa.h): f32 four-row dot products (matrix-vector) and a 12 x 32
 * GEMM register tile. Compiled with per-function target attributes, so this file builds with plain
 * `cc` and the kernels only run where krt_isa_supported(KRT_ISA_AVX512) said yes. */
#include "krt_isa.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define KRT_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma")))

/* Lanes of x per tile (two vectors) and rows of w per tile: 24 accumulators, two panel
 * vectors and a broadcast use 27 of the 32 vector registers. */
#define KRT_512_NR 32
#define KRT_512_MR 12

/* The first `left` lanes (1 <= left <= 16) of a vector. */
KRT_AVX512 static inline __mmask16 krt_512_mask(int64_t left) {
    return left >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1u);
}

/* krt_isa.h dot4_f32: out[r] = x . w_r for four rows of length k: two accumulators per row (32
 * floats a step) keep eight FMA chains in flight; the tail is masked, not scalar, so every column
 * sums in the same order whatever its neighbours. */
KRT_AVX512 static void krt_512_dot4(const float *x, const float *const w[4], int64_t k,
                                    float out[4]) {
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    int64_t p = 0;
    for (; p + 32 <= k; p += 32) {
        __m512 x0 = _mm512_loadu_ps(x + p), x1 = _mm512_loadu_ps(x + p + 16);
        a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + p), a0);
        a1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w1 + p), a1);
        a2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w2 + p), a2);
        a3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w3 + p), a3);
        b0 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w0 + p + 16), b0);
        b1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w1 + p + 16), b1);
        b2 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w2 + p + 16), b2);
        b3 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(w3 + p + 16), b3);
    }
    for (; p < k; p += 16) {
        __mmask16 mk = krt_512_mask(k - p);
        __m512 x0 = _mm512_maskz_loadu_ps(mk, x + p);
        a0 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w0 + p), a0);
        a1 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w1 + p), a1);
        a2 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w2 + p), a2);
        a3 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(mk, w3 + p), a3);
    }
    out[0] = _mm512_reduce_add_ps(_mm512_add_ps(a0, b0));
    out[1] = _mm512_reduce_add_ps(_mm512_add_ps(a1, b1));
    out[2] = _mm512_reduce_add_ps(_mm512_add_ps(a2, b2));
    out[3] = _mm512_reduce_add_ps(_mm512_add_ps(a3, b3));
}

/* krt_isa.h gemm_tile_f32 with gemm_mr = 12, gemm_nr = 32: per step p, two vectors of the panel
 * (32 rows of x) and one broadcast of each of 12 rows of w feed 24 FMAs. */
KRT_AVX512 static void krt_512_gemm_tile(const float *w, int64_t ws, const float *panel, int64_t kc,
                                         float *tile) {
    __m512 c[KRT_512_MR][2];
    for (int r = 0; r < KRT_512_MR; r++) c[r][0] = c[r][1] = _mm512_setzero_ps();
    for (int64_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(panel + p * KRT_512_NR);
        __m512 b1 = _mm512_load_ps(panel + p * KRT_512_NR + 16);
        const float *wp = w + p;
#define KRT_512_ROW(r)                                                                             \
    do {                                                                                           \
        __m512 a = _mm512_set1_ps(wp[(r)*ws]);                                                     \
        c[r][0] = _mm512_fmadd_ps(a, b0, c[r][0]);                                                 \
        c[r][1] = _mm512_fmadd_ps(a, b1, c[r][1]);                                                 \
    } while (0)
        KRT_512_ROW(0);
        KRT_512_ROW(1);
        KRT_512_ROW(2);
        KRT_512_ROW(3);
        KRT_512_ROW(4);
        KRT_512_ROW(5);
        KRT_512_ROW(6);
        KRT_512_ROW(7);
        KRT_512_ROW(8);
        KRT_512_ROW(9);
        KRT_512_ROW(10);
        KRT_512_ROW(11);
#undef KRT_512_ROW
    }
    for (int r = 0; r < KRT_512_MR; r++) {
        _mm512_store_ps(tile + r * KRT_512_NR, c[r][0]);
        _mm512_store_ps(tile + r * KRT_512_NR + 16, c[r][1]);
    }
}

const KrtKernels krt_kernels_avx512 = {
    .isa = KRT_ISA_AVX512,
    .name = "avx512",
    .dot4_f32 = krt_512_dot4,
    .gemm_tile_f32 = krt_512_gemm_tile,
    .gemm_mr = KRT_512_MR,
    .gemm_nr = KRT_512_NR,
    .gemm_min_rows = 16,
};
#else
/* Not x86-64: the table exists only there (ISO C wants a declaration in every file). */
typedef int krt_matmul_avx512_unused;
#endif
