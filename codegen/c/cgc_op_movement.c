/* Data movement, generated inline as loop nests with constant bounds (Reshape, Transpose,
 * Concat, Split, Slice) or as a call to the byte-moving gather kernel. Every dtype works: the
 * loops copy elements of the value's C type. */
#include "cgc.h"

#include <string.h>

/* A nest over dims[rank] whose operand 0 is y<out_slot> and operand 1 is x<in_slot>, both
 * contiguous unless the caller changes strides or bases afterwards. */
static void cgc_copy_nest(const IrType *over, CgcNest *nest) {
    memset(nest, 0, sizeof *nest);
    nest->rank = over->rank;
    nest->n_operands = 2;
    for (int d = 0; d < over->rank; d++) nest->dims[d] = over->dims[d].size;
    cgc_strides(over, nest->strides[0]);
    cgc_strides(over, nest->strides[1]);
}

bool cgc_emit_reshape(CgcEmitter *e, const IrNode *n) {
    const IrValue *in = ir_value(e->g, n->inputs[0]), *out = ir_value(e->g, n->outputs[0]);
    size_t bytes = 0;
    KILN_ASSERT(ir_type_nbytes(&out->type, &bytes));
    if (in->arena_offset >= 0 && in->arena_offset == out->arena_offset) {
        fputs("    /* the memory plan gave the output the input's bytes: nothing to move */\n"
              "    (void)x0;\n    (void)y0;\n",
              e->f);
    } else if (bytes > 0) {
        fprintf(e->f, "    memmove(y0, x0, %zu);\n", bytes);
    }
    return true;
}

bool cgc_emit_transpose(CgcEmitter *e, const IrNode *n) {
    const IrType *in = cgc_in_type(e, n, 0), *out = cgc_out_type(e, n, 0);
    int64_t in_strides[IR_MAX_RANK];
    cgc_strides(in, in_strides);
    const IrAttr *perm = ir_attr_find(n, "perm");
    CgcNest nest;
    cgc_copy_nest(out, &nest);
    if (perm && perm->count != out->rank)
        return cgc_node_fail(e, n, "perm does not match the rank");
    for (int d = 0; d < out->rank; d++) {
        int src;
        if (!cgc_axis(perm ? perm->ints[d] : out->rank - 1 - d, out->rank, &src))
            return cgc_node_fail(e, n, "perm names an axis out of range");
        nest.strides[1][d] = in_strides[src];
    }
    cgc_emit_nest(e, &nest, "y0[$0] = x0[$1];");
    return true;
}

bool cgc_emit_concat(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), out->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    int64_t out_strides[IR_MAX_RANK];
    cgc_strides(out, out_strides);
    int64_t at = 0; /* where along axis the current input starts */
    for (int i = 0; i < n->n_inputs; i++) {
        const IrType *in = cgc_in_type(e, n, i);
        CgcNest nest;
        cgc_copy_nest(in, &nest);
        memcpy(nest.strides[0], out_strides, sizeof out_strides);
        nest.base[0] = at * out_strides[axis];
        char stmt[64];
        snprintf(stmt, sizeof stmt, "y0[$0] = x%d[$1];", i);
        cgc_emit_nest(e, &nest, stmt);
        at += in->dims[axis].size;
    }
    return true;
}

bool cgc_emit_split(CgcEmitter *e, const IrNode *n) {
    const IrType *in = cgc_in_type(e, n, 0);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), in->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    int64_t in_strides[IR_MAX_RANK];
    cgc_strides(in, in_strides);
    int64_t at = 0;
    for (int i = 0; i < n->n_outputs; i++) {
        const IrType *out = cgc_out_type(e, n, i);
        CgcNest nest;
        cgc_copy_nest(out, &nest);
        memcpy(nest.strides[1], in_strides, sizeof in_strides);
        nest.base[1] = at * in_strides[axis];
        char stmt[64];
        snprintf(stmt, sizeof stmt, "y%d[$0] = x0[$1];", i);
        cgc_emit_nest(e, &nest, stmt);
        at += out->dims[axis].size;
    }
    return true;
}

bool cgc_emit_slice(CgcEmitter *e, const IrNode *n) {
    const IrType *in = cgc_in_type(e, n, 0), *out = cgc_out_type(e, n, 0);
    const IrAttr *starts = ir_attr_find(n, "starts"), *ends = ir_attr_find(n, "ends");
    const IrAttr *axes = ir_attr_find(n, "axes"), *steps = ir_attr_find(n, "steps");
    int count = starts->count;
    if (ends->count != count || (axes && axes->count != count) || (steps && steps->count != count))
        return cgc_node_fail(e, n, "starts, ends, axes and steps differ in length");
    int64_t in_strides[IR_MAX_RANK];
    cgc_strides(in, in_strides);
    CgcNest nest;
    cgc_copy_nest(out, &nest);
    memcpy(nest.strides[1], in_strides, sizeof in_strides); /* untouched axes read everything */
    for (int i = 0; i < count; i++) {
        int axis;
        if (!cgc_axis(axes ? axes->ints[i] : i, in->rank, &axis))
            return cgc_node_fail(e, n, "a slice axis is out of range");
        int64_t step = steps ? steps->ints[i] : 1;
        if (step == 0 || step == INT64_MIN) return cgc_node_fail(e, n, "a slice step is 0");
        int64_t first = 0;
        int64_t taken =
            ir_slice_axis(in->dims[axis].size, starts->ints[i], ends->ints[i], step, &first);
        if (taken != out->dims[axis].size)
            return cgc_node_fail(e, n, "the output shape does not match the slice");
        nest.base[1] += first * in_strides[axis];
        nest.strides[1][axis] = in_strides[axis] * step;
    }
    cgc_emit_nest(e, &nest, "y0[$0] = x0[$1];");
    return true;
}

bool cgc_emit_gather(CgcEmitter *e, const IrNode *n) {
    const IrType *data = cgc_in_type(e, n, 0), *idx = cgc_in_type(e, n, 1);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), data->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    if (idx->dtype != IR_DTYPE_I32 && idx->dtype != IR_DTYPE_I64)
        return cgc_unsupported_dtype(e, n, idx->dtype);
    int64_t outer = 1, row = 1;
    for (int d = 0; d < axis; d++) outer *= data->dims[d].size;
    for (int d = axis + 1; d < data->rank; d++) row *= data->dims[d].size;
    fprintf(e->f,
            "    /* data [%lld, %lld, %lld] along its middle dim, %lld indices */\n"
            "    return krt_gather_%s(x0, x1, y0, %lld, %lld, %lld, %lld * sizeof *x0) ? KILN_OK "
            ": KILN_ERR_INDEX;\n",
            (long long)outer, (long long)data->dims[axis].size, (long long)row,
            (long long)cgc_numel(idx), ir_dtype_name(idx->dtype), (long long)outer,
            (long long)data->dims[axis].size, (long long)cgc_numel(idx), (long long)row);
    return true;
}
