/* krt_sample.h: choosing the next token from a decoder's logits: greedy, or temperature /
 * top-k / top-p sampling driven by a seeded generator. For products that embed a compiled
 * decoder (and for `kiln generate`). Same conventions as kiln_rt.h: no globals, no allocation
 * (the caller passes the scratch memory), results depend only on the arguments. */
#ifndef KILN_KRT_SAMPLE_H
#define KILN_KRT_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

/* xoshiro256** state, seeded through splitmix64 so any seed (0 included) gives a good state. */
typedef struct KrtRng {
    uint64_t s[4];
} KrtRng;

void krt_rng_seed(KrtRng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t krt_rng_next(KrtRng *r);
/* Uniform in [0, 1), 53 random bits. */
double krt_rng_uniform(KrtRng *r);

/* How to choose. temperature <= 0 means greedy (top_k and top_p are then unused). */
typedef struct KrtSampler {
    float temperature; /* logits are divided by it before the softmax */
    int64_t top_k;     /* keep the k most likely tokens; <= 0 or >= n: all */
    float top_p;       /* then keep the smallest most-likely set whose probability reaches top_p;
                          >= 1 (or <= 0): all */
} KrtSampler;

/* Index of the largest of logits[0..n-1] (the first on a tie; NaN never wins unless all are
 * NaN, then 0). -1 when n < 1. */
int64_t krt_sample_argmax(const float *logits, int64_t n);

/* Bytes of scratch krt_sample needs for a vocabulary of n (0 when n is out of range). */
size_t krt_sample_scratch_bytes(int64_t n);

/* Chooses a token from logits f32[n] as s says, drawing at most one number from rng (none when
 * greedy). scratch: krt_sample_scratch_bytes(n) bytes, 8-byte aligned. Returns the token, or -1
 * when n < 1 or n > INT32_MAX. NaN logits are never chosen unless every logit is NaN. */
int64_t krt_sample(const KrtSampler *s, const float *logits, int64_t n, KrtRng *rng, void *scratch);

#endif
