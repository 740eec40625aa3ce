/* Matrix products: MatMul and Linear, f32, accumulating in float.
 *
 * The kernels are written so that plain `cc -O2` (no -march, no fast-math) vectorizes them:
 * every dot product keeps KRT_LANES independent partial sums in a small fixed-size array
 * (gcc's straight-line SLP vectorizer turns each array into vector registers) and is reduced
 * once at the end, and several output columns share each load of x. They are the reference the
 * SIMD tables are tested against and the fallback where the CPU has none (krt_isa.h).
 *
 * The pooled Linear (krt_linear_f32_pool) runs through the pool's kernel table: the table's
 * matrix-vector kernel for a few rows, else the packed GEMM driver below around the table's
 * register tile. */
#include "kiln_rt.h"
#include "krt_isa.h"
#include "krt_threads.h"

/* Block sizes of krt_matmul_f32: a KRT_MM_KB x KRT_MM_NB panel of b (64 KiB) stays in L2 while
 * every row of a streams over it; the inner loop runs over contiguous columns. */
#define KRT_MM_KB 64
#define KRT_MM_NB 256

/* Partial sums per dot product: 8 floats are two SSE or one AVX register. */
#define KRT_LANES 8

/* Rows of w (columns of y) per panel of the many-row linear kernel: 32 rows of K floats stay
 * in L2 (K = 4096 gives 512 KiB, K = 768 gives 96 KiB) while every row of x passes over them. */
#define KRT_LIN_NB 32

void krt_matmul_f32(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n) {
    for (int64_t i = 0; i < m * n; i++) c[i] = 0.0f;
    for (int64_t j0 = 0; j0 < n; j0 += KRT_MM_NB) {
        int64_t j1 = j0 + KRT_MM_NB < n ? j0 + KRT_MM_NB : n;
        for (int64_t p0 = 0; p0 < k; p0 += KRT_MM_KB) {
            int64_t p1 = p0 + KRT_MM_KB < k ? p0 + KRT_MM_KB : k;
            for (int64_t i = 0; i < m; i++) {
                float *restrict crow = c + i * n;
                const float *restrict arow = a + i * k;
                for (int64_t p = p0; p < p1; p++) {
                    float av = arow[p];
                    const float *restrict brow = b + p * n;
                    for (int64_t j = j0; j < j1; j++) crow[j] += av * brow[j];
                }
            }
        }
    }
}

static float krt_lane_sum(const float s[KRT_LANES]) {
    float t = 0.0f;
    for (int l = 0; l < KRT_LANES; l++) t += s[l];
    return t;
}

/* out[r] = x . w_r for four rows w0..w3 of length k: x is loaded once per four rows. */
static void krt_dot_1x4(const float *restrict x, const float *restrict w0, const float *restrict w1,
                        const float *restrict w2, const float *restrict w3, int64_t k,
                        float out[4]) {
    float s0[KRT_LANES] = {0}, s1[KRT_LANES] = {0}, s2[KRT_LANES] = {0}, s3[KRT_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_LANES <= k; p += KRT_LANES) {
        for (int l = 0; l < KRT_LANES; l++) {
            float xv = x[p + l];
            s0[l] += xv * w0[p + l];
            s1[l] += xv * w1[p + l];
            s2[l] += xv * w2[p + l];
            s3[l] += xv * w3[p + l];
        }
    }
    out[0] = krt_lane_sum(s0);
    out[1] = krt_lane_sum(s1);
    out[2] = krt_lane_sum(s2);
    out[3] = krt_lane_sum(s3);
    for (; p < k; p++) {
        out[0] += x[p] * w0[p];
        out[1] += x[p] * w1[p];
        out[2] += x[p] * w2[p];
        out[3] += x[p] * w3[p];
    }
}

static float krt_dot_1x1(const float *restrict x, const float *restrict w, int64_t k) {
    float s[KRT_LANES] = {0};
    int64_t p = 0;
    for (; p + KRT_LANES <= k; p += KRT_LANES)
        for (int l = 0; l < KRT_LANES; l++) s[l] += x[p + l] * w[p + l];
    float t = krt_lane_sum(s);
    for (; p < k; p++) t += x[p] * w[p];
    return t;
}

/* A 4 x 2 tile: out[r][c] = x_r . w_c for four rows of x and two rows of w, so every load
 * feeds several products (4 lanes each: eight accumulators fit the SSE register file). */
static void krt_dot_4x2(const float *restrict x, int64_t k, const float *restrict w0,
                        const float *restrict w1, float out[4][2]) {
    float s[4][2][4] = {{{0}}};
    const float *x0 = x, *x1 = x + k, *x2 = x + 2 * k, *x3 = x + 3 * k;
    int64_t p = 0;
    for (; p + 4 <= k; p += 4) {
        for (int l = 0; l < 4; l++) {
            float a = w0[p + l], b = w1[p + l];
            s[0][0][l] += x0[p + l] * a;
            s[0][1][l] += x0[p + l] * b;
            s[1][0][l] += x1[p + l] * a;
            s[1][1][l] += x1[p + l] * b;
            s[2][0][l] += x2[p + l] * a;
            s[2][1][l] += x2[p + l] * b;
            s[3][0][l] += x3[p + l] * a;
            s[3][1][l] += x3[p + l] * b;
        }
    }
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 2; c++)
            out[r][c] = (s[r][c][0] + s[r][c][1]) + (s[r][c][2] + s[r][c][3]);
    for (; p < k; p++) {
        out[0][0] += x0[p] * w0[p];
        out[0][1] += x0[p] * w1[p];
        out[1][0] += x1[p] * w0[p];
        out[1][1] += x1[p] * w1[p];
        out[2][0] += x2[p] * w0[p];
        out[2][1] += x2[p] * w1[p];
        out[3][0] += x3[p] * w0[p];
        out[3][1] += x3[p] * w1[p];
    }
}

/* Columns j0..j1-1 of y[i, :] = x[i, :] . w^T for rows i0..i1-1 (w[N, K]), one row at a time:
 * the matrix-vector case, where each row of w is read once per row of x. */
static void krt_linear_tw_rows(const float *x, const float *w, float *y, int64_t i0, int64_t i1,
                               int64_t k, int64_t n, int64_t j0, int64_t j1) {
    for (int64_t i = i0; i < i1; i++) {
        const float *xr = x + i * k;
        float *yr = y + i * n;
        int64_t j = j0;
        for (; j + 4 <= j1; j += 4) {
            const float *wj = w + j * k;
            krt_dot_1x4(xr, wj, wj + k, wj + 2 * k, wj + 3 * k, k, yr + j);
        }
        for (; j < j1; j++) yr[j] = krt_dot_1x1(xr, w + j * k, k);
    }
}

/* Columns j0..j1-1 of y = x . w^T for all m rows (w[N, K]), blocked: a panel of KRT_LIN_NB rows
 * of w stays in cache while x passes over it in tiles of 4 rows x 2 columns. */
static void krt_linear_tw_block(const float *x, const float *w, float *y, int64_t m, int64_t k,
                                int64_t n, int64_t j0, int64_t j1) {
    for (int64_t b0 = j0; b0 < j1; b0 += KRT_LIN_NB) {
        int64_t b1 = b0 + KRT_LIN_NB < j1 ? b0 + KRT_LIN_NB : j1;
        int64_t i = 0;
        for (; i + 4 <= m; i += 4) {
            int64_t j = b0;
            for (; j + 2 <= b1; j += 2) {
                float t[4][2];
                krt_dot_4x2(x + i * k, k, w + j * k, w + (j + 1) * k, t);
                for (int r = 0; r < 4; r++) {
                    y[(i + r) * n + j] = t[r][0];
                    y[(i + r) * n + j + 1] = t[r][1];
                }
            }
            for (; j < b1; j++)
                for (int r = 0; r < 4; r++)
                    y[(i + r) * n + j] = krt_dot_1x1(x + (i + r) * k, w + j * k, k);
        }
        krt_linear_tw_rows(x, w, y, i, m, k, n, b0, b1);
    }
}

/* Columns j0..j1-1 of the whole Linear (see krt_linear_f32), bias included. */
static void krt_linear_cols(const float *x, const float *w, const float *bias, float *y, int64_t m,
                            int64_t k, int64_t n, int transpose_w, int64_t j0, int64_t j1) {
    if (!transpose_w) {
        /* w[K, N]: the columns j0..j1 of w are a [K, j1 - j0] matrix with row stride n */
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = j0; j < j1; j++) y[i * n + j] = 0.0f;
        for (int64_t i = 0; i < m; i++) {
            float *restrict yr = y + i * n;
            const float *restrict xr = x + i * k;
            for (int64_t p = 0; p < k; p++) {
                float xv = xr[p];
                const float *restrict wr = w + p * n;
                for (int64_t j = j0; j < j1; j++) yr[j] += xv * wr[j];
            }
        }
    } else if (m < 4) {
        krt_linear_tw_rows(x, w, y, 0, m, k, n, j0, j1);
    } else {
        krt_linear_tw_block(x, w, y, m, k, n, j0, j1);
    }
    if (bias)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = j0; j < j1; j++) y[i * n + j] += bias[j];
}

void krt_linear_f32(const float *x, const float *w, const float *bias, float *y, int64_t m,
                    int64_t k, int64_t n, int transpose_w) {
    if (!transpose_w && m >= 4) {
        /* many rows against w[K, N]: the blocked matmul keeps panels of w in cache */
        krt_matmul_f32(x, w, y, m, k, n);
        if (bias)
            for (int64_t i = 0; i < m; i++)
                for (int64_t j = 0; j < n; j++) y[i * n + j] += bias[j];
        return;
    }
    krt_linear_cols(x, w, bias, y, m, k, n, transpose_w, 0, n);
}

/* krt_isa.h dot4_f32 of the portable table. */
static void krt_portable_dot4(const float *x, const float *const w[4], int64_t k, float out[4]) {
    krt_dot_1x4(x, w[0], w[1], w[2], w[3], k, out);
}

const KrtKernels krt_kernels_portable = {
    .isa = KRT_ISA_PORTABLE,
    .name = "portable",
    .dot4_f32 = krt_portable_dot4,
    .gemm_tile_f32 = NULL, /* krt_linear_tw_block instead */
    .gemm_min_rows = 4,
};

/* Rows of w per pass of the GEMM driver: a block of KRT_GEMM_NC x KRT_GEMM_KC floats of w
 * (192 KiB) stays in L2 while every packed panel of x passes over it. A multiple of every
 * table's gemm_mr. */
#define KRT_GEMM_NC 96

/* Packs rows i0..i0+nr-1 of x (rows >= m are zeros), columns k0..k0+kc-1, transposed into
 * panel[kc][nr]: the layout gemm_tile_f32 reads, one vector of rows per column. */
static void krt_gemm_pack(const float *x, int64_t m, int64_t k, int64_t i0, int64_t k0, int64_t kc,
                          int nr, float *restrict panel) {
    for (int l = 0; l < nr; l++) {
        if (i0 + l < m) {
            const float *xr = x + (i0 + l) * k + k0;
            for (int64_t p = 0; p < kc; p++) panel[p * nr + l] = xr[p];
        } else {
            for (int64_t p = 0; p < kc; p++) panel[p * nr + l] = 0.0f;
        }
    }
}

/* Columns j0..j1-1 of y = x . w^T (w[n, k]) for all m rows, no bias, with the table's tile:
 * blocks of KRT_GEMM_MC rows of x and KRT_GEMM_KC columns of k are packed into scratch (see
 * KRT_GEMM_SCRATCH_BYTES), then each block of KRT_GEMM_NC rows of w is multiplied by every
 * panel. The first pass over k stores the tiles, later ones add to them. A tile that would read
 * past row n - 1 of w reads a zero-padded copy of the last rows instead. A column's value does
 * not depend on j0, j1 (each sums the same products in the same order). */
static void krt_gemm_cols(const KrtKernels *kt, const float *x, const float *w, float *y, int64_t m,
                          int64_t k, int64_t n, int64_t j0, int64_t j1, float *scratch) {
    const int mr = kt->gemm_mr, nr = kt->gemm_nr;
    _Alignas(64) float tile[KRT_GEMM_MR_MAX * KRT_GEMM_NR_MAX];
    float *wtail = scratch + (size_t)KRT_GEMM_MC * KRT_GEMM_KC; /* [mr][kc] */
    for (int64_t ic = 0; ic < m; ic += KRT_GEMM_MC) {
        int64_t mc = m - ic < KRT_GEMM_MC ? m - ic : KRT_GEMM_MC;
        int64_t panels = (mc + nr - 1) / nr;
        for (int64_t k0 = 0; k0 < k; k0 += KRT_GEMM_KC) {
            int64_t kc = k - k0 < KRT_GEMM_KC ? k - k0 : KRT_GEMM_KC;
            for (int64_t q = 0; q < panels; q++)
                krt_gemm_pack(x, m, k, ic + q * nr, k0, kc, nr, scratch + q * kc * nr);
            for (int64_t jb = j0; jb < j1; jb += KRT_GEMM_NC) {
                int64_t je = j1 - jb < KRT_GEMM_NC ? j1 : jb + KRT_GEMM_NC;
                for (int64_t q = 0; q < panels; q++) {
                    const float *panel = scratch + q * kc * nr;
                    int64_t i0 = ic + q * nr;
                    int64_t lanes = m - i0 < nr ? m - i0 : nr;
                    for (int64_t j = jb; j < je; j += mr) {
                        const float *wb = w + j * k + k0;
                        int64_t ws = k;
                        if (j + mr > n) {
                            for (int r = 0; r < mr; r++)
                                for (int64_t p = 0; p < kc; p++)
                                    wtail[r * kc + p] = j + r < n ? wb[r * k + p] : 0.0f;
                            wb = wtail;
                            ws = kc;
                        }
                        kt->gemm_tile_f32(wb, ws, panel, kc, tile);
                        int64_t rows = je - j < mr ? je - j : mr;
                        for (int64_t l = 0; l < lanes; l++) {
                            float *yr = y + (i0 + l) * n + j;
                            if (k0 == 0)
                                for (int64_t r = 0; r < rows; r++) yr[r] = tile[r * nr + l];
                            else
                                for (int64_t r = 0; r < rows; r++) yr[r] += tile[r * nr + l];
                        }
                    }
                }
            }
        }
    }
}

/* Columns j0..j1-1 of y[i, :] = x[i, :] . w^T for all m rows (w[n, k]), no bias, with the
 * table's dot4_f32: four rows of w at a time (a last group short of four repeats its last row
 * and drops the extra sums), every row of x against them while they are in L1, so w is
 * streamed from memory once. */
static void krt_rows_cols(const KrtKernels *kt, const float *x, const float *w, float *y, int64_t m,
                          int64_t k, int64_t n, int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; j += 4) {
        const float *wr[4];
        int64_t rows = j1 - j < 4 ? j1 - j : 4;
        for (int r = 0; r < 4; r++) wr[r] = w + (j + (r < rows ? r : rows - 1)) * k;
        for (int64_t i = 0; i < m; i++) {
            float o[4];
            kt->dot4_f32(x + i * k, wr, k, o);
            for (int64_t r = 0; r < rows; r++) y[i * n + j + r] = o[r];
        }
    }
}

/* Columns j0..j1-1 of the whole Linear (see krt_linear_f32), bias included, on the kernels of
 * kt with one thread's scratch (NULL: no GEMM). */
static void krt_linear_cols_isa(const KrtKernels *kt, float *scratch, const float *x,
                                const float *w, const float *bias, float *y, int64_t m, int64_t k,
                                int64_t n, int transpose_w, int64_t j0, int64_t j1) {
    if (!transpose_w || kt->isa == KRT_ISA_PORTABLE) {
        krt_linear_cols(x, w, bias, y, m, k, n, transpose_w, j0, j1);
        return;
    }
    if (m < kt->gemm_min_rows || !kt->gemm_tile_f32 || !scratch)
        krt_rows_cols(kt, x, w, y, m, k, n, j0, j1);
    else
        krt_gemm_cols(kt, x, w, y, m, k, n, j0, j1, scratch);
    if (bias)
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = j0; j < j1; j++) y[i * n + j] += bias[j];
}

/* One thread's share of a pooled Linear: a contiguous range of output columns. */
typedef struct KrtLinearJob {
    KrtPool *pool;
    const float *x, *w, *bias;
    float *y;
    int64_t m, k, n;
    int transpose_w;
    int64_t chunk; /* columns per task, a multiple of KRT_LIN_CHUNK */
} KrtLinearJob;

/* Column ranges of the tasks are multiples of every table's tile rows and of 4. */
#define KRT_LIN_CHUNK 48

static void krt_linear_task(void *arg, int task) {
    const KrtLinearJob *j = arg;
    int64_t j0 = (int64_t)task * j->chunk;
    int64_t j1 = j0 + j->chunk < j->n ? j0 + j->chunk : j->n;
    if (j0 < j1)
        krt_linear_cols_isa(krt_pool_kernels(j->pool), krt_pool_scratch(j->pool, task), j->x, j->w,
                            j->bias, j->y, j->m, j->k, j->n, j->transpose_w, j0, j1);
}

void krt_linear_f32_pool(KrtPool *pool, const float *x, const float *w, const float *bias, float *y,
                         int64_t m, int64_t k, int64_t n, int transpose_w) {
    if (!pool) {
        krt_linear_f32(x, w, bias, y, m, k, n, transpose_w);
        return;
    }
    int threads = krt_pool_threads(pool);
    int64_t tasks = threads;
    /* below ~64K multiply-adds a task costs more to hand out than to run */
    if (n < 2 * KRT_LIN_CHUNK || m * k * n < 65536) tasks = 1;
    int64_t chunk = (n + tasks - 1) / tasks;
    chunk = (chunk + KRT_LIN_CHUNK - 1) / KRT_LIN_CHUNK * KRT_LIN_CHUNK;
    tasks = (n + chunk - 1) / chunk;
    KrtLinearJob job = {pool, x, w, bias, y, m, k, n, transpose_w, chunk};
    krt_pool_run(pool, krt_linear_task, &job, (int)tasks);
}
