/* Token sampling: xoshiro256** generator, greedy, temperature, top-k and top-p. */
#include "krt_sample.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

static uint64_t krt_splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void krt_rng_seed(KrtRng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = krt_splitmix64(&seed);
}

static uint64_t krt_rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t krt_rng_next(KrtRng *r) {
    uint64_t *s = r->s;
    uint64_t out = krt_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = krt_rotl(s[3], 45);
    return out;
}

double krt_rng_uniform(KrtRng *r) {
    return (double)(krt_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int64_t krt_sample_argmax(const float *logits, int64_t n) {
    if (n < 1) return -1;
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (logits[i] > logits[best] || (isnan(logits[best]) && !isnan(logits[i]))) best = i;
    return best;
}

/* One candidate: its logit and token. Layout of the scratch: KrtCand[n]. */
typedef struct KrtCand {
    float logit;
    int32_t token;
} KrtCand;

/* Most likely first; equal logits by token; NaN last (a total order, so qsort is safe). */
static int krt_cand_cmp(const void *pa, const void *pb) {
    const KrtCand *a = pa, *b = pb;
    bool na = isnan(a->logit), nb = isnan(b->logit);
    if (na != nb) return na ? 1 : -1;
    if (!na && a->logit != b->logit) return a->logit > b->logit ? -1 : 1;
    return (a->token > b->token) - (a->token < b->token);
}

size_t krt_sample_scratch_bytes(int64_t n) {
    if (n < 1 || n > INT32_MAX) return 0;
    return (size_t)n * sizeof(KrtCand);
}

int64_t krt_sample(const KrtSampler *s, const float *logits, int64_t n, KrtRng *rng,
                   void *scratch) {
    if (n < 1 || n > INT32_MAX) return -1;
    if (!(s->temperature > 0.0f)) return krt_sample_argmax(logits, n);
    KrtCand *c = scratch;
    for (int64_t i = 0; i < n; i++) {
        c[i].logit = logits[i];
        c[i].token = (int32_t)i;
    }
    qsort(c, (size_t)n, sizeof *c, krt_cand_cmp);
    if (isnan(c[0].logit)) return krt_sample_argmax(logits, n);
    int64_t keep = n;
    while (keep > 1 && isnan(c[keep - 1].logit)) keep--;
    if (s->top_k > 0 && s->top_k < keep) keep = s->top_k;
    /* Unnormalized probabilities, reusing the logit slots: exp((l - max) / T) <= 1. */
    double total = 0.0;
    float top = c[0].logit;
    double inv_t = 1.0 / (double)s->temperature;
    for (int64_t i = 0; i < keep; i++) {
        double p = isinf(top) && c[i].logit == top ? 1.0 : exp(((double)c[i].logit - top) * inv_t);
        c[i].logit = (float)p;
        total += p;
    }
    if (s->top_p > 0.0f && s->top_p < 1.0f) {
        double want = (double)s->top_p * total, sum = 0.0;
        int64_t i = 0;
        while (i < keep - 1 && sum + c[i].logit < want) sum += c[i++].logit;
        keep = i + 1;
        total = sum + c[i].logit;
    }
    double u = krt_rng_uniform(rng) * total, acc = 0.0;
    for (int64_t i = 0; i < keep - 1; i++) {
        acc += c[i].logit;
        if (u < acc) return c[i].token;
    }
    return c[keep - 1].token;
}
