/* Shared pieces of the text-IR tests: an in-memory constant loader standing in for the
 * safetensors frontend, and a builder helper that lets shape inference fill in output types. */
#ifndef KILN_TEXT_TEST_H
#define KILN_TEXT_TEST_H

#include <stdbool.h>
#include <stddef.h>

#include "ir/ir.h"

/* One tensor the loader can hand out: file and key as the .kir text names them. */
typedef struct MemTensor {
    const char *file;
    const char *key;
    IrDtype dtype;
    const void *data; /* static storage: must outlive every graph that borrows it */
    size_t nbytes;
} MemTensor;

/* The tensors of one fake weights folder; `loads` counts successful loads. */
typedef struct MemStore {
    const MemTensor *tensors;
    int count;
    int loads;
} MemStore;

/* An IrConstLoader over a MemStore (user). Checks dtype and byte size against *type, as the
 * real loader checks a safetensors header. */
bool mem_loader(IrGraph *g, const char *file, const char *key, const IrType *type,
                const void **data, size_t *nbytes, Diag *d, void *user);

/* Adds a node whose outputs are new values named out_names[i] with a placeholder type; the real
 * types come from ir_infer_shapes once the graph is complete. Returns the node index. */
int tt_node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_ins,
            const char *const *out_names, int n_outs);

/* Value index of the first output of node n. */
int tt_out(const IrGraph *g, int n);

#endif
