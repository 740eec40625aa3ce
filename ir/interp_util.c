/* Helpers shared by the interpreter's op families: dim products, axis normalization, broadcast
 * strides, a row-major multi-index walker, and one attention row. */
#include "interp_internal.h"

#include <math.h>

int64_t interp_dims_product(const IrType *t, int from, int to) {
    int64_t p = 1;
    for (int i = from; i < to; i++) p *= interp_dim(t, i);
    return p;
}

int interp_axis(int64_t axis, int rank) {
    int64_t a = axis < 0 ? axis + rank : axis;
    KILN_ASSERT(a >= 0 && a < rank);
    return (int)a;
}

void interp_broadcast_strides(const int64_t *dims, int rank, int out_rank, int64_t *strides) {
    KILN_ASSERT(rank <= out_rank);
    int64_t s = 1;
    for (int k = out_rank - 1; k >= 0; k--) {
        int i = k - (out_rank - rank); /* the operand's own dim aligned with output dim k */
        if (i < 0) {
            strides[k] = 0;
            continue;
        }
        strides[k] = dims[i] == 1 ? 0 : s;
        s *= dims[i];
    }
}

bool interp_index_next(int rank, const int64_t *dims, int64_t *idx, int n_offsets, int64_t *offsets,
                       const int64_t *const *strides) {
    for (int ax = rank - 1; ax >= 0; ax--) {
        if (++idx[ax] < dims[ax]) {
            for (int k = 0; k < n_offsets; k++) offsets[k] += strides[k][ax];
            return true;
        }
        /* this digit wraps to 0: undo its contribution and carry into the next one */
        for (int k = 0; k < n_offsets; k++) offsets[k] -= strides[k][ax] * (dims[ax] - 1);
        idx[ax] = 0;
    }
    return false;
}

void interp_type_dims(const IrType *t, int64_t *dims) {
    for (int i = 0; i < t->rank; i++) dims[i] = interp_dim(t, i);
}

void interp_attend_row(const double *q, const double *k, int64_t k_stride, const double *v,
                       int64_t v_stride, int64_t visible, int64_t d, int64_t dv, double scale,
                       double *p, double *out) {
    double max = -INFINITY;
    for (int64_t j = 0; j < visible; j++) {
        const double *kj = k + j * k_stride;
        double dot = 0.0;
        for (int64_t c = 0; c < d; c++) dot += q[c] * kj[c];
        p[j] = dot * scale;
        if (p[j] > max) max = p[j];
    }
    double sum = 0.0;
    for (int64_t j = 0; j < visible; j++) {
        p[j] = exp(p[j] - max);
        sum += p[j];
    }
    for (int64_t c = 0; c < dv; c++) {
        double acc = 0.0;
        for (int64_t j = 0; j < visible; j++) acc += p[j] * v[j * v_stride + c];
        out[c] = acc / sum;
    }
}
