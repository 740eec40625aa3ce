/* The lowered module: what every backend renders, computed once from a planned graph by
 * codegen/lower.c (docs/architecture.md). It owns the decisions that do not depend on the
 * target: where each weight lives in the payload and the payload's checksum, how big the
 * workspace is (the memory plan plus the decoder's logits scratch), the KV cache layout, and
 * the entries with the nodes each one runs. Backends read it and the graph it points to; they
 * never re-derive any of it. */
#ifndef KILN_MODULE_H
#define KILN_MODULE_H

#include "../ir/ir.h"

/* Where each constant lives in the weights payload. Every backend ships the same payload: a
 * 64-byte header (runtime/kiln_rt.h) then each used constant at a 64-byte aligned offset. */
#define CG_WEIGHTS_ALIGN 64 /* bytes; every constant's payload offset is a multiple */

typedef struct CgWeightsLayout {
    int64_t *offsets;       /* per value index: byte offset in the payload, or -1 */
    uint64_t payload_bytes; /* a multiple of 64 */
    uint64_t hash;          /* FNV-1a 64 of the layout and the data */
} CgWeightsLayout;

/* One function of the compiled model. */
typedef struct CgEntry {
    const char *name; /* "run" for a plain graph; "prefill", "decode" for decoders */
    int n_inputs, n_outputs;
    int *input_slots;  /* n_inputs positions in g->inputs, in call order */
    int *output_slots; /* n_outputs positions in g->outputs */
    int *nodes;        /* n_nodes node indices, in execution order */
    int n_nodes;
} CgEntry;

/* The decoder's KV cache: per layer, keys then values, each [capacity, kv_heads, head_dim] of
 * dtype, layer after layer in one buffer. */
typedef struct CgKvLayout {
    int64_t layers, capacity, kv_heads, head_dim;
    IrDtype dtype;
    uint64_t bytes_per_token; /* layers x 2 x kv_heads x head_dim x dtype size */
    uint64_t bytes;           /* bytes_per_token x capacity */
} CgKvLayout;

typedef struct CgModule {
    const IrGraph *g; /* planned: static shapes, arena offsets */
    CgWeightsLayout weights;
    /* Workspace bytes one context needs: the memory plan's arena, then (decoders) the prefill
     * staging, each region 64-byte aligned: the logits scratch f32[max_prefill, vocab] at
     * scratch_offset, which the prefill entry fills before the host copies the caller's n rows
     * out, and the padded token ids and positions i64[max_prefill] the host writes. */
    int64_t workspace_bytes;
    int64_t scratch_offset, scratch_bytes;                /* 0 and 0 without a decoder */
    int64_t prefill_ids_offset, prefill_positions_offset; /* 0 without a decoder */
    bool is_decoder;
    IrDecoder decoder; /* valid when is_decoder */
    CgKvLayout kv;     /* valid when is_decoder */
    CgEntry *entries;  /* decoders: prefill then decode; else the one entry "run" */
    int n_entries;
} CgModule;

/* Lowers planned graph g into m (which points into g: keep g alive while m is used). False
 * with a message when g's facts do not describe a model a backend can host (for example a
 * malformed decoder layout). */
bool cg_lower(const IrGraph *g, CgModule *m, Diag *d);
void cg_module_free(CgModule *m);

/* Bytes of the weights file (or embedded blob): header plus payload. */
uint64_t cg_weights_file_bytes(const CgWeightsLayout *w);

#endif
