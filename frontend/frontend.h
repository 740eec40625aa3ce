/* Frontends: read a model file into an IR graph. They only build IR. */
#ifndef KILN_FRONTEND_H
#define KILN_FRONTEND_H

#include "../ir/ir.h"

/* What the user said about the model before it is read. Readers that must resolve shapes while
 * importing (ONNX shape subgraphs) use the bindings; decoder-LLM readers use the limits. */
typedef struct FeOptions {
    const IrBinding *bindings; /* --bind: symbol sizes, applied to the graph's symbols */
    int n_bindings;
    int64_t max_context; /* decoder LLMs: KV cache capacity in tokens; 0 means the default */
    int64_t max_prefill; /* decoder LLMs: most tokens one prefill call takes; 0: the default */
    IrDtype kv_dtype;    /* decoder LLMs: element type of the KV cache, f32 (0), f16 or bf16 */
} FeOptions;

/* Reads a model, choosing the reader by the path: *.json is kiln's JSON model description
 * (docs/model-format.md), *.kir the text IR. opt may be NULL (no bindings, default limits).
 * The returned graph has inferred types and passes ir_verify; symbols named in opt->bindings
 * that the graph has are bound (IrSymbol.value) but dims are left symbolic for pass_bind.
 * On error returns NULL with messages in d of the form "FILE: node 'N' (OP): msg". */
IrGraph *fe_load_model(const char *path, const FeOptions *opt, Diag *d);

/* kiln's JSON model description (frontend/json_model.c). */
IrGraph *fe_json_load(const char *path, Diag *d);

#endif
