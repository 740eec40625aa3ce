/* Drives a compiled decoder library through its KilnDecoder (dlopen, no kiln code) and checks it
 * against the transformers reference in a model folder of tests/hf/models:
 *   1. one prefill of input_ids.npy: logits within 1e-4 x max(1, |ref|) of logits.npy;
 *   2. prefill of the first half, then decode steps: the same logits;
 *   3. greedy decoding of reference.json's prompt (prefill + argmax decode steps) gives its
 *      generated_ids exactly;
 *   4. filling the cache to max_context, then one more token: KILN_ERR_CONTEXT, position kept.
 * With --rel BOUND (a model compiled with quantized weights, docs/quantization.md) 1 and 2
 * instead check the relative error ||got - ref||_2 / ||ref||_2 <= BOUND and print it, and 3
 * prints the greedy tokens and how many match without asserting them.
 * usage: hf_decoder_check LIB.so WEIGHTS MODEL_DIR [--rel BOUND] */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln/kiln_model.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Reads an .npy file's data (after its header) into a malloc'd buffer. */
static void *npy_data(const char *path, size_t *bytes) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char head[10];
    void *data = NULL;
    if (fread(head, 1, 10, f) == 10 && memcmp(head, "\x93NUMPY", 6) == 0 && head[6] == 1) {
        long hlen = head[8] | (head[9] << 8);
        fseek(f, 0, SEEK_END);
        long end = ftell(f);
        long start = 10 + hlen;
        if (end > start) {
            *bytes = (size_t)(end - start);
            data = malloc(*bytes);
            fseek(f, start, SEEK_SET);
            if (data && fread(data, 1, *bytes, f) != *bytes) {
                free(data);
                data = NULL;
            }
        }
    }
    fclose(f);
    return data;
}

/* The integers of the JSON array after "key": in text. */
static int json_ints(const char *text, const char *key, int64_t *out, int cap) {
    const char *p = strstr(text, key);
    if (!p || !(p = strchr(p, '['))) return 0;
    int n = 0;
    for (p++; *p && *p != ']' && n < cap;) {
        char *end;
        long long v = strtoll(p, &end, 10);
        if (end == p) {
            p++;
            continue;
        }
        out[n++] = v;
        p = end;
    }
    return n;
}

static int argmax(const float *x, int64_t n) {
    int best = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = (int)i;
    return best;
}

static double rel_bound = -1.0; /* --rel BOUND; < 0: the strict elementwise tolerance */

static void compare(const float *got, const float *want, int64_t n, const char *what) {
    if (rel_bound >= 0.0) {
        double num = 0.0, den = 0.0;
        for (int64_t i = 0; i < n; i++) {
            num += ((double)got[i] - want[i]) * ((double)got[i] - want[i]);
            den += (double)want[i] * want[i];
        }
        double rel = sqrt(num) / (den > 0.0 ? sqrt(den) : 1.0);
        printf("%s: logits relative error %.3e (bound %.3e)\n", what, rel, rel_bound);
        CHECK(rel <= rel_bound, "%s: logits relative error %.3e exceeds %.3e", what, rel,
              rel_bound);
        return;
    }
    double worst = 0.0;
    for (int64_t i = 0; i < n; i++) {
        double tol = 1e-4 * fmax(1.0, fabs(want[i]));
        double err = fabs(got[i] - want[i]);
        if (!(err <= tol) && err / tol > worst) worst = err / tol;
    }
    CHECK(worst == 0.0, "%s: logits differ, worst error %.3g x tolerance", what, worst);
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[4], "--rel") == 0) rel_bound = atof(argv[5]);
    if (argc != 4 && !(argc == 6 && rel_bound >= 0.0)) {
        fprintf(stderr, "usage: %s LIB.so WEIGHTS MODEL_DIR [--rel BOUND]\n", argv[0]);
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    const KilnModel *m = dlsym(h, "kiln_model");
    if (!m || !m->decoder) {
        fprintf(stderr, "%s: no decoder descriptor\n", argv[1]);
        return 1;
    }
    const KilnDecoder *dec = m->decoder;
    int64_t V = dec->vocab_size;
    void *ctx = NULL;
    if (m->create(&ctx, argv[2]) != KILN_OK) {
        fprintf(stderr, "create failed\n");
        return 1;
    }
    char path[4096];
    size_t ids_bytes = 0, ref_bytes = 0, json_bytes = 0;
    snprintf(path, sizeof path, "%s/input_ids.npy", argv[3]);
    int64_t *ids = npy_data(path, &ids_bytes);
    snprintf(path, sizeof path, "%s/logits.npy", argv[3]);
    float *ref = npy_data(path, &ref_bytes);
    snprintf(path, sizeof path, "%s/reference.json", argv[3]);
    FILE *jf = fopen(path, "rb");
    char *json = calloc(1 << 20, 1);
    if (jf) json_bytes = fread(json, 1, (1 << 20) - 1, jf), fclose(jf);
    if (!ids || !ref || !json_bytes) {
        fprintf(stderr, "%s: cannot read the reference data\n", argv[3]);
        return 1;
    }
    int64_t n = (int64_t)(ids_bytes / 8);
    CHECK(ref_bytes == (size_t)(n * V) * 4, "logits.npy size");
    float *logits = calloc((size_t)(n * V), sizeof(float));

    /* 1. one-shot prefill */
    if (n <= dec->max_prefill) {
        CHECK(dec->reset(ctx) == KILN_OK, "reset");
        CHECK(dec->prefill(ctx, ids, n, logits) == KILN_OK, "prefill of %lld", (long long)n);
        compare(logits, ref, n * V, "one-shot prefill");
        CHECK(dec->position(ctx) == n, "position after prefill");
    }
    /* 2. prefill half, decode the rest */
    int64_t half = n / 2;
    CHECK(dec->reset(ctx) == KILN_OK && dec->position(ctx) == 0, "reset");
    CHECK(dec->prefill(ctx, ids, half, logits) == KILN_OK, "prefill of the first half");
    for (int64_t i = half; i < n; i++)
        CHECK(dec->decode(ctx, ids[i], logits + i * V) == KILN_OK, "decode step %lld",
              (long long)i);
    compare(logits, ref, n * V, "prefill + decode");

    /* 3. greedy generation */
    int64_t prompt[64], want[64];
    int np = json_ints(json, "\"prompt_ids\"", prompt, 64);
    int ng = json_ints(json, "\"generated_ids\"", want, 64);
    CHECK(np > 0 && ng > 0, "reference.json prompt and generation");
    float *step = calloc((size_t)(np * V), sizeof(float));
    CHECK(dec->reset(ctx) == KILN_OK, "reset");
    CHECK(dec->prefill(ctx, prompt, np, step) == KILN_OK, "prompt prefill");
    int64_t tok = argmax(step + (np - 1) * V, V);
    int matched = 0;
    for (int i = 0; i < ng; i++) {
        if (tok == want[i]) matched++;
        if (rel_bound >= 0.0) printf("%s%lld", i ? " " : "greedy tokens: ", (long long)tok);
        CHECK(rel_bound >= 0.0 || tok == want[i], "greedy token %d: got %lld, want %lld", i,
              (long long)tok, (long long)want[i]);
        if (i + 1 < ng) {
            CHECK(dec->decode(ctx, tok, step) == KILN_OK, "decode");
            tok = argmax(step, V);
        }
    }
    if (rel_bound >= 0.0) putchar('\n');
    printf("%s: greedy %d/%d tokens match\n", argv[3], matched, ng);

    /* 4. capacity */
    CHECK(dec->reset(ctx) == KILN_OK, "reset");
    int64_t pos = 0;
    while (pos < dec->max_context) {
        int64_t k =
            dec->max_context - pos < dec->max_prefill ? dec->max_context - pos : dec->max_prefill;
        int64_t *toks = calloc((size_t)k, sizeof *toks);
        float *lg = calloc((size_t)(k * V), sizeof *lg);
        CHECK(dec->prefill(ctx, toks, k, lg) == KILN_OK, "filling the cache");
        free(toks);
        free(lg);
        pos += k;
    }
    CHECK(dec->position(ctx) == dec->max_context, "full cache position");
    CHECK(dec->decode(ctx, 1, step) == KILN_ERR_CONTEXT, "decode past the capacity");
    CHECK(dec->prefill(ctx, prompt, 1, step) == KILN_ERR_CONTEXT, "prefill past the capacity");
    CHECK(dec->position(ctx) == dec->max_context, "position unchanged after KILN_ERR_CONTEXT");
    CHECK(dec->reset(ctx) == KILN_OK && dec->prefill(ctx, prompt, 0, step) == KILN_ERR_ARGUMENT,
          "empty prefill");

    m->destroy(ctx);
    free(step);
    free(logits);
    free(ids);
    free(ref);
    free(json);
    dlclose(h);
    if (failures) fprintf(stderr, "%d failures\n", failures);
    return failures ? 1 : 0;
}
