/* The thread pool (krt_threads.h) and the Linear kernels at the sizes the decoder uses (one
 * row, a few rows, many rows) and at odd sizes that exercise every tail: krt_linear_f32 against a
 * double-precision reference, and krt_linear_f32_pool on every kernel table this CPU runs
 * (krt_isa.h: portable, avx2, avx512) with 1, 2 and 3 threads against the same reference, the
 * three thread counts bit for bit alike (each column is computed by one thread in an order the
 * table fixes), and the portable table bit for bit like krt_linear_f32. */
#include <stdlib.h>
#include <string.h>

#include "kiln_rt.h"
#include "test_util.h"

#define TOL 1e-5

/* Pools of 1, 2 and 3 threads per kernel table; NULL rows for tables this CPU cannot run. */
static KrtPool *pools[KRT_ISA_COUNT][3];

/* The reference bound grows with the length of the dot products (float sums of k terms). */
static double tol_for(int64_t k) {
    return k > 100 ? TOL * (double)k / 100.0 : TOL;
}

static TestRng rng = {7};

static float *rand_f(int64_t n) {
    float *p = malloc(sizeof *p * (size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++) p[i] = (float)test_rng_uniform(&rng, -1, 1);
    return p;
}

/* One Linear of y[m, n] = x[m, k] . W + bias against the reference and every pool. */
static void check_linear(int64_t m, int64_t k, int64_t n, int tw, bool with_bias) {
    float *x = rand_f(m * k), *w = rand_f(k * n), *bias = rand_f(n);
    float *y = rand_f(m * n), *yp = rand_f(m * n), *y1 = rand_f(m * n);
    double *ref = calloc((size_t)(m * n), sizeof *ref);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = with_bias ? bias[j] : 0.0;
            for (int64_t p = 0; p < k; p++)
                s += (double)x[i * k + p] * (tw ? w[j * k + p] : w[p * n + j]);
            ref[i * n + j] = s;
        }
    const float *b = with_bias ? bias : NULL;
    krt_linear_f32(x, w, b, y, m, k, n, tw);
    if (!test_close("linear", y, ref, m * n, tol_for(k)))
        fprintf(stderr, "  at m=%lld k=%lld n=%lld tw=%d\n", (long long)m, (long long)k,
                (long long)n, tw);
    size_t bytes = (size_t)(m * n) * sizeof *y;
    for (int isa = 0; isa < KRT_ISA_COUNT; isa++) {
        for (int t = 0; t < 3 && pools[isa][t]; t++) {
            memset(yp, 0xff, bytes); /* NaN: every element must be written */
            krt_linear_f32_pool(pools[isa][t], x, w, b, yp, m, k, n, tw);
            if (t == 0) memcpy(y1, yp, bytes);
            const char *name = krt_isa_name((KrtIsa)isa);
            bool ok = test_close(name, yp, ref, m * n, tol_for(k));
            ok &= CHECK(memcmp(y1, yp, bytes) == 0); /* the thread count changes nothing */
            if (isa == KRT_ISA_PORTABLE) ok &= CHECK(memcmp(y, yp, bytes) == 0);
            if (!ok)
                fprintf(stderr, "  %s pool of %d threads at m=%lld k=%lld n=%lld tw=%d\n", name,
                        krt_pool_threads(pools[isa][t]), (long long)m, (long long)k, (long long)n,
                        tw);
        }
    }
    free(x), free(w), free(bias), free(y), free(yp), free(y1), free(ref);
}

/* Each task adds its number + 1 into its own slot, so a task run twice or never shows. */
static void count_task(void *arg, int task) {
    int *hits = arg;
    hits[task] += task + 1;
}

static void test_pool_run(KrtPool *pool) {
    int hits[37];
    for (int rounds = 0; rounds < 50; rounds++) {
        int tasks = 1 + rounds % 37;
        memset(hits, 0, sizeof hits);
        krt_pool_run(pool, count_task, hits, tasks);
        bool ok = true;
        for (int t = 0; t < 37; t++) ok &= hits[t] == (t < tasks ? t + 1 : 0);
        CHECK(ok);
    }
    krt_pool_run(pool, count_task, hits, 0); /* no tasks: nothing runs */
}

static void test_threads_default(void) {
    const char *old = getenv("KILN_THREADS");
    char *saved = old ? strdup(old) : NULL;
    setenv("KILN_THREADS", "3", 1);
    CHECK(krt_threads_default() == 3);
    setenv("KILN_THREADS", "0", 1); /* out of range: the CPU count */
    int cpus = krt_threads_default();
    CHECK(cpus >= 1 && cpus <= 256);
    setenv("KILN_THREADS", "2x", 1);
    CHECK(krt_threads_default() == cpus);
    setenv("KILN_THREADS", "1000", 1);
    CHECK(krt_threads_default() == cpus);
    if (saved)
        setenv("KILN_THREADS", saved, 1);
    else
        unsetenv("KILN_THREADS");
    free(saved);
}

int main(void) {
    int tables = 0;
    for (int isa = 0; isa < KRT_ISA_COUNT; isa++) {
        if (!krt_isa_supported((KrtIsa)isa)) continue;
        const KrtKernels *kt = krt_kernels_of((KrtIsa)isa);
        for (int t = 0; t < 3; t++) {
            pools[isa][t] = krt_pool_create_with(t + 1, kt);
            if (!CHECK(pools[isa][t] && krt_pool_kernels(pools[isa][t]) == kt))
                return test_finish();
        }
        fprintf(stderr, "kernel table: %s\n", kt->name);
        tables++;
    }
    CHECK(tables >= 1 && pools[KRT_ISA_PORTABLE][0]);
    KrtPool *const *pp = pools[KRT_ISA_PORTABLE];
    CHECK(krt_pool_threads(pp[1]) == 2 && krt_pool_threads(NULL) == 1);
    CHECK(krt_pool_kernels(NULL) == &krt_kernels_portable);
    CHECK(krt_pool_scratch(NULL, 0) == NULL && krt_pool_scratch(pp[1], 2) == NULL);
    CHECK(krt_pool_scratch(pp[1], 1) != NULL && (uintptr_t)krt_pool_scratch(pp[1], 1) % 64 == 0);
    for (int t = 0; t < 3; t++) test_pool_run(pp[t]);
    test_pool_run(NULL);
    test_threads_default();

    /* tiny and odd sizes: every tail of the 8-lane, 4-row and 4 x 2 loops */
    static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 9};
    static const int64_t ks[] = {1, 3, 8, 9, 17};
    static const int64_t ns[] = {1, 2, 5, 6, 11};
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
        for (size_t b = 0; b < sizeof ks / sizeof ks[0]; b++)
            for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++)
                check_linear(ms[a], ks[b], ns[c], (int)((a + b + c) % 2), (a + c) % 2 == 0);
    /* large enough to be split across threads (>= 64K multiply-adds), with ragged edges */
    check_linear(1, 300, 301, 1, true);  /* decode: one row */
    check_linear(3, 129, 203, 1, false); /* a few rows */
    check_linear(37, 67, 70, 1, true);   /* many rows: panels of 32 columns + tails */
    check_linear(130, 33, 37, 1, false); /* rows not a multiple of 4 */
    check_linear(1, 257, 263, 0, true);  /* w [K, N], one row */
    check_linear(6, 70, 300, 0, false);  /* w [K, N], the blocked matmul */
    /* the GEMM path of the SIMD tables (m >= 8 or 16): rows, columns and depth that are no
     * multiple of the register tile (6 x 16, 12 x 32), of the x panels (KRT_GEMM_MC rows), of
     * a pass over k (KRT_GEMM_KC) or of the w blocks (96 rows), primes and 1 included */
    check_linear(16, 1, 97, 1, true);
    check_linear(17, 31, 13, 1, false);
    check_linear(31, 513, 101, 1, true);
    check_linear(33, 1031, 193, 1, false);
    check_linear(47, 64, 96, 1, true);
    check_linear(64, 97, 389, 1, false);
    check_linear(131, 211, 211, 1, true);
    check_linear(257, 37, 101, 1, false);
    check_linear(8, 1024, 12, 1, true);
    check_linear(129, 512, 7, 1, false);
    for (int isa = 0; isa < KRT_ISA_COUNT; isa++)
        for (int t = 0; t < 3; t++) krt_pool_destroy(pools[isa][t]);
    krt_pool_destroy(NULL);
    return test_finish();
}
