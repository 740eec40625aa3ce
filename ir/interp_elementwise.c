/* Interpreter: the elementwise ops. Binary ops broadcast as numpy does; unary ops apply a
 * scalar function to every element. Results are rounded to the output dtype by the driver, so
 * integer Add/Sub/Mul wrap and integer Div truncates toward zero, as C does. */
#include "interp_internal.h"

#include <math.h>
#include <string.h>

/* ---- binary -------------------------------------------------------------------------------- */

typedef enum InterpBinary {
    INTERP_BINARY_ADD,
    INTERP_BINARY_SUB,
    INTERP_BINARY_MUL,
    INTERP_BINARY_DIV,
} InterpBinary;

/* a / b for integer dtypes: exact integer division (truncating), not a rounded double quotient. */
static double interp_int_div(double a, double b) {
    int64_t x = (int64_t)a, y = (int64_t)b;
    if (y == -1) return -a; /* INT64_MIN / -1 would overflow; the negation in double cannot */
    return (double)(x / y);
}

/* out = a (op) b, with a and b broadcast to out's shape. */
static bool interp_binary(const InterpArgs *a, InterpBinary op) {
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
    bool int_div = op == INTERP_BINARY_DIV && !ir_dtype_is_float(out->type.dtype);
    if (out->numel == 0) return true;
    int64_t e = 0;
    do {
        double u = x->data[offs[0]], v = y->data[offs[1]];
        double r = 0.0;
        switch (op) {
        case INTERP_BINARY_ADD:
            r = u + v;
            break;
        case INTERP_BINARY_SUB:
            r = u - v;
            break;
        case INTERP_BINARY_MUL:
            r = u * v;
            break;
        case INTERP_BINARY_DIV:
            if (int_div && v == 0.0) {
                ir_node_error(a->d, a->g, a->n, "integer division by zero (element %lld)",
                              (long long)e);
                return false;
            }
            r = int_div ? interp_int_div(u, v) : u / v;
            break;
        }
        out->data[e++] = r;
    } while (interp_index_next(rank, out_dims, idx, 2, offs, strides));
    KILN_ASSERT(e == out->numel);
    return true;
}

bool interp_add(const InterpArgs *a) {
    return interp_binary(a, INTERP_BINARY_ADD);
}
bool interp_sub(const InterpArgs *a) {
    return interp_binary(a, INTERP_BINARY_SUB);
}
bool interp_mul(const InterpArgs *a) {
    return interp_binary(a, INTERP_BINARY_MUL);
}
bool interp_div(const InterpArgs *a) {
    return interp_binary(a, INTERP_BINARY_DIV);
}

/* ---- unary --------------------------------------------------------------------------------- */

static void interp_unary(const InterpArgs *a, double (*f)(double)) {
    const InterpValue *x = a->in[0];
    InterpValue *out = a->out[0];
    KILN_ASSERT(x->numel == out->numel);
    for (int64_t i = 0; i < x->numel; i++) out->data[i] = f(x->data[i]);
}

static double interp_f_neg(double x) {
    return -x;
}
static double interp_f_rsqrt(double x) {
    return 1.0 / sqrt(x);
}
/* NaN stays NaN (as torch.relu does): only values below zero become zero. */
static double interp_f_relu(double x) {
    return x < 0.0 ? 0.0 : x;
}
static double interp_f_sigmoid(double x) {
    return 1.0 / (1.0 + exp(-x));
}
static double interp_f_silu(double x) {
    return x / (1.0 + exp(-x));
}
static double interp_f_gelu_erf(double x) {
    return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
}
static double interp_f_gelu_tanh(double x) {
    const double k = sqrt(2.0 / 3.14159265358979323846);
    return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
}

bool interp_neg(const InterpArgs *a) {
    interp_unary(a, interp_f_neg);
    return true;
}
bool interp_exp(const InterpArgs *a) {
    interp_unary(a, exp);
    return true;
}
bool interp_sqrt(const InterpArgs *a) {
    interp_unary(a, sqrt);
    return true;
}
bool interp_rsqrt(const InterpArgs *a) {
    interp_unary(a, interp_f_rsqrt);
    return true;
}
bool interp_relu(const InterpArgs *a) {
    interp_unary(a, interp_f_relu);
    return true;
}
bool interp_silu(const InterpArgs *a) {
    interp_unary(a, interp_f_silu);
    return true;
}
bool interp_sigmoid(const InterpArgs *a) {
    interp_unary(a, interp_f_sigmoid);
    return true;
}
bool interp_tanh(const InterpArgs *a) {
    interp_unary(a, tanh);
    return true;
}

bool interp_pow(const InterpArgs *a) {
    double exponent = ir_attr_float(a->n, "exponent");
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++) a->out[0]->data[i] = pow(x->data[i], exponent);
    return true;
}

bool interp_gelu(const InterpArgs *a) {
    const char *approx = ir_attr_string(a->n, "approximate");
    if (strcmp(approx, "none") == 0) {
        interp_unary(a, interp_f_gelu_erf);
    } else if (strcmp(approx, "tanh") == 0) {
        interp_unary(a, interp_f_gelu_tanh);
    } else {
        ir_node_error(a->d, a->g, a->n, "approximate must be \"none\" or \"tanh\", not \"%s\"",
                      approx);
        return false;
    }
    return true;
}
