/* Interpreter: the fused op family (semantics in ir/ops_fused.h). Registers hold doubles; the
 * driver rounds the result to the output dtype. */
#include <stdlib.h>
#include <string.h>

#include "interp_internal.h"

/* Runs instruction (op, a, b) of a FusedElementwise program on registers r: a scalar function
 * of the table (ir/scalar.h) on registers and constants k. The shape rule checked the
 * operands. */
static double interp_fused_step(int64_t op, int64_t a, int64_t b, const double *r,
                                const double *k) {
    int64_t slot[2] = {a, b};
    double x[2] = {0.0, 0.0};
    const double *p = NULL;
    for (int i = 0; i < 2; i++) {
        if (ir_fused_slot_is_reg(op, i)) x[i] = r[slot[i]];
        if (ir_fused_slot_is_param(op, i)) p = k + slot[i];
    }
    return ir_scalar_eval((IrScalar)op, x[0], x[1], p);
}

bool interp_fused_elementwise(const InterpArgs *a) {
    InterpValue *out = a->out[0];
    const IrAttr *prog = ir_attr_find(a->n, "program");
    const IrAttr *consts = ir_attr_find(a->n, "constants");
    const double *k = consts ? consts->floats : NULL;
    int rank = out->type.rank, n_in = a->n_in;
    int64_t dims[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(&out->type, dims);
    int64_t *strides = calloc((size_t)n_in * IR_MAX_RANK, sizeof *strides);
    int64_t *offsets = calloc((size_t)n_in + 1, sizeof *offsets);
    const int64_t **stride_ptrs = calloc((size_t)n_in + 1, sizeof *stride_ptrs);
    double *r = malloc(sizeof *r * (size_t)(n_in + prog->count / 3));
    KILN_ASSERT(strides && offsets && stride_ptrs && r);
    for (int i = 0; i < n_in; i++) {
        int64_t in_dims[IR_MAX_RANK];
        interp_type_dims(&a->in[i]->type, in_dims);
        interp_broadcast_strides(in_dims, a->in[i]->type.rank, rank, strides + i * IR_MAX_RANK);
        stride_ptrs[i] = strides + i * IR_MAX_RANK;
    }
    for (int64_t e = 0; e < out->numel; e++) {
        for (int i = 0; i < n_in; i++) r[i] = a->in[i]->data[offsets[i]];
        int reg = n_in;
        for (int j = 0; j < prog->count; j += 3, reg++)
            r[reg] = interp_fused_step(prog->ints[j], prog->ints[j + 1], prog->ints[j + 2], r, k);
        out->data[e] = r[reg - 1];
        interp_index_next(rank, dims, idx, n_in, offsets, stride_ptrs);
    }
    free(strides);
    free(offsets);
    free(stride_ptrs);
    free(r);
    return true;
}

/* Runs the epilogue program of a FusedLinear/FusedNorm on out, which holds the base result:
 * each element is rewritten in place (register 0 = that element, 1..m = inputs 3.. read with
 * broadcasting). */
static void interp_fused_epilogue(const InterpArgs *a) {
    InterpValue *out = a->out[0];
    const IrAttr *prog = ir_attr_find(a->n, "program");
    const IrAttr *consts = ir_attr_find(a->n, "constants");
    const double *k = consts ? consts->floats : NULL;
    int rank = out->type.rank, n_ext = a->n_in - 3;
    int64_t dims[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(&out->type, dims);
    int64_t *strides = calloc((size_t)(n_ext + 1) * IR_MAX_RANK, sizeof *strides);
    int64_t *offsets = calloc((size_t)n_ext + 1, sizeof *offsets);
    const int64_t **stride_ptrs = calloc((size_t)n_ext + 1, sizeof *stride_ptrs);
    double *r = malloc(sizeof *r * (size_t)(1 + n_ext + prog->count / 3));
    KILN_ASSERT(strides && offsets && stride_ptrs && r);
    for (int i = 0; i < n_ext; i++) {
        int64_t in_dims[IR_MAX_RANK];
        interp_type_dims(&a->in[3 + i]->type, in_dims);
        interp_broadcast_strides(in_dims, a->in[3 + i]->type.rank, rank, strides + i * IR_MAX_RANK);
        stride_ptrs[i] = strides + i * IR_MAX_RANK;
    }
    for (int64_t e = 0; e < out->numel; e++) {
        r[0] = out->data[e];
        for (int i = 0; i < n_ext; i++) r[1 + i] = a->in[3 + i]->data[offsets[i]];
        int reg = 1 + n_ext;
        for (int j = 0; j < prog->count; j += 3, reg++)
            r[reg] = interp_fused_step(prog->ints[j], prog->ints[j + 1], prog->ints[j + 2], r, k);
        out->data[e] = r[reg - 1];
        interp_index_next(rank, dims, idx, n_ext, offsets, stride_ptrs);
    }
    free(strides);
    free(offsets);
    free(stride_ptrs);
    free(r);
}

/* FusedLinear: the Linear result goes straight into the output, then the epilogue. */
bool interp_fused_linear(const InterpArgs *a) {
    InterpArgs base = *a;
    base.n_in = 3;
    if (!interp_linear(&base)) return false;
    interp_fused_epilogue(a);
    return true;
}

/* FusedNorm: the base norm (inputs 0..2; RMSNorm reads 0..1) into the output, then the
 * epilogue. The shape rule has checked `base`. */
bool interp_fused_norm(const InterpArgs *a) {
    InterpArgs base = *a;
    bool rms = strcmp(ir_attr_string(a->n, "base"), "RMSNorm") == 0;
    base.n_in = rms ? 2 : 3;
    if (!(rms ? interp_rmsnorm(&base) : interp_layernorm(&base))) return false;
    interp_fused_epilogue(a);
    return true;
}
