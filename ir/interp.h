/* The reference interpreter: executes any verified graph with plain loops and float64
 * accumulation. It is the oracle every other stage is tested against, so it favours obvious
 * correctness over speed.
 *
 * Symbols are bound from the shapes of the given inputs (a symbol seen twice must get the same
 * size); the graph itself is not modified. */
#ifndef KILN_INTERP_H
#define KILN_INTERP_H

#include "ir.h"

/* A dense tensor in memory: row-major, packed, in the dtype's little-endian layout. */
typedef struct IrTensor {
    IrDtype dtype;
    int rank;
    int64_t dims[IR_MAX_RANK];
    void *data;    /* malloc-owned when produced by kiln (free with ir_tensor_free) */
    size_t nbytes; /* numel x dtype size */
} IrTensor;

/* Allocates a zeroed tensor; false if the byte size overflows or allocation fails. */
bool ir_tensor_alloc(IrTensor *t, IrDtype dtype, int rank, const int64_t *dims);
void ir_tensor_free(IrTensor *t);
int64_t ir_tensor_numel(const IrTensor *t);
/* Element i (row-major) of t as a double, whatever its dtype (i64 beyond 2^53 rounds). */
double ir_tensor_get(const IrTensor *t, int64_t i);

/* Runs g on inputs[0 .. g->n_inputs-1] (in the order of g->inputs) and fills
 * outputs[0 .. g->n_outputs-1] with newly allocated tensors. Input dtypes and ranks must match
 * the graph; constant dims must match exactly. On any error (shape mismatch, index out of range,
 * symbol bound twice differently) records a message naming the node and returns false, leaving
 * outputs empty. */
bool interp_run(const IrGraph *g, const IrTensor *inputs, IrTensor *outputs, Diag *d);

/* ---- decoder LLMs: runs with a KV cache (ops_llm.h) ------------------------------------------ */

/* The state KvAttention nodes read and write: one key and one value cache per layer, each
 * [capacity, Hkv, D] doubles (capacity = the node's max_context), allocated at first use.
 * pos: tokens already in the cache; rows: the real rows of the current call. */
typedef struct InterpKvCache {
    int64_t pos;
    int64_t rows;
    int n_layers;         /* entries of k and v */
    double **k, **v;      /* per layer, NULL until first written */
    int64_t *layer_bytes; /* per layer: doubles allocated (capacity x Hkv x D) */
} InterpKvCache;

/* Frees the cache's memory and empties it (pos 0). */
void interp_kv_free(InterpKvCache *kv);

/* Runs only the nodes that graph output `entry` depends on, with kv as the KvAttention state:
 * kv->rows real rows at cache position kv->pos. inputs are given for every graph input (those
 * the entry does not read are ignored but must still match the graph); only outputs[entry] is
 * filled. Does not advance kv->pos (the caller does, after success). A full cache is an error
 * naming the node. */
bool interp_run_decoder(const IrGraph *g, const IrTensor *inputs, IrTensor *outputs, int entry,
                        InterpKvCache *kv, Diag *d);

#endif
