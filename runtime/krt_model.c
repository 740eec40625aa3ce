/* The host API of every compiled model (krt_model.h): context lifetime, weights, workspace,
 * the thread pool, a plain model's run and the status strings. Decoders: krt_model_decoder.c. */
#include "krt_model.h"

#include <stdlib.h>

#include "kiln_rt.h"
#include "krt_isa.h"

/* Every buffer the host allocates for a context comes from here: a host that keeps the
 * workspace and the KV cache in device memory replaces this function and its free. */
static void *krt_model_alloc(uint64_t bytes) {
    if (bytes > SIZE_MAX) return NULL;
    return krt_alloc_aligned((size_t)bytes);
}

/* The kernel table a new context runs (krt_isa.h); KILN_ERR_ISA when KILN_ISA is unusable. */
static int krt_model_kernels(const KrtKernels **out) {
    KrtIsa isa;
    if (krt_isa_choose(&isa) != KRT_ISA_CHOICE_OK) return KILN_ERR_ISA;
    *out = krt_kernels_of(isa);
    return KILN_OK;
}

/* krt_model_init without its refusal of device models (krt_model_create opens the device). */
static int krt_model_setup(KrtModelContext *ctx, const KrtModelTable *table, const void *weights,
                           size_t weights_bytes, void *workspace, size_t workspace_bytes) {
    if (!ctx || !table) return KILN_ERR_ARGUMENT;
    const KrtKernels *kernels;
    int status = krt_model_kernels(&kernels);
    if (status != KILN_OK) return status;
    if (!weights && table->embedded_weights) {
        weights = table->embedded_weights();
        weights_bytes = (size_t)table->weights_file_bytes;
    }
    if (!weights || (uintptr_t)weights % 8 != 0) return KILN_ERR_ARGUMENT;
    if (!krt_weights_check(weights, weights_bytes, table->payload_bytes, table->weights_hash))
        return KILN_ERR_WEIGHTS;
    if (table->workspace_bytes > 0 &&
        (!workspace || workspace_bytes < table->workspace_bytes || (uintptr_t)workspace % 8 != 0))
        return KILN_ERR_ARGUMENT;
    *ctx = (KrtModelContext){
        .table = table,
        .kernels = kernels,
        .weights = (const unsigned char *)weights + KRT_WEIGHTS_HEADER_BYTES,
        .workspace = workspace,
    };
    ctx->pool = krt_pool_init_solo(&ctx->solo, kernels);
    return KILN_OK;
}

int krt_model_init(KrtModelContext *ctx, const KrtModelTable *table, const void *weights,
                   size_t weights_bytes, void *workspace, size_t workspace_bytes) {
    if (table && table->device) return KILN_ERR_ARGUMENT;
    return krt_model_setup(ctx, table, weights, weights_bytes, workspace, workspace_bytes);
}

/* Reads the weights file of table into *out (NULL when they are embedded). */
static int krt_model_read_weights(const KrtModelTable *table, const char *path, void **out) {
    *out = NULL;
    if (table->embedded_weights) return KILN_OK;
    if (!path) return KILN_ERR_ARGUMENT;
    if (table->weights_file_bytes > SIZE_MAX) return KILN_ERR_NO_MEMORY;
    switch (krt_read_file(path, (size_t)table->weights_file_bytes, out)) {
    case KRT_LOAD_OK:
        return KILN_OK;
    case KRT_LOAD_IO:
        return KILN_ERR_IO;
    case KRT_LOAD_SIZE:
        return KILN_ERR_WEIGHTS;
    default:
        return KILN_ERR_NO_MEMORY;
    }
}

int krt_model_create(KrtModelContext **out, const KrtModelTable *table, const char *weights_path) {
    if (!out) return KILN_ERR_ARGUMENT;
    *out = NULL;
    if (!table) return KILN_ERR_ARGUMENT;
    void *weights = NULL;
    int status = krt_model_read_weights(table, weights_path, &weights);
    if (status != KILN_OK) return status;
    KrtModelContext *ctx = calloc(1, sizeof *ctx);
    void *workspace = krt_model_alloc(table->workspace_bytes);
    if (!ctx || !workspace) {
        free(ctx);
        free(workspace);
        free(weights);
        return KILN_ERR_NO_MEMORY;
    }
    status = krt_model_setup(ctx, table, weights, (size_t)table->weights_file_bytes, workspace,
                             (size_t)table->workspace_bytes);
    if (status != KILN_OK) {
        free(ctx);
        free(workspace);
        free(weights);
        return status;
    }
    ctx->owned_weights = weights;
    ctx->owned_workspace = workspace;
    if (table->device) {
        /* the device keeps the workspace arena and the KV cache; the host workspace holds
         * only the staging buffers the host API writes (prefill ids, positions, logits), and
         * no host pool runs kernels */
        ctx->pool = NULL;
        status = table->device->open(ctx);
        if (status != KILN_OK) {
            krt_model_destroy(ctx);
            return status;
        }
        *out = ctx;
        return KILN_OK;
    }
    ctx->owned_pool = krt_pool_create_with(krt_threads_default(), ctx->kernels);
    if (!ctx->owned_pool) {
        krt_model_destroy(ctx);
        return KILN_ERR_NO_MEMORY;
    }
    ctx->pool = ctx->owned_pool;
    if (table->decoder) {
        ctx->owned_kv = krt_model_alloc(table->decoder->kv_bytes);
        if (!ctx->owned_kv) {
            krt_model_destroy(ctx);
            return KILN_ERR_NO_MEMORY;
        }
        ctx->kv_cache = ctx->owned_kv;
    }
    *out = ctx;
    return KILN_OK;
}

void krt_model_destroy(KrtModelContext *ctx) {
    if (!ctx) return;
    if (ctx->device && ctx->table && ctx->table->device) ctx->table->device->close(ctx);
    krt_pool_destroy(ctx->owned_pool);
    free(ctx->owned_weights);
    free(ctx->owned_workspace);
    free(ctx->owned_kv);
    free(ctx);
}

int krt_model_attach_pool(KrtModelContext *ctx, struct KrtPool *pool) {
    if (!ctx) return KILN_ERR_ARGUMENT;
    ctx->pool = pool ? pool : krt_pool_init_solo(&ctx->solo, ctx->kernels);
    return KILN_OK;
}

int krt_model_run(KrtModelContext *ctx, const void *const *inputs, void *const *outputs) {
    if (!ctx || !ctx->table || !ctx->weights) return KILN_ERR_ARGUMENT;
    const KrtModelTable *t = ctx->table;
    if (t->decoder) {
        if (!inputs || !outputs) return KILN_ERR_ARGUMENT;
        int status = krt_model_reset(ctx);
        if (status != KILN_OK) return status;
        return krt_model_prefill(ctx, inputs[0], t->decoder->max_prefill, outputs[0]);
    }
    if ((t->n_inputs > 0 && !inputs) || (t->n_outputs > 0 && !outputs)) return KILN_ERR_ARGUMENT;
    for (int i = 0; i < t->n_inputs; i++)
        if (!inputs[i]) return KILN_ERR_ARGUMENT;
    for (int i = 0; i < t->n_outputs; i++)
        if (!outputs[i]) return KILN_ERR_ARGUMENT;
    return t->run(ctx, inputs, outputs, NULL);
}

const char *krt_model_status_string(int status) {
    switch (status) {
    case KILN_OK:
        return "ok";
    case KILN_ERR_ARGUMENT:
        return "invalid argument (a NULL pointer, or a buffer too small or misaligned)";
    case KILN_ERR_IO:
        return "the weights file could not be opened or read";
    case KILN_ERR_WEIGHTS:
        return "the weights do not belong to this model (wrong size, header or hash)";
    case KILN_ERR_NO_MEMORY:
        return "out of memory";
    case KILN_ERR_INDEX:
        return "an index input is out of range";
    case KILN_ERR_CONTEXT:
        return "the KV cache is full (max_context reached)";
    case KILN_ERR_ISA:
        return "KILN_ISA names an instruction set that is unknown (portable, avx2, avx512, neon) "
               "or that this CPU or build cannot run";
    case KILN_ERR_DEVICE:
        return "no usable GPU: the CUDA driver (libcuda.so.1) or a device is missing, or a "
               "device call failed";
    default:
        return "unknown status";
    }
}

int krt_kiln_run(void *ctx, const void *const *inputs, void *const *outputs) {
    return krt_model_run(ctx, inputs, outputs);
}

void krt_kiln_destroy(void *ctx) {
    krt_model_destroy(ctx);
}
