/* Shape rules of the "index" op family (ir/ops_index.h). */
#include "shape_internal.h"

static bool shp_index_dtype(const IrGraph *g, const IrNode *n, const IrType *in, int i, Diag *d) {
    if (in[i].dtype == IR_DTYPE_I32 || in[i].dtype == IR_DTYPE_I64) return true;
    ir_node_error(d, g, n, "indices (input %d) must be i32 or i64, got %s", i,
                  ir_dtype_name(in[i].dtype));
    return false;
}

/* True when dim a is known to exceed dim b (both constant). */
static bool shp_dim_exceeds(IrDim a, IrDim b) {
    return ir_dim_is_const(a) && ir_dim_is_const(b) && a.size > b.size;
}

bool ir_shape_gather_elements(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                              Diag *d) {
    int axis;
    if (!shp_min_rank(g, n, in, 0, 1, d) || !shp_index_dtype(g, n, in, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    if (in[1].rank != in[0].rank) {
        ir_node_error(d, g, n, "indices have rank %d, data rank %d: they must be equal", in[1].rank,
                      in[0].rank);
        return false;
    }
    for (int i = 0; i < in[0].rank; i++) {
        if (i != axis && shp_dim_exceeds(in[1].dims[i], in[0].dims[i])) {
            ir_node_error(d, g, n, "indices dim %d (%lld) exceeds data dim %d (%lld)", i,
                          (long long)in[1].dims[i].size, i, (long long)in[0].dims[i].size);
            return false;
        }
    }
    out[0] = in[1];
    out[0].dtype = in[0].dtype;
    return true;
}

/* Shared by GatherND and ScatterND: K = indices.shape[-1], a constant in [1, rank(data) - b]. */
static bool shp_nd_tuple(const IrGraph *g, const IrNode *n, const IrType *in, int64_t b, int64_t *k,
                         Diag *d) {
    if (!shp_min_rank(g, n, in, 0, 1, d) || !shp_min_rank(g, n, in, 1, 1, d) ||
        !shp_index_dtype(g, n, in, 1, d))
        return false;
    IrDim last = in[1].dims[in[1].rank - 1];
    if (!ir_dim_is_const(last)) {
        ir_node_error(d, g, n, "the last dim of indices must be a constant");
        return false;
    }
    *k = last.size;
    if (*k < 1 || *k > in[0].rank - b) {
        ir_node_error(d, g, n, "index tuples of length %lld need 1 <= length <= %lld",
                      (long long)*k, (long long)(in[0].rank - b));
        return false;
    }
    return true;
}

bool ir_shape_gather_nd(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int64_t b = ir_attr_int(n, "batch_dims"), k;
    if (b < 0 || b >= in[0].rank || b >= in[1].rank) {
        ir_node_error(d, g, n, "batch_dims %lld must be below the rank of data and indices",
                      (long long)b);
        return false;
    }
    if (!shp_nd_tuple(g, n, in, b, &k, d)) return false;
    for (int i = 0; i < b; i++)
        if (!shp_dims_match(g, n, in[0].dims[i], in[1].dims[i], "batch dims", d)) return false;
    int rank = in[1].rank - 1 + in[0].rank - (int)(b + k);
    if (rank > IR_MAX_RANK) {
        ir_node_error(d, g, n, "result rank %d exceeds the maximum %d", rank, IR_MAX_RANK);
        return false;
    }
    out[0].dtype = in[0].dtype;
    out[0].rank = 0;
    for (int i = 0; i < in[1].rank - 1; i++) out[0].dims[out[0].rank++] = in[1].dims[i];
    for (int i = (int)(b + k); i < in[0].rank; i++) out[0].dims[out[0].rank++] = in[0].dims[i];
    return true;
}

static bool shp_reduction(const IrGraph *g, const IrNode *n, const IrType *in, Diag *d) {
    const char *r = ir_attr_string(n, "reduction");
    if (ir_index_reduction(r) < 0) {
        ir_node_error(d, g, n, "unknown reduction \"%s\" (none, add, mul, max, min)", r);
        return false;
    }
    if (ir_index_reduction(r) != IR_INDEX_RED_NONE && in[0].dtype == IR_DTYPE_BOOL) {
        ir_node_error(d, g, n, "reduction \"%s\" needs a numeric dtype, got bool", r);
        return false;
    }
    return shp_same_dtype(g, n, in, 0, 2, d);
}

bool ir_shape_scatter_elements(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                               Diag *d) {
    int axis;
    if (!shp_min_rank(g, n, in, 0, 1, d) || !shp_index_dtype(g, n, in, 1, d) ||
        !shp_reduction(g, n, in, d))
        return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    if (in[1].rank != in[0].rank || in[2].rank != in[1].rank) {
        ir_node_error(d, g, n, "data, indices and updates must have one rank (%d, %d, %d)",
                      in[0].rank, in[1].rank, in[2].rank);
        return false;
    }
    for (int i = 0; i < in[0].rank; i++) {
        if (!shp_dims_match(g, n, in[1].dims[i], in[2].dims[i], "indices and updates dims", d))
            return false;
        if (i != axis && shp_dim_exceeds(in[1].dims[i], in[0].dims[i])) {
            ir_node_error(d, g, n, "indices dim %d (%lld) exceeds data dim %d (%lld)", i,
                          (long long)in[1].dims[i].size, i, (long long)in[0].dims[i].size);
            return false;
        }
    }
    out[0] = in[0];
    return true;
}

bool ir_shape_scatter_nd(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                         Diag *d) {
    int64_t k;
    if (!shp_nd_tuple(g, n, in, 0, &k, d) || !shp_reduction(g, n, in, d)) return false;
    int want = in[1].rank - 1 + in[0].rank - (int)k;
    if (in[2].rank != want) {
        ir_node_error(d, g, n,
                      "updates have rank %d, expected %d (indices.shape[:-1] + "
                      "data.shape[K:])",
                      in[2].rank, want);
        return false;
    }
    for (int i = 0; i < in[1].rank - 1; i++)
        if (!shp_dims_match(g, n, in[2].dims[i], in[1].dims[i], "updates and indices dims", d))
            return false;
    for (int i = (int)k; i < in[0].rank; i++)
        if (!shp_dims_match(g, n, in[2].dims[in[1].rank - 1 + i - (int)k], in[0].dims[i],
                            "updates and data dims", d))
            return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_one_hot(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    int64_t depth = ir_attr_int(n, "depth");
    if (!shp_index_dtype(g, n, in, 0, d)) return false;
    if (depth < 1) {
        ir_node_error(d, g, n, "depth %lld must be at least 1", (long long)depth);
        return false;
    }
    if (in[1].rank != 1 || !ir_dim_is_const(in[1].dims[0]) || in[1].dims[0].size != 2) {
        ir_node_error(d, g, n, "values (input 1) must have shape [2]");
        return false;
    }
    if (in[0].rank + 1 > IR_MAX_RANK) {
        ir_node_error(d, g, n, "result rank %d exceeds the maximum %d", in[0].rank + 1,
                      IR_MAX_RANK);
        return false;
    }
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank + 1, &axis, d)) return false;
    out[0].dtype = in[1].dtype;
    out[0].rank = 0;
    for (int i = 0; i <= in[0].rank; i++)
        out[0].dims[out[0].rank++] = i == axis ? ir_dim_const(depth) : in[0].dims[i - (i > axis)];
    return true;
}

bool ir_shape_topk(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    int64_t k = ir_attr_int(n, "k");
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (in[0].dtype == IR_DTYPE_BOOL) {
        ir_node_error(d, g, n, "input must be numeric, got bool");
        return false;
    }
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    IrDim len = in[0].dims[axis];
    if (k < 0 || (ir_dim_is_const(len) && k > len.size)) {
        ir_node_error(d, g, n, "k %lld is outside [0, %lld]", (long long)k,
                      (long long)(ir_dim_is_const(len) ? len.size : 0));
        return false;
    }
    out[0] = in[0];
    out[0].dims[axis] = ir_dim_const(k);
    out[1] = out[0];
    out[1].dtype = IR_DTYPE_I64;
    return true;
}
