/* The samplers of runtime/krt_sample.h: generator reproducibility and range, greedy ties and
 * NaN, and the distributions temperature, top-k and top-p give (frequencies over many draws). */
#include <math.h>
#include <stdlib.h>

#include "krt_sample.h"
#include "test_util.h"

static void test_rng(void) {
    KrtRng a, b, c;
    krt_rng_seed(&a, 42);
    krt_rng_seed(&b, 42);
    krt_rng_seed(&c, 43);
    int same = 0, differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = krt_rng_next(&a), y = krt_rng_next(&b), z = krt_rng_next(&c);
        same += x == y;
        differ += x != z;
    }
    CHECK(same == 1000 && differ == 1000);
    double sum = 0, lo = 1, hi = 0;
    for (int i = 0; i < 100000; i++) {
        double u = krt_rng_uniform(&a);
        sum += u;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    CHECK(lo >= 0 && hi < 1 && lo < 1e-3 && hi > 0.999);
    CHECK(fabs(sum / 100000 - 0.5) < 0.01);
}

static void test_greedy(void) {
    float l[5] = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f};
    CHECK(krt_sample_argmax(l, 5) == 1); /* first of the tied maxima */
    float n[3] = {NAN, -3.0f, NAN};
    CHECK(krt_sample_argmax(n, 3) == 1);
    CHECK(krt_sample_argmax(l, 0) == -1);
    KrtSampler greedy = {0.0f, 0, 1.0f};
    KrtRng r;
    krt_rng_seed(&r, 1);
    void *scratch = malloc(krt_sample_scratch_bytes(5));
    CHECK(krt_sample(&greedy, l, 5, &r, scratch) == 1);
    KrtSampler top1 = {1.0f, 1, 1.0f};
    CHECK(krt_sample(&top1, l, 5, &r, scratch) == 1);
    KrtSampler nucleus = {1.0f, 0, 1e-6f};
    CHECK(krt_sample(&nucleus, l, 5, &r, scratch) == 1);
    CHECK(krt_sample(&top1, n, 3, &r, scratch) == 1); /* NaN is never chosen */
    CHECK(krt_sample_scratch_bytes(0) == 0);
    free(scratch);
}

/* Draws n tokens and checks each frequency against want[] (within tol). */
static void expect_freq(const KrtSampler *s, const float *logits, int v, const double *want,
                        double tol, const char *what) {
    enum { DRAWS = 40000 };
    int count[8] = {0};
    KrtRng r;
    krt_rng_seed(&r, 2024);
    void *scratch = malloc(krt_sample_scratch_bytes(v));
    for (int i = 0; i < DRAWS; i++) {
        int64_t t = krt_sample(s, logits, v, &r, scratch);
        if (t >= 0 && t < v) count[t]++;
    }
    free(scratch);
    for (int k = 0; k < v; k++) {
        double f = (double)count[k] / DRAWS;
        if (!CHECK(fabs(f - want[k]) <= tol))
            fprintf(stderr, "%s: token %d frequency %.4f, want %.4f\n", what, k, f, want[k]);
    }
}

static void test_distributions(void) {
    /* probabilities 0.5, 0.3, 0.15, 0.05 */
    float l[4] = {logf(0.5f), logf(0.3f), logf(0.15f), logf(0.05f)};
    KrtSampler plain = {1.0f, 0, 1.0f};
    expect_freq(&plain, l, 4, (const double[]){0.5, 0.3, 0.15, 0.05}, 0.01, "temperature 1");
    /* temperature 0.5 squares the probabilities before renormalizing */
    double z = 0.25 + 0.09 + 0.0225 + 0.0025;
    KrtSampler cold = {0.5f, 0, 1.0f};
    expect_freq(&cold, l, 4, (const double[]){0.25 / z, 0.09 / z, 0.0225 / z, 0.0025 / z}, 0.01,
                "temperature 0.5");
    KrtSampler k2 = {1.0f, 2, 1.0f};
    expect_freq(&k2, l, 4, (const double[]){0.625, 0.375, 0, 0}, 0.01, "top-k 2");
    /* top-p 0.85: 0.5 + 0.3 < 0.85 <= 0.95, so three tokens stay */
    KrtSampler p85 = {1.0f, 0, 0.85f};
    expect_freq(&p85, l, 4, (const double[]){0.5 / 0.95, 0.3 / 0.95, 0.15 / 0.95, 0}, 0.01,
                "top-p 0.85");
    /* top-k and top-p together: k 3 keeps 0.95 of the mass, p 0.6 of that keeps two tokens */
    KrtSampler both = {1.0f, 3, 0.6f};
    expect_freq(&both, l, 4, (const double[]){0.625, 0.375, 0, 0}, 0.01, "top-k 3 top-p 0.6");
}

int main(void) {
    test_rng();
    test_greedy();
    test_distributions();
    return test_finish();
}
