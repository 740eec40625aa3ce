/* Interpreter: the elementwise ops. Binary ops broadcast as numpy does; unary ops apply a
 * scalar function of the table (ir/scalar.h) to every element. Results are rounded to the output
 * dtype by the driver, so integer Add/Sub/Mul wrap and integer Div truncates toward zero, as C
 * does. */
#include "interp_internal.h"

#include <string.h>

/* ---- binary -------------------------------------------------------------------------------- */

/* a / b for integer dtypes: exact integer division (truncating), not a rounded double quotient. */
static double interp_int_div(double a, double b) {
    int64_t x = (int64_t)a, y = (int64_t)b;
    if (y == -1) return -a; /* INT64_MIN / -1 would overflow; the negation in double cannot */
    return (double)(x / y);
}

/* out = fn(a, b) (a row of ir/scalar.h), with a and b broadcast to out's shape. */
static bool interp_binary(const InterpArgs *a, IrScalar fn) {
    const InterpValue *x = a->in[0], *y = a->in[1];
    InterpValue *out = a->out[0];
    int rank = out->type.rank;
    int64_t out_dims[IR_MAX_RANK], x_dims[IR_MAX_RANK], y_dims[IR_MAX_RANK];
    int64_t x_strides[IR_MAX_RANK], y_strides[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(&out->type, out_dims);
    interp_type_dims(&x->type, x_dims);
    interp_type_dims(&y->type, y_dims);
    interp_broadcast_strides(x_dims, x->type.rank, rank, x_strides);
    interp_broadcast_strides(y_dims, y->type.rank, rank, y_strides);
    const int64_t *strides[2] = {x_strides, y_strides};
    int64_t offs[2] = {0, 0};
    bool int_div = fn == IR_SCALAR_DIV && !ir_dtype_is_float(out->type.dtype);
    if (out->numel == 0) return true;
    int64_t e = 0;
    do {
        double u = x->data[offs[0]], v = y->data[offs[1]];
        if (int_div && v == 0.0) {
            ir_node_error(a->d, a->g, a->n, "integer division by zero (element %lld)",
                          (long long)e);
            return false;
        }
        /* Integer Add/Sub/Mul are exact in double below 2^53; the driver wraps the result. */
        out->data[e++] = int_div ? interp_int_div(u, v) : ir_scalar_eval(fn, u, v, NULL);
    } while (interp_index_next(rank, out_dims, idx, 2, offs, strides));
    KILN_ASSERT(e == out->numel);
    return true;
}

/* ---- unary --------------------------------------------------------------------------------- */

/* out = the node's scalar function (ir_scalar_of_node) of x, elementwise. */
static bool interp_unary(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    KILN_ASSERT(x->numel == out->numel);
    IrScalar fn = (IrScalar)ir_scalar_of_node(a->n);
    double p[3];
    ir_scalar_node_params(a->n, p);
    for (int64_t i = 0; i < x->numel; i++) out->data[i] = ir_scalar_eval(fn, x->data[i], 0.0, p);
    return true;
}

/* The core arithmetic and activations (IR_OPF_EPILOGUE ops): one row of the scalar table. */
bool interp_add(const InterpArgs *a) {
    return interp_binary(a, IR_SCALAR_ADD);
}
bool interp_sub(const InterpArgs *a) {
    return interp_binary(a, IR_SCALAR_SUB);
}
bool interp_mul(const InterpArgs *a) {
    return interp_binary(a, IR_SCALAR_MUL);
}
bool interp_div(const InterpArgs *a) {
    return interp_binary(a, IR_SCALAR_DIV);
}
bool interp_neg(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_exp(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_sqrt(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_rsqrt(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_relu(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_silu(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_sigmoid(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_tanh(const InterpArgs *a) {
    return interp_unary(a);
}
bool interp_pow(const InterpArgs *a) {
    return interp_unary(a);
}

bool interp_gelu(const InterpArgs *a) {
    const char *approx = ir_attr_string(a->n, "approximate");
    if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0) {
        ir_node_error(a->d, a->g, a->n, "approximate must be \"none\" or \"tanh\", not \"%s\"",
                      approx);
        return false;
    }
    return interp_unary(a);
}
