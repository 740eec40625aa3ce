/* krt_model.h: the host API every compiled model shares, written once in the runtime.
 *
 * A backend emits, per model, a const KrtModelTable: the buffer sizes, the weights' checksum,
 * the KV cache layout and the entries as functions that run the model's nodes. Everything a
 * host does with that table lives here: checking and attaching weights, allocating the
 * workspace, the KV cache and the thread pool, validating arguments, padding a prefill and
 * keeping the position, mapping failures to KILN_* status codes. The generated <name>.h keeps
 * its typed API (<name>_init, _run, _prefill, ...) as one-line wrappers of these functions.
 *
 * Memory the host allocates goes through krt_model_alloc (krt_model.c), the one place a host
 * for device memory replaces. Like the rest of the runtime there are no mutable globals: two
 * threads may run two contexts at once, never one context from two threads. */
#ifndef KILN_KRT_MODEL_H
#define KILN_KRT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "kiln_model.h"
#include "krt_llm.h"
#include "krt_threads.h"

#ifdef __cplusplus
extern "C" {
#endif

struct KrtPool;    /* krt_threads.h */
struct KrtKernels; /* krt_isa.h */
typedef struct KrtModelContext KrtModelContext;

/* One entry of a compiled model: runs its nodes on inputs[i] / outputs[i] (the entry's
 * parameters in the order the table documents) with the weights, workspace and pool of ctx.
 * kv is the cache state of a decoder's call (NULL for plain models). Returns KILN_OK or the
 * first failing node's status (KILN_ERR_INDEX). */
typedef int (*KrtEntryFn)(KrtModelContext *ctx, const void *const *inputs, void *const *outputs,
                          const KrtKvState *kv);

/* What a decoder LLM adds to its table (docs/llm.md). The KV cache holds, per layer, keys then
 * values, each [max_context, kv_heads, head_dim] f32 (f16 or bf16 when compiled with --kv),
 * layer after layer. */
typedef struct KrtDecoderTable {
    int64_t vocab;       /* logits per token */
    int64_t max_context; /* KV cache capacity, tokens */
    int64_t max_prefill; /* the prefill entry's row count P: most tokens per prefill call */
    uint64_t kv_bytes_per_token;
    uint64_t kv_bytes;                  /* kv_bytes_per_token x max_context */
    int64_t bos_token_id, eos_token_id; /* -1 when none */
    /* Workspace byte offsets (64-byte aligned) of the prefill's staging buffers: token ids
     * i64[P] and positions i64[P] the runtime pads from the caller's n tokens, and the logits
     * f32[P, vocab] the entry writes, of which the caller gets the first n rows. */
    uint64_t ids_offset, positions_offset, logits_offset;
    /* prefill: inputs {ids i64[P], positions i64[P]}, outputs {logits f32[P, vocab]};
     * decode: inputs {ids i64[1], positions i64[1]}, outputs {logits f32[1, vocab]}. */
    KrtEntryFn prefill, decode;
} KrtDecoderTable;

/* A model whose entries run on a device (the CUDA backend, runtime/cuda/): krt_model_create
 * calls open after the weights are checked, to make the device state (KrtModelContext.device:
 * device copies of the weights, the workspace and the KV cache, whose device address it puts
 * in kv_cache), and krt_model_destroy calls close. Such a model has no _init (it allocates)
 * and no host KV cache or thread pool. open returns KILN_OK or a KILN_ERR_* code
 * (KILN_ERR_DEVICE: no usable driver or device). */
typedef struct KrtDeviceOps {
    int (*open)(KrtModelContext *ctx);
    void (*close)(KrtModelContext *ctx);
} KrtDeviceOps;

typedef struct KrtModelTable {
    uint64_t payload_bytes;      /* weight payload after the 64-byte header */
    uint64_t weights_hash;       /* the header's checksum of layout and data */
    uint64_t weights_file_bytes; /* header + payload: the size of <name>.weights */
    uint64_t workspace_bytes;    /* one context's scratch memory, staging buffers included */
    /* The weights compiled into the library (header + payload), or NULL when they come from
     * a file. */
    const unsigned char *(*embedded_weights)(void);
    int n_inputs, n_outputs;        /* plain models: the run entry's parameters */
    KrtEntryFn run;                 /* plain models; NULL for decoders */
    const KrtDecoderTable *decoder; /* decoders; NULL for plain models */
    const KrtDeviceOps *device;     /* device models; NULL when the entries run on the host */
} KrtModelTable;

/* One loaded model. The fields belong to the runtime; the type is complete so that a caller
 * can place a context on the stack or in static memory and use krt_model_init. */
struct KrtModelContext {
    const KrtModelTable *table;
    const unsigned char *weights; /* the weight payload (after the 64-byte header) */
    unsigned char *workspace;     /* table->workspace_bytes of scratch */
    void *owned_weights;          /* allocated by krt_model_create, freed by _destroy */
    void *owned_workspace;
    struct KrtPool *pool;       /* threads of the heavy kernels, never NULL once made */
    struct KrtPool *owned_pool; /* started by krt_model_create, stopped by _destroy */
    void *kv_cache;             /* decoders: table->decoder->kv_bytes (see _attach_kv) */
    int64_t kv_pos;             /* decoders: tokens in the cache */
    void *owned_kv;
    /* The kernel table chosen when the context was made (KILN_ISA, else the best the CPU
     * runs). The pool krt_model_create starts runs it; a context without threads (from
     * krt_model_init, or after attaching NULL) runs it on `solo`, a one-thread pool in the
     * context itself, which has no scratch, so its Linear takes the table's matrix-vector
     * kernels at every row count. An attached pool runs its own table. (Last, so that the
     * fields before keep their offsets for code that reads them.) */
    const struct KrtKernels *kernels;
    KrtPoolSolo solo;
    void *device; /* device models: the state table->device->open made (else NULL) */
};

/* ---- every model -------------------------------------------------------------------------
 * No allocation: weights = the bytes of the weights file (NULL: the embedded ones, if any),
 * workspace of table->workspace_bytes. Both must stay valid while ctx is used and be 8-byte
 * aligned (64 is best). Weights of another model give KILN_ERR_WEIGHTS, a KILN_ISA this CPU
 * cannot run (krt_isa.h) KILN_ERR_ISA. A device model
 * (table->device) needs device memory: its _init returns KILN_ERR_ARGUMENT (use _create). */
int krt_model_init(KrtModelContext *ctx, const KrtModelTable *table, const void *weights,
                   size_t weights_bytes, void *workspace, size_t workspace_bytes);
/* Allocates the context, its workspace (and a decoder's KV cache), reads the weights file
 * (path ignored, may be NULL, when the weights are embedded) and attaches a pool of
 * krt_threads_default() threads. *out is NULL on failure. */
int krt_model_create(KrtModelContext **out, const KrtModelTable *table, const char *weights_path);
void krt_model_destroy(KrtModelContext *ctx); /* contexts from krt_model_create; NULL is a no-op */
/* Runs ctx's heavy kernels on pool (NULL: the calling thread only). The pool must outlive
 * its use by ctx, and two contexts must not run on one pool at the same time. */
int krt_model_attach_pool(KrtModelContext *ctx, struct KrtPool *pool);
/* A plain model's run entry: inputs[0..n_inputs) and outputs[0..n_outputs), none NULL. A
 * decoder's is reset + prefill of all max_prefill tokens of inputs[0] into outputs[0]. */
int krt_model_run(KrtModelContext *ctx, const void *const *inputs, void *const *outputs);
/* A short English description of a KILN_* status code. */
const char *krt_model_status_string(int status);

/* ---- decoders (krt_model_decoder.c); KILN_ERR_ARGUMENT on a plain model ------------------ */

/* Gives ctx a KV cache of kv_bytes >= decoder->kv_bytes, 8-byte aligned, valid while ctx is
 * used (krt_model_create attaches its own). Empties the cache. */
int krt_model_attach_kv(KrtModelContext *ctx, void *kv, size_t kv_bytes);
int krt_model_reset(KrtModelContext *ctx); /* empties the KV cache */
/* Appends tokens[0..n-1] (1 <= n <= max_prefill) and writes logits f32[n, vocab];
 * KILN_ERR_CONTEXT (nothing written) when the cache would pass max_context, KILN_ERR_INDEX
 * for a token outside the vocabulary. */
int krt_model_prefill(KrtModelContext *ctx, const int64_t *tokens, int64_t n, float *logits);
/* Appends one token and writes its logits f32[vocab]. */
int krt_model_decode(KrtModelContext *ctx, int64_t token, float *logits);
int64_t krt_model_position(const KrtModelContext *ctx); /* tokens in the cache; 0 for NULL */

/* ---- the descriptor's entry points (kiln_model.h takes void *ctx) ------------------------ */
int krt_kiln_run(void *ctx, const void *const *inputs, void *const *outputs);
void krt_kiln_destroy(void *ctx);
int krt_kiln_reset(void *ctx);
int krt_kiln_prefill(void *ctx, const int64_t *tokens, int64_t n, float *logits);
int krt_kiln_decode(void *ctx, int64_t token, float *logits);
int64_t krt_kiln_position(const void *ctx);

#ifdef __cplusplus
}
#endif

#endif
