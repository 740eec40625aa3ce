/* Interpreter: the math family's broadcasting ops (Binary, Compare, Logic, Where, Expand) and
 * the index-rearranging ones (Tile, Trilu). */
#include "interp_internal.h"

/* Walks out's elements in row-major order with n_in inputs broadcast to it, calling f with the
 * element index and the input offsets. Stops and returns false when f does. */
typedef bool (*InterpBroadcastFn)(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx);

static bool interp_broadcast_walk(const InterpArgs *a, int n_in, InterpBroadcastFn f, void *ctx) {
    InterpValue *out = a->out[0];
    int rank = out->type.rank;
    int64_t out_dims[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, offs[3] = {0, 0, 0};
    int64_t strides[3][IR_MAX_RANK];
    const int64_t *sp[3] = {strides[0], strides[1], strides[2]};
    KILN_ASSERT(n_in <= 3);
    interp_type_dims(&out->type, out_dims);
    for (int k = 0; k < n_in; k++) {
        int64_t dims[IR_MAX_RANK];
        interp_type_dims(&a->in[k]->type, dims);
        interp_broadcast_strides(dims, a->in[k]->type.rank, rank, strides[k]);
    }
    if (out->numel == 0) return true;
    int64_t e = 0;
    do {
        if (!f(a, e++, offs, ctx)) return false;
    } while (interp_index_next(rank, out_dims, idx, n_in, offs, sp));
    KILN_ASSERT(e == out->numel);
    return true;
}

/* One Binary element: the scalar table's function (ir/scalar.h), except integer mod/fmod, which
 * are exact integer arithmetic (and a zero divisor is an error). */
static bool interp_binary_elem(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx) {
    IrScalar fn = *(const IrScalar *)ctx;
    double u = a->in[0]->data[offs[0]], v = a->in[1]->data[offs[1]];
    bool is_int = !ir_dtype_is_float(a->out[0]->type.dtype);
    if (is_int && (fn == IR_SCALAR_MOD || fn == IR_SCALAR_FMOD)) {
        if (v == 0.0) {
            ir_node_error(a->d, a->g, a->n, "integer modulo by zero (element %lld)", (long long)e);
            return false;
        }
        int64_t x = (int64_t)u, y = (int64_t)v, m = y == -1 ? 0 : x % y;
        if (fn == IR_SCALAR_MOD && m != 0 && ((m < 0) != (y < 0))) m += y;
        a->out[0]->data[e] = (double)m;
        return true;
    }
    a->out[0]->data[e] = ir_scalar_eval(fn, u, v, NULL);
    return true;
}

bool interp_binary_fn(const InterpArgs *a) {
    int fn = ir_math_binary_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    IrScalar f = (IrScalar)fn;
    return interp_broadcast_walk(a, 2, interp_binary_elem, &f);
}

static bool interp_compare_elem(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx) {
    IrMathCompare fn = *(const IrMathCompare *)ctx;
    double u = a->in[0]->data[offs[0]], v = a->in[1]->data[offs[1]];
    bool r = false;
    switch (fn) {
    case IR_MATH_COMPARE_EQUAL:
        r = u == v;
        break;
    case IR_MATH_COMPARE_LESS:
        r = u < v;
        break;
    case IR_MATH_COMPARE_GREATER:
        r = u > v;
        break;
    case IR_MATH_COMPARE_LESS_EQUAL:
        r = u <= v;
        break;
    case IR_MATH_COMPARE_GREATER_EQUAL:
        r = u >= v;
        break;
    case IR_MATH_COMPARE_COUNT:
        KILN_ASSERT(!"unknown compare fn");
    }
    a->out[0]->data[e] = r ? 1.0 : 0.0;
    return true;
}

bool interp_compare(const InterpArgs *a) {
    int fn = ir_math_compare_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    IrMathCompare f = (IrMathCompare)fn;
    return interp_broadcast_walk(a, 2, interp_compare_elem, &f);
}

static bool interp_logic_elem(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx) {
    IrMathLogic fn = *(const IrMathLogic *)ctx;
    bool u = a->in[0]->data[offs[0]] != 0.0, v = a->in[1]->data[offs[1]] != 0.0;
    bool r = fn == IR_MATH_LOGIC_AND ? u && v : fn == IR_MATH_LOGIC_OR ? u || v : u != v;
    a->out[0]->data[e] = r ? 1.0 : 0.0;
    return true;
}

bool interp_logic(const InterpArgs *a) {
    int fn = ir_math_logic_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    IrMathLogic f = (IrMathLogic)fn;
    return interp_broadcast_walk(a, 2, interp_logic_elem, &f);
}

static bool interp_where_elem(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx) {
    (void)ctx;
    bool c = a->in[0]->data[offs[0]] != 0.0;
    a->out[0]->data[e] = c ? a->in[1]->data[offs[1]] : a->in[2]->data[offs[2]];
    return true;
}

bool interp_where(const InterpArgs *a) {
    return interp_broadcast_walk(a, 3, interp_where_elem, NULL);
}

static bool interp_copy_elem(const InterpArgs *a, int64_t e, const int64_t *offs, void *ctx) {
    (void)ctx;
    a->out[0]->data[e] = a->in[0]->data[offs[0]];
    return true;
}

bool interp_expand(const InterpArgs *a) {
    return interp_broadcast_walk(a, 1, interp_copy_elem, NULL);
}

bool interp_tile(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    int rank = out->type.rank;
    int64_t in_dims[IR_MAX_RANK], out_dims[IR_MAX_RANK], in_strides[IR_MAX_RANK];
    interp_type_dims(&x->type, in_dims);
    interp_type_dims(&out->type, out_dims);
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        in_strides[d] = s;
        s *= in_dims[d];
    }
    for (int64_t e = 0; e < out->numel; e++) {
        int64_t rest = e, off = 0;
        for (int d = rank - 1; d >= 0; d--) {
            int64_t i = rest % out_dims[d];
            rest /= out_dims[d];
            off += (i % in_dims[d]) * in_strides[d];
        }
        out->data[e] = x->data[off];
    }
    return true;
}

bool interp_trilu(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    int rank = x->type.rank;
    int64_t rows = interp_dim(&x->type, rank - 2), cols = interp_dim(&x->type, rank - 1);
    int64_t k = ir_attr_int(a->n, "k");
    bool upper = ir_attr_int(a->n, "upper") != 0;
    for (int64_t e = 0; e < x->numel; e++) {
        int64_t j = e % cols, i = (e / cols) % rows;
        /* j - i cannot overflow (both < 2^62); compare without forming j - i - k. */
        bool keep = upper ? j - i >= k : j - i <= k;
        a->out[0]->data[e] = keep ? x->data[e] : 0.0;
    }
    return true;
}
