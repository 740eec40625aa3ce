/* The scalar-function table (ir/scalar.h): each row's reference function, in double precision,
 * and the lookups by node and by spelling. The reference functions are the interpreter's
 * arithmetic, so they follow the templates' formulas operation by operation. */
#include "scalar.h"
#include "ir.h"

#include <math.h>
#include <string.h>

/* b and p are unused by some rows: every reference function has the one signature. */
#define IR_SCALAR_UNUSED (void)b, (void)p

static double ir_scalar_ref_add(double a, double b, const double *p) {
    (void)p;
    return a + b;
}
static double ir_scalar_ref_sub(double a, double b, const double *p) {
    (void)p;
    return a - b;
}
static double ir_scalar_ref_mul(double a, double b, const double *p) {
    (void)p;
    return a * b;
}
static double ir_scalar_ref_div(double a, double b, const double *p) {
    (void)p;
    return a / b;
}
static double ir_scalar_ref_neg(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return -a;
}
static double ir_scalar_ref_exp(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return exp(a);
}
static double ir_scalar_ref_sqrt(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return sqrt(a);
}
static double ir_scalar_ref_rsqrt(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return 1.0 / sqrt(a);
}
/* NaN stays NaN (as torch.relu does): only values below zero become zero. */
static double ir_scalar_ref_relu(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a < 0.0 ? 0.0 : a;
}
static double ir_scalar_ref_silu(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a / (1.0 + exp(-a));
}
static double ir_scalar_ref_sigmoid(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return 1.0 / (1.0 + exp(-a));
}
static double ir_scalar_ref_tanh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return tanh(a);
}
/* 0.7071... = 1/sqrt(2); 0.7978... = sqrt(2/pi). */
static double ir_scalar_ref_gelu(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return 0.5 * a * (1.0 + erf(a * 0.70710678118654752440));
}
static double ir_scalar_ref_gelu_tanh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return 0.5 * a * (1.0 + tanh(0.79788456080286535588 * (a + 0.044715 * a * a * a)));
}
static double ir_scalar_ref_pow(double a, double b, const double *p) {
    (void)b;
    return pow(a, p[0]);
}
static double ir_scalar_ref_constant(double a, double b, const double *p) {
    (void)a, (void)b;
    return p[0];
}

static double ir_scalar_ref_abs(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return fabs(a);
}
static double ir_scalar_ref_sign(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a > 0 ? 1.0 : a < 0 ? -1.0 : a; /* 0 stays 0, NaN stays NaN */
}
static double ir_scalar_ref_ceil(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return ceil(a);
}
static double ir_scalar_ref_floor(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return floor(a);
}
static double ir_scalar_ref_round(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return nearbyint(a); /* default rounding mode: half to even */
}
static double ir_scalar_ref_reciprocal(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return 1.0 / a;
}
static double ir_scalar_ref_erf(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return erf(a);
}
static double ir_scalar_ref_log(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return log(a);
}
static double ir_scalar_ref_sin(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return sin(a);
}
static double ir_scalar_ref_cos(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return cos(a);
}
static double ir_scalar_ref_tan(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return tan(a);
}
static double ir_scalar_ref_asin(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return asin(a);
}
static double ir_scalar_ref_acos(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return acos(a);
}
static double ir_scalar_ref_atan(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return atan(a);
}
static double ir_scalar_ref_sinh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return sinh(a);
}
static double ir_scalar_ref_cosh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return cosh(a);
}
static double ir_scalar_ref_asinh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return asinh(a);
}
static double ir_scalar_ref_acosh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return acosh(a);
}
static double ir_scalar_ref_atanh(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return atanh(a);
}
static double ir_scalar_ref_softplus(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return log1p(exp(a));
}
static double ir_scalar_ref_softsign(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a / (1.0 + fabs(a));
}
static double ir_scalar_ref_mish(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a * tanh(log1p(exp(a)));
}
static double ir_scalar_ref_hardswish(double a, double b, const double *p) {
    IR_SCALAR_UNUSED;
    return a * fmax(0.0, fmin(1.0, a / 6.0 + 0.5));
}
static double ir_scalar_ref_elu(double a, double b, const double *p) {
    (void)b;
    return a < 0 ? p[0] * (exp(a) - 1.0) : a;
}
static double ir_scalar_ref_selu(double a, double b, const double *p) {
    (void)b;
    return p[2] * (a <= 0 ? p[0] * (exp(a) - 1.0) : a);
}
static double ir_scalar_ref_celu(double a, double b, const double *p) {
    (void)b;
    return fmax(0.0, a) + fmin(0.0, p[0] * (exp(a / p[0]) - 1.0));
}
static double ir_scalar_ref_leaky_relu(double a, double b, const double *p) {
    (void)b;
    return a < 0 ? p[0] * a : a;
}
static double ir_scalar_ref_thresholded_relu(double a, double b, const double *p) {
    (void)b;
    return a > p[0] ? a : 0.0;
}
static double ir_scalar_ref_hard_sigmoid(double a, double b, const double *p) {
    (void)b;
    return fmax(0.0, fmin(1.0, p[0] * a + p[1]));
}
static double ir_scalar_ref_shrink(double a, double b, const double *p) {
    (void)b;
    return a < -p[0] ? a + p[1] : a > p[0] ? a - p[1] : 0.0;
}

/* NaN in either operand gives NaN (numpy minimum/maximum). */
static double ir_scalar_ref_min(double a, double b, const double *p) {
    (void)p;
    return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
}
static double ir_scalar_ref_max(double a, double b, const double *p) {
    (void)p;
    return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
}
static double ir_scalar_ref_mod(double a, double b, const double *p) {
    (void)p;
    double r = fmod(a, b);
    return r != 0.0 && ((r < 0) != (b < 0)) ? r + b : r;
}
static double ir_scalar_ref_fmod(double a, double b, const double *p) {
    (void)p;
    return fmod(a, b);
}
static double ir_scalar_ref_pow_binary(double a, double b, const double *p) {
    (void)p;
    return pow(a, b);
}
static double ir_scalar_ref_prelu(double a, double b, const double *p) {
    (void)p;
    return a < 0 ? a * b : a;
}

static const IrScalarInfo ir_scalar_table[] = {
#define IR_SCALAR_ROW(E, mn, ref, arity, n_params, kind, tmpl)                                     \
    {mn, ir_scalar_ref_##ref, arity, n_params, IR_SCALAR_KIND_##kind, tmpl},
    IR_SCALARS(IR_SCALAR_ROW)
#undef IR_SCALAR_ROW
};
_Static_assert(sizeof ir_scalar_table / sizeof ir_scalar_table[0] == IR_SCALAR_COUNT,
               "one row per scalar function");

const IrScalarInfo *ir_scalar_info(IrScalar s) {
    KILN_ASSERT((unsigned)s < IR_SCALAR_COUNT);
    return &ir_scalar_table[s];
}

int ir_scalar_find(IrScalarKind kind, const char *mnemonic) {
    for (int i = 0; i < IR_SCALAR_COUNT; i++)
        if (ir_scalar_table[i].kind == kind && strcmp(ir_scalar_table[i].mnemonic, mnemonic) == 0)
            return i;
    return -1;
}

int ir_scalar_of_node(const IrNode *n) {
    if (!ir_op_has(n->op, IR_OPF_EPILOGUE)) return -1;
    if (n->op == IR_OP_GELU)
        return strcmp(ir_attr_string(n, "approximate"), "tanh") == 0 ? IR_SCALAR_GELU_TANH
                                                                     : IR_SCALAR_GELU;
    /* Every other such op is spelled as its row: Add is "add", Sigmoid "sigmoid". */
    char name[32];
    const char *s = ir_op_info(n->op)->name;
    size_t len = strlen(s);
    KILN_ASSERT(len < sizeof name);
    for (size_t i = 0; i <= len; i++)
        name[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
    int row = ir_scalar_find(IR_SCALAR_KIND_CORE, name);
    KILN_ASSERT(row >= 0); /* an IR_OPF_EPILOGUE op needs a CORE row (test_scalar checks) */
    return row;
}

void ir_scalar_node_params(const IrNode *n, double p[3]) {
    p[0] = p[1] = p[2] = 0.0;
    if (n->op == IR_OP_POW) {
        p[0] = ir_attr_float(n, "exponent");
    } else if (n->op == IR_OP_UNARY_FN) {
        p[0] = ir_attr_float(n, "alpha");
        p[1] = ir_attr_float(n, "beta");
        p[2] = ir_attr_float(n, "gamma");
    }
}
