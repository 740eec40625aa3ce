/* Shape rules of the math op family (ir/ops_math.h). */
#include "shape_internal.h"

#include <inttypes.h>
#include <string.h>

/* Reports an unknown `fn` spelling; always false. */
static bool shp_bad_fn(const IrGraph *g, const IrNode *n, Diag *d) {
    ir_node_error(d, g, n, "unknown fn '%s'", ir_attr_string(n, "fn"));
    return false;
}

static bool shp_not_bool(const IrGraph *g, const IrNode *n, const IrType *in, int i, Diag *d) {
    if (in[i].dtype != IR_DTYPE_BOOL) return true;
    ir_node_error(d, g, n, "input %d must be numeric, got bool", i);
    return false;
}

static bool shp_bool_input(const IrGraph *g, const IrNode *n, const IrType *in, int i, Diag *d) {
    if (in[i].dtype == IR_DTYPE_BOOL) return true;
    ir_node_error(d, g, n, "input %d must be bool, got %s", i, ir_dtype_name(in[i].dtype));
    return false;
}

bool ir_shape_unary_fn(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int fn = ir_math_unary_fn(ir_attr_string(n, "fn"));
    if (fn < 0) return shp_bad_fn(g, n, d);
    bool int_ok = fn == IR_SCALAR_ABS || fn == IR_SCALAR_SIGN;
    if (int_ok ? !shp_not_bool(g, n, in, 0, d) : !shp_float_input(g, n, in, 0, d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_clip(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_not_bool(g, n, in, 0, d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_isnan(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_float_input(g, n, in, 0, d)) return false;
    out[0] = in[0];
    out[0].dtype = IR_DTYPE_BOOL;
    return true;
}

bool ir_shape_isinf(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return ir_shape_isnan(g, n, in, out, d);
}

bool ir_shape_not(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_bool_input(g, n, in, 0, d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_binary_fn(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int fn = ir_math_binary_fn(ir_attr_string(n, "fn"));
    if (fn < 0) return shp_bad_fn(g, n, d);
    if (!shp_not_bool(g, n, in, 0, d) || !shp_not_bool(g, n, in, 1, d)) return false;
    if (fn != IR_SCALAR_POW_BINARY && !shp_same_dtype(g, n, in, 0, 1, d)) return false;
    return shp_broadcast(g, n, &in[0], &in[1], &out[0], d);
}

bool ir_shape_compare(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (ir_math_compare_fn(ir_attr_string(n, "fn")) < 0) return shp_bad_fn(g, n, d);
    if (!shp_same_dtype(g, n, in, 0, 1, d)) return false;
    if (!shp_broadcast(g, n, &in[0], &in[1], &out[0], d)) return false;
    out[0].dtype = IR_DTYPE_BOOL;
    return true;
}

bool ir_shape_logic(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (ir_math_logic_fn(ir_attr_string(n, "fn")) < 0) return shp_bad_fn(g, n, d);
    if (!shp_bool_input(g, n, in, 0, d) || !shp_bool_input(g, n, in, 1, d)) return false;
    return shp_broadcast(g, n, &in[0], &in[1], &out[0], d);
}

bool ir_shape_where(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_bool_input(g, n, in, 0, d) || !shp_same_dtype(g, n, in, 1, 2, d)) return false;
    IrType xy;
    if (!shp_broadcast(g, n, &in[1], &in[2], &xy, d)) return false;
    if (!shp_broadcast(g, n, &xy, &in[0], &out[0], d)) return false;
    out[0].dtype = in[1].dtype;
    return true;
}

bool ir_shape_expand(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *shape = ir_attr_find(n, "shape");
    if (shape->count > IR_MAX_RANK) {
        ir_node_error(d, g, n, "shape has %d dims; at most %d are supported", shape->count,
                      IR_MAX_RANK);
        return false;
    }
    IrType target = {in[0].dtype, shape->count, {{0, 0}}};
    for (int i = 0; i < shape->count; i++) {
        if (shape->ints[i] < 0) {
            ir_node_error(d, g, n, "shape[%d] = %" PRId64 " is negative", i, shape->ints[i]);
            return false;
        }
        target.dims[i] = ir_dim_const(shape->ints[i]);
    }
    return shp_broadcast(g, n, &in[0], &target, &out[0], d);
}

bool ir_shape_tile(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *rep = ir_attr_find(n, "repeats");
    if (rep->count != in[0].rank) {
        ir_node_error(d, g, n, "repeats has %d entries but the input has rank %d", rep->count,
                      in[0].rank);
        return false;
    }
    out[0] = in[0];
    for (int i = 0; i < rep->count; i++) {
        IrDim dim = in[0].dims[i];
        if (rep->ints[i] < 0) {
            ir_node_error(d, g, n, "repeats[%d] = %" PRId64 " is negative", i, rep->ints[i]);
            return false;
        }
        if (rep->ints[i] == 1) continue;
        if (!ir_dim_is_const(dim)) {
            ir_node_error(d, g, n, "dim %d is symbolic; Tile needs a constant dim to repeat", i);
            return false;
        }
        if (dim.size != 0 && rep->ints[i] > INT64_MAX / dim.size) {
            ir_node_error(d, g, n, "dim %d times repeats overflows", i);
            return false;
        }
        out[0].dims[i] = ir_dim_const(dim.size * rep->ints[i]);
    }
    return true;
}

bool ir_shape_trilu(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_min_rank(g, n, in, 0, 2, d)) return false;
    out[0] = in[0];
    return true;
}

/* An op along one axis of a numeric input, with the input's type. */
static bool shp_axis_op(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                        bool need_float, Diag *d) {
    int axis;
    if (need_float ? !shp_float_input(g, n, in, 0, d) : !shp_not_bool(g, n, in, 0, d)) return false;
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_cumsum(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_axis_op(g, n, in, out, false, d);
}
bool ir_shape_logsoftmax(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                         Diag *d) {
    return shp_axis_op(g, n, in, out, true, d);
}
bool ir_shape_hardmax(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_axis_op(g, n, in, out, true, d);
}

/* Marks reduced dims of a rank-`rank` input from the node's axes (absent: all). */
static bool shp_reduce_mask(const IrGraph *g, const IrNode *n, int rank, bool *mask, Diag *d) {
    const IrAttr *axes = ir_attr_find(n, "axes");
    for (int i = 0; i < rank; i++) mask[i] = axes == NULL;
    for (int i = 0; axes && i < axes->count; i++) {
        int a;
        if (!shp_axis(g, n, "axes entry", axes->ints[i], rank, &a, d)) return false;
        if (mask[a]) {
            ir_node_error(d, g, n, "axis %d appears twice in axes", a);
            return false;
        }
        mask[a] = true;
    }
    return true;
}

/* out: in with the masked dims set to 1 (keepdims) or removed. */
static void shp_reduced_type(const IrType *x, const bool *mask, bool keepdims, IrType *out) {
    out->dtype = x->dtype;
    out->rank = 0;
    for (int i = 0; i < x->rank; i++) {
        if (!mask[i])
            out->dims[out->rank++] = x->dims[i];
        else if (keepdims)
            out->dims[out->rank++] = ir_dim_const(1);
    }
}

bool ir_shape_reduce(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int fn = ir_math_reduce_fn(ir_attr_string(n, "fn"));
    if (fn < 0) return shp_bad_fn(g, n, d);
    if (!shp_not_bool(g, n, in, 0, d)) return false;
    bool float_only = fn == IR_MATH_REDUCE_L2 || fn == IR_MATH_REDUCE_LOG_SUM ||
                      fn == IR_MATH_REDUCE_LOG_SUM_EXP || fn == IR_MATH_REDUCE_MEAN;
    if (float_only && !shp_float_input(g, n, in, 0, d)) return false;
    bool mask[IR_MAX_RANK];
    if (!shp_reduce_mask(g, n, in[0].rank, mask, d)) return false;
    shp_reduced_type(&in[0], mask, ir_attr_int(n, "keepdims") != 0, &out[0]);
    return true;
}

static bool shp_arg(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_not_bool(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    bool mask[IR_MAX_RANK] = {false};
    mask[axis] = true;
    shp_reduced_type(&in[0], mask, ir_attr_int(n, "keepdims") != 0, &out[0]);
    out[0].dtype = IR_DTYPE_I64;
    return true;
}

bool ir_shape_argmax(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_arg(g, n, in, out, d);
}
bool ir_shape_argmin(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_arg(g, n, in, out, d);
}
