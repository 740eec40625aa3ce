/* Internals of the reference interpreter (ir/interp*.c): the double-precision tensor every
 * value is held in while a graph runs, the argument block every op function receives, and the
 * index helpers the op families share.
 *
 * Every value is held as doubles, whatever its dtype: every dtype kiln has converts to double
 * exactly, except i64 values beyond 2^53 in magnitude, which are out of scope for the
 * interpreter (as are integer results whose exact value passes 2^53 before wrapping, such as
 * an overflowing i32 product). After each op the driver rounds the op's results to their
 * dtype, so an op function computes in double and never thinks about dtypes. */
#ifndef KILN_INTERP_INTERNAL_H
#define KILN_INTERP_INTERNAL_H

#include "interp.h"

/* A value while the graph runs. type is concrete (every dim a constant); data holds numel
 * doubles in row-major order, or is NULL while the value is not live. */
typedef struct InterpValue {
    IrType type;
    int64_t numel;
    double *data;
} InterpValue;

/* What an op function gets. in[i] is input i of the node (NULL for an omitted optional input);
 * out[i] is output i, already allocated with its inferred concrete type and zeroed. kv is the
 * run state of stateful ops (KvAttention): the cache of interp_run_decoder, NULL under
 * interp_run. It travels here so every op, stateful or not, goes through the one per-op
 * dispatch table. */
typedef struct InterpArgs {
    const IrGraph *g;
    const IrNode *n;
    Diag *d;
    const InterpValue *const *in;
    int n_in;
    InterpValue *const *out;
    int n_out;
    InterpKvCache *kv;
} InterpArgs;

/* One function per op, interp_<fn> for every fn in IR_OPS: computes the node's outputs from
 * its inputs. Returns false after recording a message on a run-time error (index out of range,
 * integer division by zero). */
typedef bool (*InterpOpFn)(const InterpArgs *a);
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags)                                 \
    bool interp_##fn(const InterpArgs *a);
IR_OPS(IR_X)
#undef IR_X

/* ---- element conversions (ir/interp_dtype.c) ---------------------------------------------- */

/* Rounds x to the nearest value of dtype dt, as a double: f32 through float; f16 and bf16
 * through float and then the 16-bit format (round to nearest even); integers truncate toward
 * zero, then wrap modulo 2^bits as two's complement integer arithmetic does (values beyond
 * +-2^63 and NaN, which no C cast defines, saturate and become 0 respectively); bool is x != 0. */
double interp_round(IrDtype dt, double x);

/* Element i of packed little-endian data of dtype dt, as a double (exact, but for i64 beyond
 * 2^53). */
double interp_read(IrDtype dt, const void *data, int64_t i);

/* Stores x, which must already be rounded to dt (interp_round), as element i of packed
 * little-endian data of dtype dt. */
void interp_write(IrDtype dt, void *data, int64_t i, double x);

/* ---- helpers shared by the op families (ir/interp_util.c) ---------------------------------- */

/* The size of dim i of a concrete type. */
static inline int64_t interp_dim(const IrType *t, int i) {
    KILN_ASSERT(i >= 0 && i < t->rank && t->dims[i].sym < 0);
    return t->dims[i].size;
}

/* Product of dims [from, to) of a concrete type (1 for an empty range). */
int64_t interp_dims_product(const IrType *t, int from, int to);

/* A possibly negative axis of a rank-`rank` tensor, as an index in [0, rank). The shape rule
 * has already rejected out-of-range axes, so a bad one here is a bug. */
int interp_axis(int64_t axis, int rank);

/* Row-major strides of the last `rank` dims of `dims`, for reading a tensor of that shape as if
 * it had been broadcast to an out_rank-dim shape: dims that are absent (leading) or of size 1
 * get stride 0. dims has `rank` entries; strides gets out_rank entries. */
void interp_broadcast_strides(const int64_t *dims, int rank, int out_rank, int64_t *strides);

/* Walks a multi-index over `dims` (rank entries) in row-major order: advances idx by one and
 * updates each offsets[k] by strides[k][axis] accordingly (n_offsets offset/stride pairs).
 * Returns false when the walk wrapped around (every element visited). */
bool interp_index_next(int rank, const int64_t *dims, int64_t *idx, int n_offsets, int64_t *offsets,
                       const int64_t *const *strides);

/* The concrete dims of a type as plain integers. */
void interp_type_dims(const IrType *t, int64_t *dims);

/* One query row of scaled dot-product attention over keys 0..visible-1 (visible >= 1): key j is
 * k[j * k_stride .. + d), value j is v[j * v_stride .. + dv); out[0..dv) = softmax(q·k * scale)
 * · v, accumulated in double. p is scratch for `visible` scores. Shared by Attention and
 * KvAttention so both follow one definition. */
void interp_attend_row(const double *q, const double *k, int64_t k_stride, const double *v,
                       int64_t v_stride, int64_t visible, int64_t d, int64_t dv, double scale,
                       double *p, double *out);

#endif
