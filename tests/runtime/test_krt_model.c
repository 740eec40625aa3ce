/* The runtime's host API (krt_model.h) against hand-written model tables, with no generated
 * code in between: weights checks (magic, size, hash, alignment), workspace checks, run's
 * argument checks, embedded weights, create from a file (missing, wrong size, right), and a
 * decoder's prefill/decode bookkeeping: padding, positions, KV state, capacity and index
 * errors, reset, attach_kv, and decoder calls on a plain model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_rt.h"
#include "krt_model.h"
#include "test_util.h"

#define PAYLOAD 64 /* one weight payload of 16 floats */
#define HASH UINT64_C(0x0123456789abcdef)

static void store_u64le(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

/* A weights file: the 64-byte header (kiln_rt.h) then PAYLOAD bytes of floats 0, 1, 2, ... */
static _Alignas(64) unsigned char weights_file[KRT_WEIGHTS_HEADER_BYTES + PAYLOAD];

static void make_weights(void) {
    memset(weights_file, 0, sizeof weights_file);
    memcpy(weights_file, "KILNWTS1", 8);
    weights_file[8] = KRT_WEIGHTS_VERSION;
    store_u64le(weights_file + 16, PAYLOAD);
    store_u64le(weights_file + 24, HASH);
    for (int i = 0; i < PAYLOAD / 4; i++) {
        float v = (float)i;
        memcpy(weights_file + KRT_WEIGHTS_HEADER_BYTES + 4 * i, &v, 4);
    }
}

static const unsigned char *embedded(void) {
    return weights_file;
}

/* The plain "model": y[4] = x[4] + w[0..4) through the workspace. */
static int plain_run(KrtModelContext *ctx, const void *const *inputs, void *const *outputs,
                     const KrtKvState *kv) {
    const float *x = inputs[0], *w = (const float *)(const void *)ctx->weights;
    float *tmp = (float *)(void *)ctx->workspace, *y = outputs[0];
    CHECK(kv == NULL);
    for (int i = 0; i < 4; i++) tmp[i] = x[i] + w[i];
    memcpy(y, tmp, sizeof(float) * 4);
    return KILN_OK;
}

static const KrtModelTable plain = {
    PAYLOAD, HASH, sizeof weights_file, 16 * 4, NULL, 1, 1, plain_run, NULL, NULL,
};
static const KrtModelTable plain_embedded = {
    PAYLOAD, HASH, sizeof weights_file, 16 * 4, embedded, 1, 1, plain_run, NULL, NULL,
};

static void test_init_and_run(void) {
    _Alignas(64) unsigned char ws[256];
    KrtModelContext ctx;
    CHECK(krt_model_init(NULL, &plain, weights_file, sizeof weights_file, ws, 64) ==
          KILN_ERR_ARGUMENT);
    CHECK(krt_model_init(&ctx, &plain, NULL, 0, ws, 64) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_init(&ctx, &plain, weights_file + 4, sizeof weights_file - 4, ws, 64) ==
          KILN_ERR_ARGUMENT); /* misaligned */
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file - 1, ws, 64) ==
          KILN_ERR_WEIGHTS); /* short */
    const KrtModelTable other = {PAYLOAD, HASH + 1, sizeof weights_file, 64,   NULL,
                                 1,       1,        plain_run,           NULL, NULL};
    CHECK(krt_model_init(&ctx, &other, weights_file, sizeof weights_file, ws, 64) ==
          KILN_ERR_WEIGHTS); /* another model's hash */
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file, ws, 63) ==
          KILN_ERR_ARGUMENT); /* workspace too small */
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file, ws + 4, 64) ==
          KILN_ERR_ARGUMENT); /* workspace misaligned */
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file, ws, 64) == KILN_OK);

    float x[4] = {10, 20, 30, 40}, y[4] = {0};
    const void *in[1] = {x}, *in_null[1] = {NULL};
    void *out[1] = {y};
    CHECK(krt_model_run(&ctx, in_null, out) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_run(&ctx, NULL, out) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_run(NULL, in, out) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_run(&ctx, in, out) == KILN_OK);
    CHECK(y[0] == 10 && y[1] == 21 && y[2] == 32 && y[3] == 43);
    CHECK(krt_kiln_run(&ctx, in, out) == KILN_OK);
    /* a plain model has no KV cache */
    float logits[4];
    CHECK(krt_model_prefill(&ctx, (const int64_t[]){1}, 1, logits) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_decode(&ctx, 1, logits) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_reset(&ctx) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_attach_kv(&ctx, ws, sizeof ws) == KILN_ERR_ARGUMENT);

    /* embedded weights: NULL weights take the table's */
    CHECK(krt_model_init(&ctx, &plain_embedded, NULL, 0, ws, 64) == KILN_OK);
    CHECK(krt_model_run(&ctx, in, out) == KILN_OK && y[3] == 43);
}

static void test_create(void) {
    const char *dir = test_tmpdir("krt_model");
    char path[4096], short_path[4096];
    snprintf(path, sizeof path, "%s/m.weights", dir);
    snprintf(short_path, sizeof short_path, "%s/short.weights", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(weights_file, 1, sizeof weights_file, f) == sizeof weights_file);
    if (f) fclose(f);
    f = fopen(short_path, "wb");
    CHECK(f && fwrite(weights_file, 1, 10, f) == 10);
    if (f) fclose(f);

    KrtModelContext *ctx = (KrtModelContext *)(uintptr_t)1;
    CHECK(krt_model_create(NULL, &plain, path) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_create(&ctx, &plain, NULL) == KILN_ERR_ARGUMENT && ctx == NULL);
    CHECK(krt_model_create(&ctx, &plain, "/nonexistent/m.weights") == KILN_ERR_IO);
    CHECK(krt_model_create(&ctx, &plain, short_path) == KILN_ERR_WEIGHTS && ctx == NULL);
    CHECK(krt_model_create(&ctx, &plain, path) == KILN_OK && ctx != NULL);
    float x[4] = {1, 1, 1, 1}, y[4] = {0};
    const void *in[1] = {x};
    void *out[1] = {y};
    CHECK(krt_model_run(ctx, in, out) == KILN_OK && y[2] == 3);
    CHECK(krt_model_attach_pool(ctx, NULL) == KILN_OK && krt_model_run(ctx, in, out) == KILN_OK);
    krt_model_destroy(ctx);
    krt_model_destroy(NULL);
    /* embedded: the path is ignored */
    CHECK(krt_model_create(&ctx, &plain_embedded, NULL) == KILN_OK);
    krt_kiln_destroy(ctx);
}

/* The decoder "model": vocab 8, capacity 6, prefill rows 3. Each entry checks what the host
 * passed and writes logits[r][j] = ids[r] * 100 + positions[r] + j; it also writes the token
 * into the KV cache at its position so the test can see what reached the cache. */
enum { VOCAB = 8, CAPACITY = 6, PREFILL = 3 };

static int decoder_entry(const void *const *inputs, void *const *outputs, const KrtKvState *kv,
                         int64_t rows) {
    const int64_t *ids = inputs[0], *pos = inputs[1];
    float *logits = outputs[0];
    CHECK(kv != NULL && kv->capacity == CAPACITY && kv->rows >= 1 && kv->rows <= rows);
    for (int64_t r = 0; r < rows; r++) {
        if (r < kv->rows) {
            CHECK(pos[r] == kv->pos + r);
            kv->cache[pos[r]] = (float)ids[r];
        } else {
            CHECK(ids[r] == 0 && pos[r] == kv->pos); /* padding */
        }
        for (int j = 0; j < VOCAB; j++) logits[r * VOCAB + j] = (float)(ids[r] * 100 + pos[r] + j);
    }
    return KILN_OK;
}

static int prefill_entry(KrtModelContext *ctx, const void *const *inputs, void *const *outputs,
                         const KrtKvState *kv) {
    (void)ctx;
    return decoder_entry(inputs, outputs, kv, PREFILL);
}

static int decode_entry(KrtModelContext *ctx, const void *const *inputs, void *const *outputs,
                        const KrtKvState *kv) {
    (void)ctx;
    return decoder_entry(inputs, outputs, kv, 1);
}

/* workspace: logits f32[3, 8] at 0 (96 bytes), ids at 128, positions at 192 */
static const KrtDecoderTable dec_table = {
    VOCAB, CAPACITY, PREFILL, 4, 4 * CAPACITY, 1, 2, 128, 192, 0, prefill_entry, decode_entry,
};
static const KrtModelTable decoder = {
    PAYLOAD, HASH, sizeof weights_file, 256, NULL, 0, 0, NULL, &dec_table, NULL,
};

static void test_decoder(void) {
    _Alignas(64) unsigned char ws[256];
    _Alignas(64) float kv[CAPACITY];
    KrtModelContext ctx;
    CHECK(krt_model_init(&ctx, &decoder, weights_file, sizeof weights_file, ws, 256) == KILN_OK);
    float logits[PREFILL * VOCAB];
    const int64_t toks[4] = {5, 6, 7, 1};
    CHECK(krt_model_prefill(&ctx, toks, 2, logits) == KILN_ERR_ARGUMENT); /* no cache yet */
    CHECK(krt_model_attach_kv(&ctx, kv, sizeof kv - 1) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_attach_kv(&ctx, kv, sizeof kv) == KILN_OK);
    CHECK(krt_model_prefill(&ctx, toks, 0, logits) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_prefill(&ctx, toks, 4, logits) == KILN_ERR_ARGUMENT); /* > max_prefill */
    CHECK(krt_model_prefill(&ctx, (const int64_t[]){3, VOCAB}, 2, logits) == KILN_ERR_INDEX);
    CHECK(krt_model_prefill(&ctx, (const int64_t[]){-1}, 1, logits) == KILN_ERR_INDEX);
    CHECK(krt_model_position(&ctx) == 0);

    CHECK(krt_model_prefill(&ctx, toks, 2, logits) == KILN_OK);
    CHECK(krt_model_position(&ctx) == 2);
    CHECK(logits[0] == 500 && logits[VOCAB + 3] == 601 + 3); /* row 1: id 6 at position 1 */
    CHECK(kv[0] == 5 && kv[1] == 6);
    CHECK(krt_model_decode(&ctx, VOCAB, logits) == KILN_ERR_INDEX);
    CHECK(krt_model_decode(&ctx, 7, NULL) == KILN_ERR_ARGUMENT);
    CHECK(krt_model_decode(&ctx, 7, logits) == KILN_OK && logits[1] == 702 + 1);
    CHECK(krt_kiln_prefill(&ctx, toks, 3, logits) == KILN_OK); /* positions 3, 4, 5: full */
    CHECK(krt_kiln_position(&ctx) == CAPACITY && kv[5] == 7);
    CHECK(krt_kiln_decode(&ctx, 1, logits) == KILN_ERR_CONTEXT);
    CHECK(krt_model_position(&ctx) == CAPACITY); /* unchanged */
    CHECK(krt_kiln_reset(&ctx) == KILN_OK && krt_model_position(&ctx) == 0);
    CHECK(krt_model_prefill(&ctx, toks, 3, logits) == KILN_OK);
    CHECK(krt_model_prefill(&ctx, toks, 3, logits) == KILN_OK);
    CHECK(krt_model_prefill(&ctx, toks, 1, logits) == KILN_ERR_CONTEXT);
    /* run() on a decoder: reset, then a prefill of all max_prefill tokens */
    const void *in[1] = {toks};
    void *out[1] = {logits};
    CHECK(krt_model_run(&ctx, in, out) == KILN_OK && krt_model_position(&ctx) == PREFILL);
    CHECK(logits[2 * VOCAB] == 702);
    CHECK(krt_model_position(NULL) == 0);
}

/* KILN_ISA: an unknown name or an ISA this CPU lacks fails init and create with KILN_ERR_ISA;
 * a supported one is the context's table, and the pool create starts runs it. */
static void test_isa(void) {
    _Alignas(64) unsigned char ws[64];
    KrtModelContext ctx;
    setenv("KILN_ISA", "frob", 1);
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file, ws, 64) == KILN_ERR_ISA);
    KrtModelContext *made = NULL;
    CHECK(krt_model_create(&made, &plain_embedded, NULL) == KILN_ERR_ISA && made == NULL);
    for (int i = 0; i < KRT_ISA_COUNT; i++) {
        setenv("KILN_ISA", krt_isa_name((KrtIsa)i), 1);
        if (!krt_isa_supported((KrtIsa)i)) {
            CHECK(krt_model_create(&made, &plain_embedded, NULL) == KILN_ERR_ISA && !made);
            continue;
        }
        CHECK(krt_model_create(&made, &plain_embedded, NULL) == KILN_OK && made);
        if (!made) continue;
        CHECK(made->kernels == krt_kernels_of((KrtIsa)i));
        CHECK(krt_pool_kernels(made->pool) == made->kernels);
        krt_model_destroy(made);
        made = NULL;
    }
    unsetenv("KILN_ISA");
    CHECK(krt_model_init(&ctx, &plain, weights_file, sizeof weights_file, ws, 64) == KILN_OK);
    CHECK(ctx.kernels == krt_kernels_of(krt_isa_best()));
    /* without threads the context runs its table on its own one-thread pool, no scratch */
    CHECK(ctx.pool && krt_pool_kernels(ctx.pool) == ctx.kernels);
    CHECK(krt_pool_threads(ctx.pool) == 1 && krt_pool_scratch(ctx.pool, 0) == NULL);
    KrtPool *two = krt_pool_create_with(2, &krt_kernels_portable);
    CHECK(krt_model_attach_pool(&ctx, two) == KILN_OK && ctx.pool == two);
    CHECK(krt_model_attach_pool(&ctx, NULL) == KILN_OK &&
          krt_pool_kernels(ctx.pool) == ctx.kernels);
    CHECK(krt_pool_threads(ctx.pool) == 1);
    krt_pool_destroy(two);
}

/* A device model's hooks (KrtDeviceOps): open is called by create after the weights check and
 * its status returned; close by destroy. The state is a counter of opens minus closes. */
typedef struct FakeDevice {
    int open_status, live;
} FakeDevice;
static FakeDevice fake = {KILN_OK, 0};

static int fake_open(KrtModelContext *ctx) {
    if (fake.open_status != KILN_OK) return fake.open_status;
    fake.live++;
    ctx->device = &fake;
    return KILN_OK;
}

static void fake_close(KrtModelContext *ctx) {
    CHECK(ctx->device == &fake);
    fake.live--;
}

static const KrtDeviceOps fake_ops = {fake_open, fake_close};
static const KrtModelTable on_device = {
    PAYLOAD, HASH, sizeof weights_file, 16 * 4, embedded, 1, 1, plain_run, NULL, &fake_ops,
};

static void test_device(void) {
    _Alignas(64) unsigned char ws[64];
    KrtModelContext ctx;
    /* init cannot allocate device memory: only create opens a device model */
    CHECK(krt_model_init(&ctx, &on_device, NULL, 0, ws, sizeof ws) == KILN_ERR_ARGUMENT);
    KrtModelContext *c = (KrtModelContext *)(uintptr_t)1;
    fake.open_status = KILN_ERR_DEVICE;
    CHECK(krt_model_create(&c, &on_device, NULL) == KILN_ERR_DEVICE && c == NULL);
    CHECK(fake.live == 0);
    fake.open_status = KILN_OK;
    CHECK(krt_model_create(&c, &on_device, NULL) == KILN_OK && c && c->device == &fake);
    CHECK(fake.live == 1 && c->pool == NULL); /* no host thread pool for a device model */
    krt_model_destroy(c);
    CHECK(fake.live == 0);
}

static void test_status_strings(void) {
    const char *seen[KILN_ERR_DEVICE + 1] = {0};
    for (int s = KILN_OK; s <= KILN_ERR_DEVICE; s++) {
        seen[s] = krt_model_status_string(s);
        CHECK(seen[s] && *seen[s] && strcmp(seen[s], "unknown status") != 0);
        for (int t = 0; t < s; t++) CHECK(strcmp(seen[s], seen[t]) != 0);
    }
    CHECK(strcmp(krt_model_status_string(99), "unknown status") == 0);
}

int main(void) {
    make_weights();
    test_init_and_run();
    test_create();
    test_decoder();
    test_isa();
    test_device();
    test_status_strings();
    return test_finish();
}
