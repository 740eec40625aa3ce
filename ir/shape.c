/* Shape inference: one rule per op (ir_shape_<fn>, collected from ops.h), each computing output
 * types from input types and attributes, with a clear message for every way the inputs can be
 * wrong. Rules accept symbolic dims wherever the output is still expressible with them. This
 * file holds the helpers every rule shares, the core ops' rules, the table and the drivers; op
 * families keep their rules in ir/shape_<family>.c. */
#include "shape_internal.h"

#include <inttypes.h>
#include <string.h>

typedef bool (*IrShapeFn)(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                          Diag *d);

/* ---- shared helpers ---------------------------------------------------------------------- */

bool shp_present(const IrType *in, const IrNode *n, int i) {
    return i < n->n_inputs && in[i].rank >= 0;
}

/* Resolves a possibly negative axis against rank into [0, rank). */
bool shp_axis(const IrGraph *g, const IrNode *n, const char *what, int64_t axis, int rank, int *out,
              Diag *d) {
    if (axis < -(int64_t)rank || axis >= rank) {
        ir_node_error(d, g, n, "%s %" PRId64 " is out of range for rank %d", what, axis, rank);
        return false;
    }
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

bool shp_same_dtype(const IrGraph *g, const IrNode *n, const IrType *in, int a, int b, Diag *d) {
    if (in[a].dtype != in[b].dtype) {
        ir_node_error(d, g, n, "input %d is %s but input %d is %s; both must have the same dtype",
                      a, ir_dtype_name(in[a].dtype), b, ir_dtype_name(in[b].dtype));
        return false;
    }
    return true;
}

bool shp_float_input(const IrGraph *g, const IrNode *n, const IrType *in, int i, Diag *d) {
    if (!ir_dtype_is_float(in[i].dtype)) {
        ir_node_error(d, g, n, "input %d must be a floating-point tensor, got %s", i,
                      ir_dtype_name(in[i].dtype));
        return false;
    }
    return true;
}

bool shp_min_rank(const IrGraph *g, const IrNode *n, const IrType *in, int i, int rank, Diag *d) {
    if (in[i].rank < rank) {
        char buf[SHP_TYPE_BUF];
        ir_node_error(d, g, n, "input %d must have rank >= %d, got %s", i, rank,
                      SHP_STR(g, &in[i], buf));
        return false;
    }
    return true;
}

/* Checks two dims are equal; `what` names them in the message. */
bool shp_dims_match(const IrGraph *g, const IrNode *n, IrDim a, IrDim b, const char *what,
                    Diag *d) {
    if (ir_dim_equal(a, b)) return true;
    char sa[64], sb[64];
    if (a.sym >= 0)
        snprintf(sa, sizeof sa, "%s", g->symbols[a.sym].name);
    else
        snprintf(sa, sizeof sa, "%" PRId64, a.size);
    if (b.sym >= 0)
        snprintf(sb, sizeof sb, "%s", g->symbols[b.sym].name);
    else
        snprintf(sb, sizeof sb, "%" PRId64, b.size);
    ir_node_error(d, g, n, "%s do not match: %s vs %s", what, sa, sb);
    return false;
}

/* numpy broadcasting of the trailing dims of a and b into out (dtype taken from a). */
bool shp_broadcast(const IrGraph *g, const IrNode *n, const IrType *a, const IrType *b, IrType *out,
                   Diag *d) {
    int rank = a->rank > b->rank ? a->rank : b->rank;
    out->dtype = a->dtype;
    out->rank = rank;
    for (int i = 0; i < rank; i++) {
        int ia = a->rank - rank + i, ib = b->rank - rank + i;
        IrDim da = ia >= 0 ? a->dims[ia] : ir_dim_const(1);
        IrDim db = ib >= 0 ? b->dims[ib] : ir_dim_const(1);
        if (ir_dim_equal(da, db) || (db.sym < 0 && db.size == 1)) {
            out->dims[i] = da;
        } else if (da.sym < 0 && da.size == 1) {
            out->dims[i] = db;
        } else {
            char sa[SHP_TYPE_BUF], sb[SHP_TYPE_BUF];
            ir_node_error(d, g, n, "shapes %s and %s cannot be broadcast together",
                          SHP_STR(g, a, sa), SHP_STR(g, b, sb));
            return false;
        }
    }
    return true;
}

/* ---- arithmetic and activations ---------------------------------------------------------- */

static bool shp_binary(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (in[0].dtype == IR_DTYPE_BOOL || in[1].dtype == IR_DTYPE_BOOL) {
        ir_node_error(d, g, n, "arithmetic on bool tensors is not defined");
        return false;
    }
    return shp_same_dtype(g, n, in, 0, 1, d) && shp_broadcast(g, n, &in[0], &in[1], &out[0], d);
}

bool ir_shape_add(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_binary(g, n, in, out, d);
}
bool ir_shape_sub(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_binary(g, n, in, out, d);
}
bool ir_shape_mul(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_binary(g, n, in, out, d);
}
bool ir_shape_div(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_binary(g, n, in, out, d);
}

/* Unary ops that are defined on any numeric dtype. */
static bool shp_unary_numeric(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                              Diag *d) {
    if (in[0].dtype == IR_DTYPE_BOOL) {
        ir_node_error(d, g, n, "not defined on bool tensors");
        return false;
    }
    out[0] = in[0];
    return true;
}

/* Unary ops that only make sense on floating point. */
static bool shp_unary_float(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                            Diag *d) {
    if (!shp_float_input(g, n, in, 0, d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_neg(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_numeric(g, n, in, out, d);
}
bool ir_shape_relu(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_numeric(g, n, in, out, d);
}
bool ir_shape_exp(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_sqrt(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_rsqrt(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_pow(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_silu(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_sigmoid(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}
bool ir_shape_tanh(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_unary_float(g, n, in, out, d);
}

bool ir_shape_gelu(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const char *approx = ir_attr_string(n, "approximate");
    if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0) {
        ir_node_error(d, g, n, "attribute 'approximate' must be \"none\" or \"tanh\", got \"%s\"",
                      approx);
        return false;
    }
    return shp_unary_float(g, n, in, out, d);
}

/* ---- matrix products --------------------------------------------------------------------- */

bool ir_shape_matmul(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_same_dtype(g, n, in, 0, 1, d)) return false;
    if (!shp_min_rank(g, n, in, 0, 1, d) || !shp_min_rank(g, n, in, 1, 1, d)) return false;
    if (in[0].dtype == IR_DTYPE_BOOL) {
        ir_node_error(d, g, n, "MatMul is not defined on bool tensors");
        return false;
    }
    /* numpy: promote rank-1 operands to matrices, then drop the added dim from the result. */
    IrType a = in[0], b = in[1];
    bool a_vec = a.rank == 1, b_vec = b.rank == 1;
    if (a_vec) {
        a.rank = 2;
        a.dims[1] = a.dims[0];
        a.dims[0] = ir_dim_const(1);
    }
    if (b_vec) {
        b.rank = 2;
        b.dims[1] = ir_dim_const(1);
    }
    if (!shp_dims_match(g, n, a.dims[a.rank - 1], b.dims[b.rank - 2],
                        "inner dimensions (columns of input 0, rows of input 1)", d))
        return false;
    IrType ba = a, bb = b;
    ba.rank -= 2;
    bb.rank -= 2;
    IrType batch;
    if (!shp_broadcast(g, n, &ba, &bb, &batch, d)) return false;
    out[0] = batch;
    out[0].dtype = a.dtype;
    if (!a_vec) out[0].dims[out[0].rank++] = a.dims[a.rank - 2];
    if (!b_vec) out[0].dims[out[0].rank++] = b.dims[b.rank - 1];
    return true;
}

bool ir_shape_linear(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_float_input(g, n, in, 0, d) || !shp_same_dtype(g, n, in, 0, 1, d)) return false;
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (in[1].rank != 2) {
        char buf[SHP_TYPE_BUF];
        ir_node_error(d, g, n, "weight (input 1) must have rank 2, got %s",
                      SHP_STR(g, &in[1], buf));
        return false;
    }
    int64_t tw = ir_attr_int(n, "transpose_w");
    if (tw != 0 && tw != 1) {
        ir_node_error(d, g, n, "attribute 'transpose_w' must be 0 or 1, got %" PRId64, tw);
        return false;
    }
    IrDim k = tw ? in[1].dims[1] : in[1].dims[0];
    IrDim nout = tw ? in[1].dims[0] : in[1].dims[1];
    if (!shp_dims_match(g, n, in[0].dims[in[0].rank - 1], k,
                        "input features and weight input features", d))
        return false;
    if (shp_present(in, n, 2)) {
        if (!shp_same_dtype(g, n, in, 0, 2, d)) return false;
        if (in[2].rank != 1 || !ir_dim_equal(in[2].dims[0], nout)) {
            char buf[SHP_TYPE_BUF];
            ir_node_error(d, g, n, "bias (input 2) must be a vector of the output features, got %s",
                          SHP_STR(g, &in[2], buf));
            return false;
        }
    }
    out[0] = in[0];
    out[0].dims[out[0].rank - 1] = nout;
    return true;
}

/* ---- normalization ----------------------------------------------------------------------- */

bool ir_shape_softmax(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_float_input(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    out[0] = in[0];
    return true;
}

/* Checks an optional scale/bias input has the shape of x's dims axis..rank-1. */
static bool shp_norm_param(const IrGraph *g, const IrNode *n, const IrType *in, int i, int axis,
                           const char *what, Diag *d) {
    if (!shp_present(in, n, i)) return true;
    if (!shp_same_dtype(g, n, in, 0, i, d)) return false;
    const IrType *x = &in[0], *p = &in[i];
    bool ok = p->rank == x->rank - axis;
    for (int k = 0; ok && k < p->rank; k++) ok = ir_dim_equal(p->dims[k], x->dims[axis + k]);
    if (!ok) {
        char sp[SHP_TYPE_BUF], sx[SHP_TYPE_BUF];
        ir_node_error(d, g, n,
                      "%s (input %d) has shape %s but must match the normalized dims of %s", what,
                      i, SHP_STR(g, p, sp), SHP_STR(g, x, sx));
    }
    return ok;
}

static bool shp_norm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_float_input(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    if (!(ir_attr_float(n, "epsilon") >= 0)) {
        ir_node_error(d, g, n, "attribute 'epsilon' must be >= 0");
        return false;
    }
    if (!shp_norm_param(g, n, in, 1, axis, "scale", d)) return false;
    if (!shp_norm_param(g, n, in, 2, axis, "bias", d)) return false;
    out[0] = in[0];
    return true;
}

bool ir_shape_layernorm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_norm(g, n, in, out, d);
}
bool ir_shape_rmsnorm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_norm(g, n, in, out, d);
}

/* ---- data movement ----------------------------------------------------------------------- */

/* A dim product as constant x multiset of symbols, so Reshape can infer -1 on symbolic shapes
 * (e.g. [seq, 256] -> [-1, 8, 32] gives [seq, 8, 32]). */
typedef struct ShpMonomial {
    int64_t constant;
    int syms[2 * IR_MAX_RANK];
    int n_syms;
    bool overflow;
} ShpMonomial;

static void shp_mono_mul(const IrGraph *g, ShpMonomial *m, IrDim dim) {
    int64_t bound;
    if (dim.sym >= 0 && ir_dim_value(g, dim, &bound)) dim = ir_dim_const(bound); /* --bind */
    if (dim.sym >= 0) {
        m->syms[m->n_syms++] = dim.sym;
    } else if (dim.size != 0 && m->constant > INT64_MAX / dim.size) {
        m->overflow = true;
    } else {
        m->constant *= dim.size;
    }
}

/* Removes one occurrence of sym from m; false if absent. */
static bool shp_mono_take(ShpMonomial *m, int sym) {
    for (int i = 0; i < m->n_syms; i++) {
        if (m->syms[i] == sym) {
            m->syms[i] = m->syms[--m->n_syms];
            return true;
        }
    }
    return false;
}

bool ir_shape_reshape(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *shape = ir_attr_find(n, "shape");
    KILN_ASSERT(shape && shape->kind == IR_ATTR_INTS);
    char sx[SHP_TYPE_BUF];
    if (shape->count > IR_MAX_RANK) {
        ir_node_error(d, g, n, "target rank %d exceeds the maximum %d", shape->count, IR_MAX_RANK);
        return false;
    }
    ShpMonomial have = {1, {0}, 0, false}, want = {1, {0}, 0, false};
    for (int i = 0; i < in[0].rank; i++) shp_mono_mul(g, &have, in[0].dims[i]);
    int infer = -1;
    out[0].dtype = in[0].dtype;
    out[0].rank = shape->count;
    for (int i = 0; i < shape->count; i++) {
        int64_t s = shape->ints[i];
        if (s == -1) {
            if (infer >= 0) {
                ir_node_error(d, g, n, "shape has more than one -1");
                return false;
            }
            infer = i;
            continue;
        }
        if (s == 0) {
            if (i >= in[0].rank) {
                ir_node_error(d, g, n, "shape[%d] is 0 (copy) but the input %s has no dim %d", i,
                              SHP_STR(g, &in[0], sx), i);
                return false;
            }
            out[0].dims[i] = in[0].dims[i];
        } else if (s < 0) {
            ir_node_error(d, g, n, "shape[%d] is %" PRId64 "; only -1 and 0 may be below 1", i, s);
            return false;
        } else {
            out[0].dims[i] = ir_dim_const(s);
        }
        shp_mono_mul(g, &want, out[0].dims[i]);
    }
    if (have.overflow || want.overflow) {
        ir_node_error(d, g, n, "element count overflows");
        return false;
    }
    /* Cancel the symbols both sides share; what remains decides. */
    for (int i = want.n_syms - 1; i >= 0; i--) {
        if (shp_mono_take(&have, want.syms[i])) want.syms[i] = want.syms[--want.n_syms];
    }
    bool ok;
    if (infer >= 0) {
        ok = want.n_syms == 0 && have.n_syms <= 1 && want.constant != 0 &&
             have.constant % want.constant == 0;
        if (ok && have.n_syms == 1) {
            ok = have.constant == want.constant;
            out[0].dims[infer] = ir_dim_sym(have.syms[0]);
        } else if (ok) {
            out[0].dims[infer] = ir_dim_const(have.constant / want.constant);
        }
    } else {
        ok = want.n_syms == 0 && have.n_syms == 0 && have.constant == want.constant;
    }
    if (!ok) {
        char buf[SHP_TYPE_BUF * 2];
        size_t len = 0;
        for (int i = 0; i < shape->count && len < sizeof buf; i++)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%" PRId64, i ? ", " : "",
                                    shape->ints[i]);
        ir_node_error(d, g, n, "cannot reshape %s to [%s]: element counts differ",
                      SHP_STR(g, &in[0], sx), buf);
        return false;
    }
    return true;
}

bool ir_shape_transpose(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *perm = ir_attr_find(n, "perm");
    int rank = in[0].rank;
    out[0].dtype = in[0].dtype;
    out[0].rank = rank;
    if (!perm) {
        for (int i = 0; i < rank; i++) out[0].dims[i] = in[0].dims[rank - 1 - i];
        return true;
    }
    bool seen[IR_MAX_RANK] = {false};
    if (perm->count != rank) {
        ir_node_error(d, g, n, "perm has %d entries but the input has rank %d", perm->count, rank);
        return false;
    }
    for (int i = 0; i < rank; i++) {
        int64_t p = perm->ints[i];
        if (p < 0 || p >= rank || seen[p]) {
            ir_node_error(d, g, n, "perm is not a permutation of 0..%d", rank - 1);
            return false;
        }
        seen[p] = true;
        out[0].dims[i] = in[0].dims[p];
    }
    return true;
}

bool ir_shape_concat(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    out[0] = in[0];
    int64_t total = 0;
    bool symbolic = false;
    for (int i = 0; i < n->n_inputs; i++) {
        if (!shp_present(in, n, i)) {
            ir_node_error(d, g, n, "input %d is omitted; Concat has no optional inputs", i);
            return false;
        }
        if (!shp_same_dtype(g, n, in, 0, i, d)) return false;
        if (in[i].rank != in[0].rank) {
            ir_node_error(d, g, n, "input %d has rank %d but input 0 has rank %d", i, in[i].rank,
                          in[0].rank);
            return false;
        }
        for (int k = 0; k < in[0].rank; k++) {
            if (k != axis &&
                !shp_dims_match(g, n, in[i].dims[k], in[0].dims[k], "non-axis dimensions", d))
                return false;
        }
        IrDim ad = in[i].dims[axis];
        if (ad.sym >= 0) {
            symbolic = true;
        } else if (total > INT64_MAX - ad.size) {
            ir_node_error(d, g, n, "concatenated size overflows");
            return false;
        } else {
            total += ad.size;
        }
    }
    if (symbolic) {
        if (n->n_inputs == 1) return true;
        ir_node_error(d, g, n, "concatenation along a symbolic dimension needs it bound (--bind)");
        return false;
    }
    out[0].dims[axis] = ir_dim_const(total);
    return true;
}

bool ir_shape_split(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    IrDim dim = in[0].dims[axis];
    const IrAttr *split = ir_attr_find(n, "split");
    for (int i = 0; i < n->n_outputs; i++) out[i] = in[0];
    if (split) {
        if (split->count != n->n_outputs) {
            ir_node_error(d, g, n, "'split' has %d sizes but the node has %d outputs", split->count,
                          n->n_outputs);
            return false;
        }
        int64_t total = 0;
        for (int i = 0; i < split->count; i++) {
            if (split->ints[i] < 0 || split->ints[i] > INT64_MAX - total) {
                ir_node_error(d, g, n, "'split' sizes must be non-negative");
                return false;
            }
            total += split->ints[i];
            out[i].dims[axis] = ir_dim_const(split->ints[i]);
        }
        if (dim.sym >= 0 || dim.size != total) {
            char sx[SHP_TYPE_BUF];
            ir_node_error(d, g, n, "'split' sizes add up to %" PRId64 " but axis %d of %s differs",
                          total, axis, SHP_STR(g, &in[0], sx));
            return false;
        }
        return true;
    }
    if (dim.sym >= 0 || dim.size % n->n_outputs != 0) {
        char sx[SHP_TYPE_BUF];
        ir_node_error(d, g, n, "axis %d of %s cannot be split into %d equal parts", axis,
                      SHP_STR(g, &in[0], sx), n->n_outputs);
        return false;
    }
    for (int i = 0; i < n->n_outputs; i++)
        out[i].dims[axis] = ir_dim_const(dim.size / n->n_outputs);
    return true;
}

int64_t ir_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first) {
    KILN_ASSERT(step != 0 && step != INT64_MIN && dim >= 0);
    /* Adding dim to a negative value cannot overflow, and after clamping every difference below
     * lies within [0, dim]. */
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
        start = start < 0 ? 0 : (start > dim ? dim : start);
        end = end < 0 ? 0 : (end > dim ? dim : end);
        *first = start;
        return end > start ? (end - start - 1) / step + 1 : 0;
    }
    if (dim == 0) {
        *first = 0;
        return 0;
    }
    start = start < 0 ? 0 : (start > dim - 1 ? dim - 1 : start);
    end = end < -1 ? -1 : (end > dim - 1 ? dim - 1 : end);
    *first = start;
    return start > end ? (start - end - 1) / -step + 1 : 0;
}

bool ir_shape_slice(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *starts = ir_attr_find(n, "starts"), *ends = ir_attr_find(n, "ends");
    const IrAttr *axes = ir_attr_find(n, "axes"), *steps = ir_attr_find(n, "steps");
    KILN_ASSERT(starts && ends);
    int count = starts->count;
    if (ends->count != count || (axes && axes->count != count) ||
        (steps && steps->count != count)) {
        ir_node_error(d, g, n, "'starts', 'ends', 'axes' and 'steps' must have the same length");
        return false;
    }
    out[0] = in[0];
    bool seen[IR_MAX_RANK] = {false};
    for (int i = 0; i < count; i++) {
        int axis;
        if (!shp_axis(g, n, "slice axis", axes ? axes->ints[i] : i, in[0].rank, &axis, d))
            return false;
        if (seen[axis]) {
            ir_node_error(d, g, n, "axis %d is sliced twice", axis);
            return false;
        }
        seen[axis] = true;
        int64_t step = steps ? steps->ints[i] : 1;
        if (step == 0 || step == INT64_MIN) {
            /* INT64_MIN has no negation, which the backward walk needs */
            ir_node_error(d, g, n,
                          "slice step %lld is out of range (it must be non-zero and "
                          "above INT64_MIN)",
                          (long long)step);
            return false;
        }
        IrDim dim = in[0].dims[axis];
        if (dim.sym >= 0) {
            /* Only the identity slice keeps a symbolic dim expressible. */
            if (starts->ints[i] == 0 && step == 1 && ends->ints[i] >= INT32_MAX) continue;
            ir_node_error(d, g, n, "slicing symbolic dimension '%s' needs it bound (--bind)",
                          g->symbols[dim.sym].name);
            return false;
        }
        int64_t first;
        out[0].dims[axis] =
            ir_dim_const(ir_slice_axis(dim.size, starts->ints[i], ends->ints[i], step, &first));
    }
    return true;
}

bool ir_shape_gather(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    int axis;
    if (!shp_min_rank(g, n, in, 0, 1, d)) return false;
    if (in[1].dtype != IR_DTYPE_I32 && in[1].dtype != IR_DTYPE_I64) {
        ir_node_error(d, g, n, "indices (input 1) must be i32 or i64, got %s",
                      ir_dtype_name(in[1].dtype));
        return false;
    }
    if (!shp_axis(g, n, "axis", ir_attr_int(n, "axis"), in[0].rank, &axis, d)) return false;
    int rank = in[0].rank - 1 + in[1].rank;
    if (rank > IR_MAX_RANK) {
        ir_node_error(d, g, n, "result rank %d exceeds the maximum %d", rank, IR_MAX_RANK);
        return false;
    }
    out[0].dtype = in[0].dtype;
    out[0].rank = 0;
    for (int i = 0; i < axis; i++) out[0].dims[out[0].rank++] = in[0].dims[i];
    for (int i = 0; i < in[1].rank; i++) out[0].dims[out[0].rank++] = in[1].dims[i];
    for (int i = axis + 1; i < in[0].rank; i++) out[0].dims[out[0].rank++] = in[0].dims[i];
    return true;
}

bool ir_shape_cast(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    IrDtype to;
    const char *name = ir_attr_string(n, "to");
    if (!ir_dtype_parse(name, &to)) {
        ir_node_error(d, g, n, "attribute 'to' names unknown dtype \"%s\"", name);
        return false;
    }
    out[0] = in[0];
    out[0].dtype = to;
    return true;
}

/* ---- transformer blocks ------------------------------------------------------------------ */

bool ir_shape_rotary(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_float_input(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 3, d)) return false;
    const IrType *x = &in[0];
    IrDim head = x->dims[x->rank - 1], seq = x->dims[x->rank - 3];
    if (head.sym >= 0) {
        ir_node_error(d, g, n, "the head dimension must be a constant");
        return false;
    }
    int64_t rdim = ir_attr_int(n, "rotary_dim");
    if (rdim == 0) rdim = head.size;
    if (rdim < 2 || rdim > head.size || rdim % 2 != 0) {
        ir_node_error(d, g, n, "rotary_dim %" PRId64 " must be even and within 2..%" PRId64, rdim,
                      head.size);
        return false;
    }
    int64_t inter = ir_attr_int(n, "interleaved");
    if (inter != 0 && inter != 1) {
        ir_node_error(d, g, n, "attribute 'interleaved' must be 0 or 1");
        return false;
    }
    if (!(ir_attr_float(n, "theta") > 0)) {
        ir_node_error(d, g, n, "attribute 'theta' must be positive");
        return false;
    }
    if (ir_attr_int(n, "position_offset") < 0) {
        ir_node_error(d, g, n, "attribute 'position_offset' must be >= 0");
        return false;
    }
    if (shp_present(in, n, 1)) {
        if ((in[1].dtype != IR_DTYPE_I32 && in[1].dtype != IR_DTYPE_I64) || in[1].rank != 1) {
            char buf[SHP_TYPE_BUF];
            ir_node_error(d, g, n, "positions (input 1) must be an i32 or i64 vector, got %s",
                          SHP_STR(g, &in[1], buf));
            return false;
        }
        if (!shp_dims_match(g, n, in[1].dims[0], seq, "positions length and sequence length", d))
            return false;
    }
    out[0] = *x;
    return true;
}

bool ir_shape_attention(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    for (int i = 0; i < 3; i++) {
        if (!shp_float_input(g, n, in, i, d) || !shp_min_rank(g, n, in, i, 3, d)) return false;
        if (i && !shp_same_dtype(g, n, in, 0, i, d)) return false;
    }
    const IrType *q = &in[0], *k = &in[1], *v = &in[2];
    int r = q->rank;
    if (k->rank != r || v->rank != r) {
        ir_node_error(d, g, n, "q, k and v must have the same rank");
        return false;
    }
    for (int i = 0; i < r - 3; i++) {
        if (!shp_dims_match(g, n, q->dims[i], k->dims[i], "batch dimensions of q and k", d) ||
            !shp_dims_match(g, n, q->dims[i], v->dims[i], "batch dimensions of q and v", d))
            return false;
    }
    if (!shp_dims_match(g, n, q->dims[r - 1], k->dims[r - 1], "head sizes of q and k", d) ||
        !shp_dims_match(g, n, k->dims[r - 3], v->dims[r - 3], "sequence lengths of k and v", d) ||
        !shp_dims_match(g, n, k->dims[r - 2], v->dims[r - 2], "head counts of k and v", d))
        return false;
    IrDim hq = q->dims[r - 2], hkv = k->dims[r - 2];
    if (hq.sym >= 0 || hkv.sym >= 0 || hkv.size == 0 || hq.size % hkv.size != 0) {
        ir_node_error(d, g, n, "query heads must be a constant multiple of key/value heads");
        return false;
    }
    if (!(ir_attr_float(n, "scale") >= 0)) {
        ir_node_error(d, g, n, "attribute 'scale' must be >= 0 (0 means 1/sqrt(head size))");
        return false;
    }
    int64_t causal = ir_attr_int(n, "causal");
    if (causal != 0 && causal != 1) {
        ir_node_error(d, g, n, "attribute 'causal' must be 0 or 1");
        return false;
    }
    out[0] = *q;
    out[0].dims[r - 1] = v->dims[r - 1];
    return true;
}

/* ---- table and drivers ------------------------------------------------------------------- */

static const IrShapeFn ir_shape_rules[] = {
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags) ir_shape_##fn,
    IR_OPS(IR_X)
#undef IR_X
};
_Static_assert(sizeof ir_shape_rules / sizeof ir_shape_rules[0] == IR_OP_COUNT,
               "one shape rule per op");

bool ir_infer_node(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrOpInfo *info = ir_op_info(n->op);
    if (n->n_inputs < info->min_inputs ||
        (info->max_inputs >= 0 && n->n_inputs > info->max_inputs)) {
        ir_node_error(d, g, n, "has %d inputs, expected %d..%d", n->n_inputs, info->min_inputs,
                      info->max_inputs);
        return false;
    }
    if (n->n_outputs < info->min_outputs || n->n_outputs > info->max_outputs) {
        ir_node_error(d, g, n, "has %d outputs, expected %d..%d", n->n_outputs, info->min_outputs,
                      info->max_outputs);
        return false;
    }
    for (int i = 0; i < info->min_inputs; i++) {
        if (in[i].rank < 0) {
            ir_node_error(d, g, n, "input %d is required but omitted", i);
            return false;
        }
    }
    for (const IrAttrSpec *s = info->attrs; s->name; s++) {
        const IrAttr *a = ir_attr_find(n, s->name);
        if (s->required && !a) {
            ir_node_error(d, g, n, "required attribute '%s' is missing", s->name);
            return false;
        }
        if (a && a->kind != s->kind) {
            ir_node_error(d, g, n, "attribute '%s' must be of kind %s, got %s", s->name,
                          ir_attr_kind_name(s->kind), ir_attr_kind_name(a->kind));
            return false;
        }
    }
    memset(out, 0, sizeof *out * (size_t)n->n_outputs);
    if (!ir_shape_rules[n->op](g, n, in, out, d)) return false;
    /* One check for every rule: a static output whose byte size overflows (Expand to
     * [INT64_MAX, 2]) is refused here, where the node is known, not later as "no static
     * shape" or as an allocation that wraps. */
    for (int k = 0; k < n->n_outputs; k++) {
        size_t nb;
        if (ir_type_is_static(&out[k]) && !ir_type_nbytes(&out[k], &nb)) {
            char buf[256];
            ir_node_error(d, g, n, "output %d would be %s, whose size in bytes overflows", k,
                          ir_type_str(g, &out[k], buf, sizeof buf));
            return false;
        }
    }
    return true;
}

bool ir_infer_shapes(IrGraph *g, Diag *d) {
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        IrType in_small[8], out_small[8];
        IrType *in = n->n_inputs <= 8 ? in_small : ir_alloc(g, sizeof *in * (size_t)n->n_inputs);
        IrType *out =
            n->n_outputs <= 8 ? out_small : ir_alloc(g, sizeof *out * (size_t)n->n_outputs);
        for (int i = 0; i < n->n_inputs; i++) {
            if (n->inputs[i] < 0) {
                memset(&in[i], 0, sizeof in[i]);
                in[i].rank = -1;
            } else {
                in[i] = ir_value(g, n->inputs[i])->type;
            }
        }
        if (!ir_infer_node(g, n, in, out, d)) return false;
        for (int i = 0; i < n->n_outputs; i++) ir_value(g, n->outputs[i])->type = out[i];
    }
    return true;
}
