/* kiln_model.h: the generic descriptor every library compiled by kiln exports.
 *
 * A compiled model's own header (<name>.h) gives a typed API. This header gives the same model
 * through one symbol, `kiln_model`, of type KilnModel, so that tools (`kiln run`), tests and
 * other languages can drive any compiled model without knowing it in advance:
 *
 *     const KilnModel *m = dlsym(handle, "kiln_model");
 *     void *ctx;
 *     if (m->create(&ctx, "dir/mlp.weights") != KILN_OK) ...
 *     m->run(ctx, inputs, outputs);   // arrays of m->n_inputs / m->n_outputs buffers
 *     m->destroy(ctx);
 *
 * kiln copies this file into every generated folder as kiln_model.h. It depends only on the C
 * standard library. */
#ifndef KILN_MODEL_H
#define KILN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#define KILN_MODEL_ABI_VERSION 2

/* Status codes returned by every generated entry point. */
enum {
    KILN_OK = 0,
    KILN_ERR_ARGUMENT = 1,  /* a NULL pointer or a too-small buffer was passed */
    KILN_ERR_IO = 2,        /* the weights file could not be opened or read */
    KILN_ERR_WEIGHTS = 3,   /* the weights file is not the one this code was generated with */
    KILN_ERR_NO_MEMORY = 4, /* a convenience allocation (create) failed */
    KILN_ERR_INDEX = 5,     /* an index input (Gather) is out of range */
    KILN_ERR_CONTEXT = 6,   /* a decoder's KV cache is full: the call would pass max_context */
    KILN_ERR_ISA = 7,       /* KILN_ISA names an instruction set unknown or this CPU lacks */
    KILN_ERR_DEVICE = 8,    /* a GPU model: no usable driver or device, or a device call failed */
};

/* Element types, numbered as kiln's IR numbers them. */
enum {
    KILN_DTYPE_F32 = 0,
    KILN_DTYPE_F16 = 1,
    KILN_DTYPE_BF16 = 2,
    KILN_DTYPE_F64 = 3,
    KILN_DTYPE_I8 = 4,
    KILN_DTYPE_U8 = 5,
    KILN_DTYPE_I32 = 6,
    KILN_DTYPE_I64 = 7,
    KILN_DTYPE_BOOL = 8,
};

/* One input or output: a dense row-major tensor of static shape. */
typedef struct KilnTensorInfo {
    const char *name; /* the model's name for it (any bytes but NUL) */
    int dtype;        /* KILN_DTYPE_* */
    int rank;
    const int64_t *dims; /* rank entries */
    uint64_t bytes;      /* element count x element size */
} KilnTensorInfo;

/* What a compiled decoder LLM adds: prefill and decode over a KV cache of static capacity that
 * lives in the context (allocated by create()). The context tracks the position (tokens in the
 * cache); calls never write past max_context and return KILN_ERR_CONTEXT instead. */
typedef struct KilnDecoder {
    int64_t vocab_size;
    int64_t max_context;         /* KV cache capacity in tokens */
    int64_t max_prefill;         /* most tokens one prefill call takes */
    uint64_t kv_bytes_per_token; /* KV cache bytes one token takes, all layers */
    uint64_t kv_bytes;           /* kv_bytes_per_token x max_context */
    int64_t bos_token_id;        /* from generation_config.json; -1 when none */
    int64_t eos_token_id;        /* -1 when none */
    /* Empties the KV cache (position 0). */
    int (*reset)(void *ctx);
    /* Appends tokens[0..n-1] (1 <= n <= max_prefill) at the current position and writes
     * logits f32[n, vocab_size]. */
    int (*prefill)(void *ctx, const int64_t *tokens, int64_t n, float *logits);
    /* Appends one token and writes its logits f32[vocab_size]. */
    int (*decode)(void *ctx, int64_t token, float *logits);
    /* Tokens currently in the cache. */
    int64_t (*position)(const void *ctx);
} KilnDecoder;

typedef struct KilnModel {
    uint32_t abi_version; /* KILN_MODEL_ABI_VERSION */
    const char *name;     /* the model's name */
    int n_inputs;
    const KilnTensorInfo *inputs;
    int n_outputs;
    const KilnTensorInfo *outputs;
    uint64_t weights_bytes;   /* bytes of weight data */
    uint64_t workspace_bytes; /* bytes of scratch memory one run needs */
    int weights_embedded;     /* 1: weights are compiled in and create() ignores the path */
    const char *weights_file; /* file name the weights were written to, e.g. "mlp.weights" */

    /* Allocates a context (and its workspace) and loads the weights from weights_path. */
    int (*create)(void **ctx, const char *weights_path);
    /* inputs[i] points to n_inputs buffers of inputs[i].bytes; outputs likewise. */
    int (*run)(void *ctx, const void *const *inputs, void *const *outputs);
    void (*destroy)(void *ctx);
    /* A short English description of a status code. */
    const char *(*status_string)(int status);
    /* Decoder LLMs only (NULL otherwise). For them, inputs[0] is 'input_ids' i64[max_prefill]
     * and outputs[0] 'logits' f32[max_prefill, vocab]; run() is not the way to drive them:
     * use reset/prefill/decode. */
    const KilnDecoder *decoder;
} KilnModel;

#endif
