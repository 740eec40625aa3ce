/* Interpreter: Softmax, LayerNorm and RMSNorm. Sums, means and variances accumulate in double. */
#include "interp_internal.h"

#include <math.h>

/* Optional input i of the node, or NULL when omitted. */
static const InterpValue *interp_optional(const InterpArgs *a, int i) {
    return i < a->n_in ? a->in[i] : NULL;
}

/* Softmax over attribute axis: x viewed as [outer, len, inner], normalized along len. The
 * maximum is subtracted first so exp cannot overflow. */
bool interp_softmax(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    const IrType *t = &x->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    int64_t outer = interp_dims_product(t, 0, axis), len = interp_dim(t, axis);
    int64_t inner = interp_dims_product(t, axis + 1, t->rank);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t in = 0; in < inner; in++) {
            const double *xs = x->data + o * len * inner + in; /* stride inner along axis */
            double *ys = out->data + o * len * inner + in;
            double max = -INFINITY;
            for (int64_t i = 0; i < len; i++)
                if (xs[i * inner] > max) max = xs[i * inner];
            double sum = 0.0;
            for (int64_t i = 0; i < len; i++) {
                ys[i * inner] = exp(xs[i * inner] - max);
                sum += ys[i * inner];
            }
            for (int64_t i = 0; i < len; i++) ys[i * inner] /= sum;
        }
    }
    return true;
}

/* LayerNorm(x, [scale], [bias]): x viewed as [rows, cols] where cols covers dims axis..rank-1;
 * each row becomes (x - mean) / sqrt(var + epsilon) * scale + bias, with the biased (divide by
 * cols) variance. scale and bias are [cols] in row-major order of those dims. */
bool interp_layernorm(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *scale = interp_optional(a, 1), *bias = interp_optional(a, 2);
    InterpValue *out = a->out[0];
    const IrType *t = &x->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    double eps = ir_attr_float(a->n, "epsilon");
    int64_t rows = interp_dims_product(t, 0, axis), cols = interp_dims_product(t, axis, t->rank);
    for (int64_t r = 0; r < rows; r++) {
        const double *xs = x->data + r * cols;
        double *ys = out->data + r * cols;
        double sum = 0.0, sq = 0.0;
        for (int64_t c = 0; c < cols; c++) sum += xs[c];
        double mean = sum / (double)cols;
        for (int64_t c = 0; c < cols; c++) sq += (xs[c] - mean) * (xs[c] - mean);
        double inv = 1.0 / sqrt(sq / (double)cols + eps);
        for (int64_t c = 0; c < cols; c++) {
            double y = (xs[c] - mean) * inv;
            if (scale) y *= scale->data[c];
            if (bias) y += bias->data[c];
            ys[c] = y;
        }
    }
    return true;
}

/* RMSNorm(x, [scale]): x viewed as [rows, cols] as in LayerNorm; each row becomes
 * x / sqrt(mean(x^2) + epsilon) * scale. */
bool interp_rmsnorm(const InterpArgs *a) {
    const InterpValue *x = a->in[0], *scale = interp_optional(a, 1);
    InterpValue *out = a->out[0];
    const IrType *t = &x->type;
    int axis = interp_axis(ir_attr_int(a->n, "axis"), t->rank);
    double eps = ir_attr_float(a->n, "epsilon");
    int64_t rows = interp_dims_product(t, 0, axis), cols = interp_dims_product(t, axis, t->rank);
    for (int64_t r = 0; r < rows; r++) {
        const double *xs = x->data + r * cols;
        double *ys = out->data + r * cols;
        double sq = 0.0;
        for (int64_t c = 0; c < cols; c++) sq += xs[c] * xs[c];
        double inv = 1.0 / sqrt(sq / (double)cols + eps);
        for (int64_t c = 0; c < cols; c++)
            ys[c] = scale ? xs[c] * inv * scale->data[c] : xs[c] * inv;
    }
    return true;
}
