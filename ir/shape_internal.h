/* Shared by the shape-rule files (ir/shape*.c): the rule signature, one declaration per op, and
 * helpers that check inputs and report errors in the common form. Every helper records a message
 * naming the node and returns false when the check fails. */
#ifndef KILN_SHAPE_INTERNAL_H
#define KILN_SHAPE_INTERNAL_H

#include "ir.h"

/* ir_shape_<fn>: computes out[0..n_outputs-1] from in[0..n_inputs-1] (in[i].rank == -1 for an
 * omitted optional input). Arity and attribute kinds are already checked by ir_infer_node. */
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags)                                 \
    bool ir_shape_##fn(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d);
IR_OPS(IR_X)
#undef IR_X

#define SHP_TYPE_BUF 256
/* Formats type t for a message into a char array buf. */
#define SHP_STR(g, t, buf) ir_type_str((g), (t), (buf), sizeof(buf))

/* True if optional input i is given. */
bool shp_present(const IrType *in, const IrNode *n, int i);
/* Resolves a possibly negative axis against rank into *out in [0, rank). */
bool shp_axis(const IrGraph *g, const IrNode *n, const char *what, int64_t axis, int rank, int *out,
              Diag *d);
/* Inputs a and b have the same dtype. */
bool shp_same_dtype(const IrGraph *g, const IrNode *n, const IrType *in, int a, int b, Diag *d);
/* Input i is f32/f16/bf16/f64. */
bool shp_float_input(const IrGraph *g, const IrNode *n, const IrType *in, int i, Diag *d);
/* Input i has at least the given rank. */
bool shp_min_rank(const IrGraph *g, const IrNode *n, const IrType *in, int i, int rank, Diag *d);
/* Dims a and b are equal; `what` names them in the message. */
bool shp_dims_match(const IrGraph *g, const IrNode *n, IrDim a, IrDim b, const char *what, Diag *d);
/* numpy broadcasting of a and b into out (dtype taken from a). */
bool shp_broadcast(const IrGraph *g, const IrNode *n, const IrType *a, const IrType *b, IrType *out,
                   Diag *d);

#endif
