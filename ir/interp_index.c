/* Interpreter: the "index" op family (ir/ops_index.h). Every index is checked before anything
 * is written; an index out of range is reported with the node's name. */
#include "interp_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Resolves index v (possibly negative) against a dim of size len into *out; reports the node
 * and returns false when v is outside [-len, len). `what` names the tensor, j its element. */
static bool interp_index_resolve(const InterpArgs *a, double v, int64_t len, int64_t j,
                                 const char *what, int64_t *out) {
    if (v < (double)-len || v >= (double)len) {
        ir_node_error(a->d, a->g, a->n,
                      "index %.0f (element %" PRId64 " of the %s) is out of range for a dim of "
                      "size %" PRId64,
                      v, j, what, len);
        return false;
    }
    *out = (int64_t)v < 0 ? (int64_t)v + len : (int64_t)v;
    return true;
}

/* Row-major strides of a concrete type. */
static void interp_strides(const IrType *t, int64_t *s) {
    int64_t acc = 1;
    for (int i = t->rank - 1; i >= 0; i--) {
        s[i] = acc;
        acc *= interp_dim(t, i);
    }
}

/* The offset in a tensor with strides dst_strides of the element whose multi-index is that of
 * flat position p of shape src_dims, with the coordinate of `axis` replaced by `at`. */
static int64_t interp_offset_with(const IrType *src, int64_t p, const int64_t *dst_strides,
                                  int axis, int64_t at) {
    int64_t off = 0;
    for (int d = src->rank - 1; d >= 0; d--) {
        int64_t len = interp_dim(src, d), c = p % len;
        p /= len;
        off += (d == axis ? at : c) * dst_strides[d];
    }
    return off;
}

bool interp_gather_elements(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *ind = a->in[1];
    int axis = interp_axis(ir_attr_int(a->n, "axis"), x->type.rank);
    int64_t len = interp_dim(&x->type, axis), xs[IR_MAX_RANK];
    interp_strides(&x->type, xs);
    for (int64_t p = 0; p < ind->numel; p++) {
        int64_t i;
        if (!interp_index_resolve(a, ind->data[p], len, p, "indices", &i)) return false;
        a->out[0]->data[p] = x->data[interp_offset_with(&ind->type, p, xs, axis, i)];
    }
    return true;
}

/* For GatherND/ScatterND: the offset (in elements of data) of the slice selected by tuple t of
 * indices (K entries starting at ind->data[t * K]), within batch b. */
static bool interp_nd_offset(const InterpArgs *a, const InterpValue *data, const InterpValue *ind,
                             int64_t t, int64_t k, int64_t batch_dims, int64_t *off) {
    int64_t ds[IR_MAX_RANK];
    interp_strides(&data->type, ds);
    *off = 0;
    for (int64_t j = 0; j < k; j++) {
        int dim = (int)(batch_dims + j);
        int64_t i;
        if (!interp_index_resolve(a, ind->data[t * k + j], interp_dim(&data->type, dim), t * k + j,
                                  "indices", &i))
            return false;
        *off += i * ds[dim];
    }
    return true;
}

bool interp_gather_nd(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *ind = a->in[1];
    int64_t b = ir_attr_int(a->n, "batch_dims");
    int64_t k = interp_dim(&ind->type, ind->type.rank - 1);
    int64_t batches = interp_dims_product(&x->type, 0, (int)b);
    int64_t per_batch = interp_dims_product(&ind->type, (int)b, ind->type.rank - 1);
    int64_t slice = interp_dims_product(&x->type, (int)(b + k), x->type.rank);
    int64_t batch_size = interp_dims_product(&x->type, (int)b, x->type.rank);
    double *dst = a->out[0]->data;
    for (int64_t bi = 0; bi < batches; bi++) {
        for (int64_t t = 0; t < per_batch; t++) {
            int64_t off;
            if (!interp_nd_offset(a, x, ind, bi * per_batch + t, k, b, &off)) return false;
            if (slice > 0)
                memcpy(dst, x->data + bi * batch_size + off, (size_t)slice * sizeof *dst);
            dst += slice;
        }
    }
    KILN_ASSERT(dst == a->out[0]->data + a->out[0]->numel);
    return true;
}

/* dst (op)= v for reduction r. */
static void interp_reduce_into(IrIndexReduction r, double *dst, double v) {
    switch (r) {
    case IR_INDEX_RED_NONE:
        *dst = v;
        break;
    case IR_INDEX_RED_ADD:
        *dst += v;
        break;
    case IR_INDEX_RED_MUL:
        *dst *= v;
        break;
    case IR_INDEX_RED_MAX:
        *dst = v > *dst || isnan(v) ? v : *dst;
        break;
    case IR_INDEX_RED_MIN:
        *dst = v < *dst || isnan(v) ? v : *dst;
        break;
    }
}

bool interp_scatter_elements(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *ind = a->in[1], *upd = a->in[2];
    InterpValue *out = a->out[0];
    IrIndexReduction r = (IrIndexReduction)ir_index_reduction(ir_attr_string(a->n, "reduction"));
    int axis = interp_axis(ir_attr_int(a->n, "axis"), x->type.rank);
    int64_t len = interp_dim(&x->type, axis), xs[IR_MAX_RANK], i;
    interp_strides(&x->type, xs);
    for (int64_t p = 0; p < ind->numel; p++)
        if (!interp_index_resolve(a, ind->data[p], len, p, "indices", &i)) return false;
    if (x->numel > 0) memcpy(out->data, x->data, (size_t)x->numel * sizeof *out->data);
    for (int64_t p = 0; p < ind->numel; p++) {
        i = (int64_t)ind->data[p] < 0 ? (int64_t)ind->data[p] + len : (int64_t)ind->data[p];
        interp_reduce_into(r, &out->data[interp_offset_with(&ind->type, p, xs, axis, i)],
                           upd->data[p]);
    }
    return true;
}

bool interp_scatter_nd(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *ind = a->in[1], *upd = a->in[2];
    InterpValue *out = a->out[0];
    IrIndexReduction r = (IrIndexReduction)ir_index_reduction(ir_attr_string(a->n, "reduction"));
    int64_t k = interp_dim(&ind->type, ind->type.rank - 1);
    int64_t tuples = interp_dims_product(&ind->type, 0, ind->type.rank - 1);
    int64_t slice = interp_dims_product(&x->type, (int)k, x->type.rank), off;
    for (int64_t t = 0; t < tuples; t++)
        if (!interp_nd_offset(a, x, ind, t, k, 0, &off)) return false;
    if (x->numel > 0) memcpy(out->data, x->data, (size_t)x->numel * sizeof *out->data);
    for (int64_t t = 0; t < tuples; t++) {
        bool ok = interp_nd_offset(a, x, ind, t, k, 0, &off); /* checked above */
        KILN_ASSERT(ok);
        for (int64_t j = 0; j < slice; j++)
            interp_reduce_into(r, &out->data[off + j], upd->data[t * slice + j]);
    }
    return true;
}

bool interp_one_hot(const InterpArgs *a) {
    const InterpValue *ind = a->in[0], *vals = a->in[1];
    InterpValue *out = a->out[0];
    int64_t depth = ir_attr_int(a->n, "depth");
    int axis = interp_axis(ir_attr_int(a->n, "axis"), out->type.rank);
    /* out viewed as [outer, depth, inner]; indices as [outer, inner] */
    int64_t outer = interp_dims_product(&out->type, 0, axis);
    int64_t inner = interp_dims_product(&out->type, axis + 1, out->type.rank);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            double v = ind->data[o * inner + in];
            int64_t hot = -1;
            if (v >= (double)-depth && v < (double)depth)
                hot = (int64_t)v < 0 ? (int64_t)v + depth : (int64_t)v;
            for (int64_t j = 0; j < depth; j++)
                out->data[(o * depth + j) * inner + in] = vals->data[j == hot ? 1 : 0];
        }
    }
    return true;
}

/* One candidate of TopK: its value and its index along the axis. */
typedef struct InterpTopkItem {
    double v;
    int64_t i;
} InterpTopkItem;

/* Orders candidates best first: larger (NaN largest) first, ties by lower index. */
static int interp_topk_cmp_largest(const void *pa, const void *pb) {
    const InterpTopkItem *x = pa, *y = pb;
    bool xn = isnan(x->v), yn = isnan(y->v);
    if (xn != yn) return xn ? -1 : 1;
    if (!xn && x->v != y->v) return x->v > y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}
/* Smaller first (NaN last), ties by lower index. */
static int interp_topk_cmp_smallest(const void *pa, const void *pb) {
    const InterpTopkItem *x = pa, *y = pb;
    bool xn = isnan(x->v), yn = isnan(y->v);
    if (xn != yn) return xn ? 1 : -1;
    if (!xn && x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

bool interp_topk(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    int axis = interp_axis(ir_attr_int(a->n, "axis"), x->type.rank);
    int64_t k = ir_attr_int(a->n, "k"), len = interp_dim(&x->type, axis);
    if (k > len) {
        ir_node_error(a->d, a->g, a->n, "k %" PRId64 " exceeds the dim's size %" PRId64, k, len);
        return false;
    }
    int64_t outer = interp_dims_product(&x->type, 0, axis);
    int64_t inner = interp_dims_product(&x->type, axis + 1, x->type.rank);
    if (len == 0 || outer == 0 || inner == 0) return true;
    InterpTopkItem *items = malloc((size_t)len * sizeof *items);
    KILN_ASSERT(items != NULL);
    int (*cmp)(const void *, const void *) =
        ir_attr_int(a->n, "largest") ? interp_topk_cmp_largest : interp_topk_cmp_smallest;
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            for (int64_t j = 0; j < len; j++)
                items[j] = (InterpTopkItem){x->data[(o * len + j) * inner + in], j};
            qsort(items, (size_t)len, sizeof *items, cmp);
            for (int64_t j = 0; j < k; j++) {
                a->out[0]->data[(o * k + j) * inner + in] = items[j].v;
                a->out[1]->data[(o * k + j) * inner + in] = (double)items[j].i;
            }
        }
    }
    free(items);
    return true;
}
