/* Interpreter: MatMul (numpy matmul rules) and Linear. Dot products accumulate in double. */
#include "interp_internal.h"

/* c[M, N] = a[M, K] b[K, N] for row-major blocks at the given pointers. */
static void interp_gemm(const double *a, const double *b, double *c, int64_t m, int64_t k,
                        int64_t n) {
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (int64_t p = 0; p < k; p++) acc += a[i * k + p] * b[p * n + j];
            c[i * n + j] = acc;
        }
    }
}

/* MatMul(a[..., M, K], b[..., K, N]) -> [..., M, N]. A rank-1 a is read as [1, K] and a rank-1
 * b as [K, 1]; the added dim is absent from the output (the shape rule already dropped it),
 * which changes nothing in the row-major data. Batch dims broadcast. */
bool interp_matmul(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *y = a->in[1];
    InterpValue *out = a->out[0];
    int64_t xd[IR_MAX_RANK + 1], yd[IR_MAX_RANK + 1];
    int xr = x->type.rank, yr = y->type.rank;
    if (xr == 1) {
        xd[0] = 1;
        xd[1] = interp_dim(&x->type, 0);
        xr = 2;
    } else {
        interp_type_dims(&x->type, xd);
    }
    if (yr == 1) {
        yd[0] = interp_dim(&y->type, 0);
        yd[1] = 1;
        yr = 2;
    } else {
        interp_type_dims(&y->type, yd);
    }
    int64_t m = xd[xr - 2], k = xd[xr - 1], n = yd[yr - 1];
    KILN_ASSERT(yd[yr - 2] == k);

    /* batch dims: [0, xr-2) of x and [0, yr-2) of y, right-aligned and broadcast */
    int xb = xr - 2, yb = yr - 2, br = xb > yb ? xb : yb;
    int64_t bdims[IR_MAX_RANK], xs[IR_MAX_RANK], ys[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    int64_t batches = 1;
    for (int i = 0; i < br; i++) {
        int64_t dx = i - (br - xb) >= 0 ? xd[i - (br - xb)] : 1;
        int64_t dy = i - (br - yb) >= 0 ? yd[i - (br - yb)] : 1;
        bdims[i] = dx == 1 ? dy : dx;
        batches *= bdims[i];
    }
    KILN_ASSERT(batches * m * n == out->numel);
    if (out->numel == 0) return true;
    interp_broadcast_strides(xd, xb, br, xs);
    interp_broadcast_strides(yd, yb, br, ys);
    const int64_t *strides[2] = {xs, ys};
    int64_t offs[2] = {0, 0}; /* in matrices, not elements */
    int64_t bi = 0;
    do {
        interp_gemm(x->data + offs[0] * m * k, y->data + offs[1] * k * n, out->data + bi * m * n, m,
                    k, n);
        bi++;
    } while (interp_index_next(br, bdims, idx, 2, offs, strides));
    KILN_ASSERT(bi == batches);
    return true;
}

/* Linear(x[..., K], w, [bias[N]]) -> [..., N]: w is [N, K] when transpose_w=1 (torch
 * nn.Linear), [K, N] when transpose_w=0. */
bool interp_linear(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *w = a->in[1];
    const InterpValue *bias = a->n_in > 2 ? a->in[2] : NULL;
    InterpValue *out = a->out[0];
    bool transposed = ir_attr_int(a->n, "transpose_w") != 0;
    int xr = x->type.rank;
    int64_t k = interp_dim(&x->type, xr - 1);
    int64_t n = interp_dim(&out->type, out->type.rank - 1);
    int64_t rows = interp_dims_product(&x->type, 0, xr - 1);
    /* element (p, j) of the logical [K, N] weight */
    int64_t w_row_stride = transposed ? 1 : n, w_col_stride = transposed ? k : 1;
    for (int64_t r = 0; r < rows; r++) {
        const double *xrow = x->data + r * k;
        for (int64_t j = 0; j < n; j++) {
            double acc = 0.0;
            for (int64_t p = 0; p < k; p++)
                acc += xrow[p] * w->data[p * w_row_stride + j * w_col_stride];
            out->data[r * n + j] = bias ? acc + bias->data[j] : acc;
        }
    }
    return true;
}
