/* The thread pool (krt_threads.h) and the Linear kernels at the sizes the decoder uses (one
 * row, a few rows, many rows) and at odd sizes that exercise every tail: krt_linear_f32 against a
 * double-precision reference, and krt_linear_f32_pool with 1, 2 and 3 threads against
 * krt_linear_f32 bit for bit (each column is computed by one thread in the same order). */
#include <stdlib.h>
#include <string.h>

#include "kiln_rt.h"
#include "test_util.h"

#define TOL 1e-5

static TestRng rng = {7};

static float *rand_f(int64_t n) {
    float *p = malloc(sizeof *p * (size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++) p[i] = (float)test_rng_uniform(&rng, -1, 1);
    return p;
}

/* One Linear of y[m, n] = x[m, k] . W + bias against the reference and every pool. */
static void check_linear(KrtPool *const pools[3], int64_t m, int64_t k, int64_t n, int tw,
                         bool with_bias) {
    float *x = rand_f(m * k), *w = rand_f(k * n), *bias = rand_f(n);
    float *y = rand_f(m * n), *yp = rand_f(m * n);
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
    if (!test_close("linear", y, ref, m * n, TOL))
        fprintf(stderr, "  at m=%lld k=%lld n=%lld tw=%d\n", (long long)m, (long long)k,
                (long long)n, tw);
    for (int t = 0; t < 3; t++) {
        memset(yp, 0xff, (size_t)(m * n) * sizeof *yp); /* NaN: every element must be written */
        krt_linear_f32_pool(pools[t], x, w, b, yp, m, k, n, tw);
        if (!CHECK(memcmp(y, yp, (size_t)(m * n) * sizeof *y) == 0))
            fprintf(stderr, "  pool of %d threads differs at m=%lld k=%lld n=%lld tw=%d\n",
                    krt_pool_threads(pools[t]), (long long)m, (long long)k, (long long)n, tw);
    }
    free(x), free(w), free(bias), free(y), free(yp), free(ref);
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
    KrtPool *pools[3] = {krt_pool_create(1), krt_pool_create(2), krt_pool_create(3)};
    CHECK(pools[0] && pools[1] && pools[2]);
    if (!pools[0] || !pools[1] || !pools[2]) return test_finish();
    CHECK(krt_pool_threads(pools[1]) == 2 && krt_pool_threads(NULL) == 1);
    for (int t = 0; t < 3; t++) test_pool_run(pools[t]);
    test_pool_run(NULL);
    test_threads_default();

    /* tiny and odd sizes: every tail of the 8-lane, 4-row and 4 x 2 loops */
    static const int64_t ms[] = {1, 2, 3, 4, 5, 7, 9};
    static const int64_t ks[] = {1, 3, 8, 9, 17};
    static const int64_t ns[] = {1, 2, 5, 6, 11};
    for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
        for (size_t b = 0; b < sizeof ks / sizeof ks[0]; b++)
            for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++)
                check_linear(pools, ms[a], ks[b], ns[c], (int)((a + b + c) % 2), (a + c) % 2 == 0);
    /* large enough to be split across threads (>= 64K multiply-adds), with ragged edges */
    check_linear(pools, 1, 300, 301, 1, true);  /* decode: one row */
    check_linear(pools, 3, 129, 203, 1, false); /* a few rows */
    check_linear(pools, 37, 67, 70, 1, true);   /* many rows: panels of 32 columns + tails */
    check_linear(pools, 130, 33, 37, 1, false); /* rows not a multiple of 4 */
    check_linear(pools, 1, 257, 263, 0, true);  /* w [K, N], one row */
    check_linear(pools, 6, 70, 300, 0, false);  /* w [K, N], the blocked matmul */
    for (int t = 0; t < 3; t++) krt_pool_destroy(pools[t]);
    krt_pool_destroy(NULL);
    return test_finish();
}
