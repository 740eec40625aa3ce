/* Interpreter: data movement. Reshape, Transpose, Concat, Split, Slice, Gather and Cast only
 * move (or, for Cast, merely relabel) elements; the driver's rounding to the output dtype does
 * the conversion a Cast asks for. */
#include "interp_internal.h"

#include <inttypes.h>
#include <string.h>

static void interp_copy(double *dst, const double *src, int64_t n) {
    if (n > 0) memcpy(dst, src, (size_t)n * sizeof *dst);
}

/* Reshape keeps the row-major order; only the type (computed by the shape rule) changes. */
bool interp_reshape(const InterpArgs *a) {
    KILN_ASSERT(a->in[0]->numel == a->out[0]->numel);
    interp_copy(a->out[0]->data, a->in[0]->data, a->in[0]->numel);
    return true;
}

/* Cast: the driver rounds the copied values to the `to` dtype (float->int truncates toward
 * zero, ->bool is x != 0). */
bool interp_cast(const InterpArgs *a) {
    KILN_ASSERT(a->in[0]->numel == a->out[0]->numel);
    interp_copy(a->out[0]->data, a->in[0]->data, a->in[0]->numel);
    return true;
}

/* Transpose: output dim i is input dim perm[i] (perm absent: reversed). Walks the output in
 * order and reads the input through permuted strides. */
bool interp_transpose(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    int rank = x->type.rank;
    const IrAttr *perm = ir_attr_find(a->n, "perm");
    int64_t in_dims[IR_MAX_RANK], in_strides[IR_MAX_RANK], out_dims[IR_MAX_RANK];
    int64_t strides[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(&x->type, in_dims);
    interp_type_dims(&out->type, out_dims);
    int64_t s = 1;
    for (int i = rank - 1; i >= 0; i--) {
        in_strides[i] = s;
        s *= in_dims[i];
    }
    for (int i = 0; i < rank; i++) strides[i] = in_strides[perm ? perm->ints[i] : rank - 1 - i];
    if (out->numel == 0) return true;
    const int64_t *stride_list[1] = {strides};
    int64_t off = 0, e = 0;
    do {
        out->data[e++] = x->data[off];
    } while (interp_index_next(rank, out_dims, idx, 1, &off, stride_list));
    return true;
}

/* Concat along axis: the output viewed as [outer, axis, inner] takes, for each outer index,
 * each input's [axis_i * inner] block in turn. */
bool interp_concat(const InterpArgs *a) {
    InterpValue *out = a->out[0];
    const IrType *t = &out->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    int64_t outer = interp_dims_product(t, 0, axis);
    int64_t inner = interp_dims_product(t, axis + 1, t->rank);
    double *dst = out->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < a->n_in; i++) {
            int64_t block = interp_dim(&a->in[i]->type, axis) * inner;
            interp_copy(dst, a->in[i]->data + o * block, block);
            dst += block;
        }
    }
    KILN_ASSERT(dst == out->data + out->numel);
    return true;
}

/* Split along axis: the inverse of Concat; the outputs' axis sizes come from the shape rule. */
bool interp_split(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    const IrType *t = &x->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    int64_t outer = interp_dims_product(t, 0, axis);
    int64_t inner = interp_dims_product(t, axis + 1, t->rank);
    const double *src = x->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < a->n_out; i++) {
            int64_t block = interp_dim(&a->out[i]->type, axis) * inner;
            interp_copy(a->out[i]->data + o * block, src, block);
            src += block;
        }
    }
    KILN_ASSERT(src == x->data + x->numel);
    return true;
}

/* Slice: per sliced axis, element i of the output reads start + i * step of the input. */
bool interp_slice(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    int rank = x->type.rank;
    const IrAttr *starts = ir_attr_find(a->n, "starts"), *ends = ir_attr_find(a->n, "ends");
    const IrAttr *axes = ir_attr_find(a->n, "axes"), *steps = ir_attr_find(a->n, "steps");
    int64_t in_dims[IR_MAX_RANK], out_dims[IR_MAX_RANK], first[IR_MAX_RANK], step[IR_MAX_RANK];
    interp_type_dims(&x->type, in_dims);
    interp_type_dims(&out->type, out_dims);
    for (int i = 0; i < rank; i++) {
        first[i] = 0;
        step[i] = 1;
    }
    for (int k = 0; k < starts->count; k++) {
        int axis = interp_axis(axes ? axes->ints[k] : k, rank);
        int64_t count;
        step[axis] = steps ? steps->ints[k] : 1;
        count =
            ir_slice_axis(in_dims[axis], starts->ints[k], ends->ints[k], step[axis], &first[axis]);
        KILN_ASSERT(count == out_dims[axis]);
    }
    /* strides into the input for one step along each output axis */
    int64_t strides[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, s = 1, off = 0;
    for (int i = rank - 1; i >= 0; i--) {
        strides[i] = s * step[i];
        off += s * first[i];
        s *= in_dims[i];
    }
    if (out->numel == 0) return true;
    const int64_t *stride_list[1] = {strides};
    int64_t e = 0;
    do {
        out->data[e++] = x->data[off];
    } while (interp_index_next(rank, out_dims, idx, 1, &off, stride_list));
    return true;
}

/* Gather(data, indices) along axis: data viewed as [outer, A, inner]; output [outer, n_idx,
 * inner] where block j is data block indices[j] (negative counts from the end). */
bool interp_gather(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *ind = a->in[1];
    InterpValue *out = a->out[0];
    const IrType *t = &x->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    int64_t outer = interp_dims_product(t, 0, axis), len = interp_dim(t, axis);
    int64_t inner = interp_dims_product(t, axis + 1, t->rank);
    /* check every index before writing anything */
    for (int64_t j = 0; j < ind->numel; j++) {
        double v = ind->data[j];
        if (v < (double)-len || v >= (double)len) {
            ir_node_error(a->d, a->g, a->n,
                          "index %.0f (element %" PRId64 " of the indices) is out of range for "
                          "axis %d of size %" PRId64,
                          v, j, axis, len);
            return false;
        }
    }
    double *dst = out->data;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t j = 0; j < ind->numel; j++) {
            int64_t i = (int64_t)ind->data[j];
            if (i < 0) i += len;
            interp_copy(dst, x->data + (o * len + i) * inner, inner);
            dst += inner;
        }
    }
    KILN_ASSERT(dst == out->data + out->numel);
    return true;
}
