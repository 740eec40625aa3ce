/* Interpreter: the math family's reductions (Reduce, ArgMax, ArgMin) and ops along one axis
 * (CumSum, LogSoftmax, Hardmax). */
#include "interp_internal.h"

#include <math.h>
#include <stdlib.h>

/* Strides with which each input element lands in the (keepdims-shaped) output: reduced dims
 * get stride 0. mask[d] marks reduced dims of the rank-`rank` input. */
static void interp_reduce_strides(const int64_t *dims, const bool *mask, int rank,
                                  int64_t *strides) {
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = mask[d] ? 0 : s;
        if (!mask[d]) s *= dims[d];
    }
}

/* Calls f(acc + out_offset, x) for every input element, in row-major order. */
static void interp_reduce_walk(const InterpValue *x, const int64_t *dims, const int64_t *strides,
                               double *acc, void (*f)(double *acc, double v, double aux),
                               const double *aux) {
    if (x->numel == 0) return;
    int64_t idx[IR_MAX_RANK] = {0}, off = 0, e = 0;
    const int64_t *sp[1] = {strides};
    do {
        f(&acc[off], x->data[e], aux ? aux[off] : 0.0);
        e++;
    } while (interp_index_next(x->type.rank, dims, idx, 1, &off, sp));
}

static void interp_acc_sum(double *acc, double v, double aux) {
    (void)aux;
    *acc += v;
}
static void interp_acc_abs(double *acc, double v, double aux) {
    (void)aux;
    *acc += fabs(v);
}
static void interp_acc_square(double *acc, double v, double aux) {
    (void)aux;
    *acc += v * v;
}
static void interp_acc_prod(double *acc, double v, double aux) {
    (void)aux;
    *acc *= v;
}
static void interp_acc_max(double *acc, double v, double aux) {
    (void)aux;
    if (isnan(v) || v > *acc) *acc = isnan(*acc) ? *acc : v;
}
static void interp_acc_min(double *acc, double v, double aux) {
    (void)aux;
    if (isnan(v) || v < *acc) *acc = isnan(*acc) ? *acc : v;
}
/* aux is the row's maximum; an infinite maximum is the result by itself. */
static void interp_acc_exp(double *acc, double v, double aux) {
    if (isfinite(aux)) *acc += exp(v - aux);
}

bool interp_reduce(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    int fn = ir_math_reduce_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    int rank = x->type.rank;
    bool mask[IR_MAX_RANK];
    const IrAttr *axes = ir_attr_find(a->n, "axes");
    for (int d = 0; d < rank; d++) mask[d] = axes == NULL;
    for (int i = 0; axes && i < axes->count; i++) mask[interp_axis(axes->ints[i], rank)] = true;
    int64_t dims[IR_MAX_RANK], strides[IR_MAX_RANK], count = 1;
    interp_type_dims(&x->type, dims);
    interp_reduce_strides(dims, mask, rank, strides);
    for (int d = 0; d < rank; d++)
        if (mask[d]) count *= dims[d];
    double *acc = out->data, init = 0.0;
    if (fn == IR_MATH_REDUCE_PROD) init = 1.0;
    if (fn == IR_MATH_REDUCE_MAX || fn == IR_MATH_REDUCE_LOG_SUM_EXP) init = -INFINITY;
    if (fn == IR_MATH_REDUCE_MIN) init = INFINITY;
    for (int64_t i = 0; i < out->numel; i++) acc[i] = init;
    switch ((IrMathReduce)fn) {
    case IR_MATH_REDUCE_SUM:
    case IR_MATH_REDUCE_MEAN:
    case IR_MATH_REDUCE_LOG_SUM:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_sum, NULL);
        break;
    case IR_MATH_REDUCE_L1:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_abs, NULL);
        break;
    case IR_MATH_REDUCE_L2:
    case IR_MATH_REDUCE_SUM_SQUARE:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_square, NULL);
        break;
    case IR_MATH_REDUCE_PROD:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_prod, NULL);
        break;
    case IR_MATH_REDUCE_MAX:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_max, NULL);
        break;
    case IR_MATH_REDUCE_MIN:
        interp_reduce_walk(x, dims, strides, acc, interp_acc_min, NULL);
        break;
    case IR_MATH_REDUCE_LOG_SUM_EXP: {
        /* log(sum(exp(x))) = m + log(sum(exp(x - m))) with m the maximum, so exp never
         * overflows. */
        double *m = malloc(sizeof *m * (size_t)(out->numel > 0 ? out->numel : 1));
        KILN_ASSERT(m != NULL);
        for (int64_t i = 0; i < out->numel; i++) m[i] = -INFINITY;
        interp_reduce_walk(x, dims, strides, m, interp_acc_max, NULL);
        for (int64_t i = 0; i < out->numel; i++) acc[i] = 0.0;
        interp_reduce_walk(x, dims, strides, acc, interp_acc_exp, m);
        for (int64_t i = 0; i < out->numel; i++)
            acc[i] = isfinite(m[i]) ? m[i] + log(acc[i]) : m[i];
        free(m);
        break;
    }
    case IR_MATH_REDUCE_COUNT:
        KILN_ASSERT(!"unknown reduce fn");
    }
    for (int64_t i = 0; i < out->numel; i++) {
        if (fn == IR_MATH_REDUCE_MEAN) acc[i] /= (double)count;
        if (fn == IR_MATH_REDUCE_L2) acc[i] = sqrt(acc[i]);
        if (fn == IR_MATH_REDUCE_LOG_SUM) acc[i] = log(acc[i]);
    }
    return true;
}

/* outer x len x inner view of x around axis. */
static void interp_axis_split(const InterpArgs *a, int64_t *outer, int64_t *len, int64_t *inner) {
    const IrType *t = &a->in[0]->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    *outer = interp_dims_product(t, 0, axis);
    *len = interp_dim(t, axis);
    *inner = interp_dims_product(t, axis + 1, t->rank);
}

/* True when v beats best for ArgMax (sign 1) / ArgMin (sign -1); NaN beats everything, as in
 * numpy; ties go to the later index only when last. */
static bool interp_arg_better(double v, double best, int sign, bool last) {
    if (isnan(best)) return last && isnan(v);
    if (isnan(v)) return true;
    double dv = sign * v, db = sign * best;
    return last ? dv >= db : dv > db;
}

static bool interp_arg(const InterpArgs *a, int sign) {
    int64_t outer, len, inner;
    interp_axis_split(a, &outer, &len, &inner);
    if (len == 0 && outer * inner > 0) {
        ir_node_error(a->d, a->g, a->n, "the reduced axis is empty");
        return false;
    }
    bool last = ir_attr_int(a->n, "select_last_index") != 0;
    const double *x = a->in[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *row = x + o * len * inner + i;
            int64_t best = 0;
            for (int64_t k = 1; k < len; k++)
                if (interp_arg_better(row[k * inner], row[best * inner], sign, last)) best = k;
            a->out[0]->data[o * inner + i] = (double)best;
        }
    return true;
}

bool interp_argmax(const InterpArgs *a) {
    return interp_arg(a, 1);
}
bool interp_argmin(const InterpArgs *a) {
    return interp_arg(a, -1);
}

bool interp_cumsum(const InterpArgs *a) {
    int64_t outer, len, inner;
    interp_axis_split(a, &outer, &len, &inner);
    bool exclusive = ir_attr_int(a->n, "exclusive") != 0;
    bool reverse = ir_attr_int(a->n, "reverse") != 0;
    const double *x = a->in[0]->data;
    double *y = a->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            double sum = 0.0;
            for (int64_t s = 0; s < len; s++) {
                int64_t k = reverse ? len - 1 - s : s, at = (o * len + k) * inner + i;
                if (exclusive) y[at] = sum;
                sum = interp_round(a->out[0]->type.dtype, sum + x[at]);
                if (!exclusive) y[at] = sum;
            }
        }
    return true;
}

bool interp_logsoftmax(const InterpArgs *a) {
    int64_t outer, len, inner;
    interp_axis_split(a, &outer, &len, &inner);
    const double *x = a->in[0]->data;
    double *y = a->out[0]->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *row = x + o * len * inner + i;
            double m = -INFINITY, s = 0.0;
            for (int64_t k = 0; k < len; k++) m = row[k * inner] > m ? row[k * inner] : m;
            for (int64_t k = 0; k < len; k++) s += exp(row[k * inner] - m);
            for (int64_t k = 0; k < len; k++)
                y[(o * len + k) * inner + i] = row[k * inner] - m - log(s);
        }
    return true;
}

bool interp_hardmax(const InterpArgs *a) {
    int64_t outer, len, inner;
    interp_axis_split(a, &outer, &len, &inner);
    const double *x = a->in[0]->data;
    double *y = a->out[0]->data; /* zeroed by the driver */
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            const double *row = x + o * len * inner + i;
            int64_t best = 0;
            for (int64_t k = 1; k < len; k++)
                if (row[k * inner] > row[best * inner]) best = k;
            if (len > 0) y[(o * len + best) * inner + i] = 1.0;
        }
    return true;
}
