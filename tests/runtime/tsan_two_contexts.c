/* Two threads, two contexts of one compiled model, under ThreadSanitizer
 * (tests/runtime/test_tsan_contexts.sh builds this with the model's generated sources and
 * -fsanitize=thread). The contexts share one read-only copy of the weights; each has its own
 * workspace, KV cache and a pool of two worker threads. Each thread runs the model ROUNDS times
 * (a plain model: run() on fixed inputs; a decoder: reset, prefill, then decode steps) and its
 * outputs must equal, bit for bit, those of one context run alone first. A data race between
 * the contexts, or inside a pool, is a TSan report and a non-zero exit.
 *
 * Built with -DKM_PREFIX=<prefix> -DKM_HEADER='"<prefix>.h"'; argv[1] is the weights file. */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include KM_HEADER
#include "krt_threads.h"

#define KM_CAT2(a, b) a##b
#define KM_CAT(a, b) KM_CAT2(a, b)
#define KM(name) KM_CAT(KM_PREFIX, name)

enum { ROUNDS = 3, PROMPT = 5, STEPS = 3 };

extern const KilnModel kiln_model;

typedef struct Worker {
    KrtModelContext ctx;
    void *workspace, *kv;
    KrtPool *pool;
    void **inputs, **outputs; /* plain models: one buffer per tensor */
    float *logits;            /* decoders: f32[PROMPT + STEPS, vocab] */
    int status;
} Worker;

static const void *weights;
static size_t weights_bytes;

static void *alloc_aligned(size_t bytes) {
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0) return NULL;
    memset(p, 0, bytes ? bytes : 64);
    return p;
}

static int worker_setup(Worker *w) {
    memset(w, 0, sizeof *w);
    w->workspace = alloc_aligned((size_t)kiln_model.workspace_bytes);
    w->pool = krt_pool_create(2);
    if (!w->workspace || !w->pool) return KILN_ERR_NO_MEMORY;
    int s = KM(_init)(&w->ctx, weights, weights_bytes, w->workspace,
                      (size_t)kiln_model.workspace_bytes);
    if (s == KILN_OK) s = KM(_attach_pool)(&w->ctx, w->pool);
    if (s != KILN_OK) return s;
    const KilnDecoder *dec = kiln_model.decoder;
    if (dec) {
        w->kv = alloc_aligned((size_t)dec->kv_bytes);
        w->logits = calloc((size_t)((PROMPT + STEPS) * dec->vocab_size), sizeof *w->logits);
        if (!w->kv || !w->logits) return KILN_ERR_NO_MEMORY;
        return krt_model_attach_kv(&w->ctx, w->kv, (size_t)dec->kv_bytes);
    }
    w->inputs = calloc((size_t)kiln_model.n_inputs + 1, sizeof *w->inputs);
    w->outputs = calloc((size_t)kiln_model.n_outputs + 1, sizeof *w->outputs);
    if (!w->inputs || !w->outputs) return KILN_ERR_NO_MEMORY;
    for (int i = 0; i < kiln_model.n_inputs; i++) {
        const KilnTensorInfo *t = &kiln_model.inputs[i];
        unsigned char *p = alloc_aligned((size_t)t->bytes);
        if (!p) return KILN_ERR_NO_MEMORY;
        /* float inputs get small varied values; integer inputs (indices) stay 0 */
        if (t->dtype == KILN_DTYPE_F32)
            for (uint64_t e = 0; e < t->bytes / 4; e++)
                ((float *)p)[e] = (float)(e % 7) * 0.25f - 0.5f;
        w->inputs[i] = p;
    }
    for (int i = 0; i < kiln_model.n_outputs; i++) {
        w->outputs[i] = alloc_aligned((size_t)kiln_model.outputs[i].bytes);
        if (!w->outputs[i]) return KILN_ERR_NO_MEMORY;
    }
    return KILN_OK;
}

static void worker_free(Worker *w) {
    if (w->pool) krt_pool_destroy(w->pool);
    free(w->workspace);
    free(w->kv);
    free(w->logits);
    for (int i = 0; w->inputs && i < kiln_model.n_inputs; i++) free(w->inputs[i]);
    for (int i = 0; w->outputs && i < kiln_model.n_outputs; i++) free(w->outputs[i]);
    free(w->inputs);
    free(w->outputs);
}

/* One round: the whole model once. */
static int worker_round(Worker *w) {
    const KilnDecoder *dec = kiln_model.decoder;
    if (!dec) return kiln_model.run(&w->ctx, (const void *const *)w->inputs, w->outputs);
    int64_t tokens[PROMPT];
    for (int i = 0; i < PROMPT; i++) tokens[i] = (i * 7 + 3) % dec->vocab_size;
    int s = dec->reset(&w->ctx);
    if (s == KILN_OK) s = dec->prefill(&w->ctx, tokens, PROMPT, w->logits);
    for (int i = 0; i < STEPS && s == KILN_OK; i++)
        s = dec->decode(&w->ctx, (i * 5 + 1) % dec->vocab_size,
                        w->logits + (size_t)(PROMPT + i) * (size_t)dec->vocab_size);
    return s;
}

static void *worker_main(void *arg) {
    Worker *w = arg;
    for (int r = 0; r < ROUNDS && w->status == KILN_OK; r++) w->status = worker_round(w);
    return NULL;
}

/* Whether w's outputs equal ref's bit for bit. */
static int same_outputs(const Worker *w, const Worker *ref) {
    const KilnDecoder *dec = kiln_model.decoder;
    if (dec)
        return memcmp(w->logits, ref->logits,
                      sizeof *w->logits * (size_t)((PROMPT + STEPS) * dec->vocab_size)) == 0;
    for (int i = 0; i < kiln_model.n_outputs; i++)
        if (memcmp(w->outputs[i], ref->outputs[i], (size_t)kiln_model.outputs[i].bytes) != 0)
            return 0;
    return 1;
}

static void *read_weights(const char *path, size_t *bytes) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *p = n > 0 ? alloc_aligned((size_t)n) : NULL;
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *bytes = (size_t)n;
    return p;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s WEIGHTS_FILE\n", argv[0]);
        return 2;
    }
    void *owned = read_weights(argv[1], &weights_bytes);
    if (!owned) {
        fprintf(stderr, "%s: cannot read the weights\n", argv[1]);
        return 1;
    }
    weights = owned;
    Worker ref, w[2];
    int s = worker_setup(&ref);
    if (s == KILN_OK) s = worker_round(&ref);
    for (int i = 0; i < 2 && s == KILN_OK; i++) s = worker_setup(&w[i]);
    if (s != KILN_OK) {
        fprintf(stderr, "setup failed: %s\n", kiln_model.status_string(s));
        return 1;
    }
    pthread_t t[2];
    for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, worker_main, &w[i]);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    int failed = 0;
    for (int i = 0; i < 2; i++) {
        if (w[i].status != KILN_OK) {
            fprintf(stderr, "context %d: %s\n", i, kiln_model.status_string(w[i].status));
            failed = 1;
        } else if (!same_outputs(&w[i], &ref)) {
            fprintf(stderr, "context %d: outputs differ from a context run alone\n", i);
            failed = 1;
        }
    }
    printf("%s: 2 contexts x %d rounds on 2 threads each (%s): %s\n", kiln_model.name, ROUNDS,
           kiln_model.decoder ? "prefill + decode" : "run", failed ? "FAILED" : "same outputs");
    worker_free(&ref);
    for (int i = 0; i < 2; i++) worker_free(&w[i]);
    free(owned);
    return failed;
}
