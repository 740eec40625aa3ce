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

#endif
