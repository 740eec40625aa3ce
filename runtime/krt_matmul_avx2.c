/* The AVX2+FMA kernel table (krt_isa.h): f32 four-row dot products (matrix-vector) and a 6 x 16
 * GEMM register tile. Compiled with per-function target attributes, so this file builds with plain
 * `cc` and the kernels only run where krt_isa_supported(KRT_ISA_AVX2) said yes. */
#include "krt_isa.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define KRT_AVX2 __attribute__((target("avx2,fma")))

/* Lanes of x per tile (two vectors) and rows of w per tile: 12 accumulators, two panel vectors
 * and a broadcast use 15 of the 16 vector registers. */
#define KRT_256_NR 16
#define KRT_256_MR 6

/* A load mask of the first `left` lanes (1 <= left <= 8): lane i is set when i < left. */
KRT_AVX2 static inline __m256i krt_256_mask(int64_t left) {
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(left < 8 ? left : 8)), lane);
}

KRT_AVX2 static inline float krt_256_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* krt_isa.h dot4_f32: out[r] = x . w_r for four rows of length k: two accumulators per row (16
 * floats a step) keep eight FMA chains in flight; the tail is a masked load, so every column sums
 * in the same order whatever its neighbours. */
KRT_AVX2 static void krt_256_dot4(const float *x, const float *const w[4], int64_t k,
                                  float out[4]) {
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    const float *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
    int64_t p = 0;
    for (; p + 16 <= k; p += 16) {
        __m256 x0 = _mm256_loadu_ps(x + p), x1 = _mm256_loadu_ps(x + p + 8);
        a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + p), a0);
        a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w1 + p), a1);
        a2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w2 + p), a2);
        a3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w3 + p), a3);
        b0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w0 + p + 8), b0);
        b1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w1 + p + 8), b1);
        b2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w2 + p + 8), b2);
        b3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(w3 + p + 8), b3);
    }
    for (; p < k; p += 8) {
        __m256i mk = krt_256_mask(k - p);
        __m256 x0 = _mm256_maskload_ps(x + p, mk);
        a0 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w0 + p, mk), a0);
        a1 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w1 + p, mk), a1);
        a2 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w2 + p, mk), a2);
        a3 = _mm256_fmadd_ps(x0, _mm256_maskload_ps(w3 + p, mk), a3);
    }
    out[0] = krt_256_sum(_mm256_add_ps(a0, b0));
    out[1] = krt_256_sum(_mm256_add_ps(a1, b1));
    out[2] = krt_256_sum(_mm256_add_ps(a2, b2));
    out[3] = krt_256_sum(_mm256_add_ps(a3, b3));
}

/* krt_isa.h gemm_tile_f32 with gemm_mr = 6, gemm_nr = 16: per step p, two vectors of the panel
 * (16 rows of x) and one broadcast of each of 6 rows of w feed 12 FMAs. */
KRT_AVX2 static void krt_256_gemm_tile(const float *w, int64_t ws, const float *panel, int64_t kc,
                                       float *tile) {
    __m256 c[KRT_256_MR][2];
    for (int r = 0; r < KRT_256_MR; r++) c[r][0] = c[r][1] = _mm256_setzero_ps();
    for (int64_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(panel + p * KRT_256_NR);
        __m256 b1 = _mm256_load_ps(panel + p * KRT_256_NR + 8);
        const float *wp = w + p;
#define KRT_256_ROW(r)                                                                             \
    do {                                                                                           \
        __m256 a = _mm256_broadcast_ss(wp + (r)*ws);                                               \
        c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);                                                 \
        c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);                                                 \
    } while (0)
        KRT_256_ROW(0);
        KRT_256_ROW(1);
        KRT_256_ROW(2);
        KRT_256_ROW(3);
        KRT_256_ROW(4);
        KRT_256_ROW(5);
#undef KRT_256_ROW
    }
    for (int r = 0; r < KRT_256_MR; r++) {
        _mm256_store_ps(tile + r * KRT_256_NR, c[r][0]);
        _mm256_store_ps(tile + r * KRT_256_NR + 8, c[r][1]);
    }
}

const KrtKernels krt_kernels_avx2 = {
    .isa = KRT_ISA_AVX2,
    .name = "avx2",
    .dot4_f32 = krt_256_dot4,
    .gemm_tile_f32 = krt_256_gemm_tile,
    .gemm_mr = KRT_256_MR,
    .gemm_nr = KRT_256_NR,
    .gemm_min_rows = 8,
};
#else
/* Not x86-64: the table exists only there (ISO C wants a declaration in every file). */
typedef int krt_matmul_avx2_unused;
#endif
