/* Interpreter: the math family's unary ops (Unary, Clip, IsNaN, IsInf, Not), in double with
 * ONNX semantics. The driver rounds results to the output dtype. */
#include "interp_internal.h"

#include <math.h>

/* One Unary function with its parameters. */
static double interp_unary_scalar(IrMathUnary fn, double x, double alpha, double beta,
                                  double gamma) {
    switch (fn) {
    case IR_MATH_UNARY_ABS:
        return fabs(x);
    case IR_MATH_UNARY_SIGN:
        return x > 0 ? 1.0 : x < 0 ? -1.0 : x; /* 0 stays 0, NaN stays NaN */
    case IR_MATH_UNARY_CEIL:
        return ceil(x);
    case IR_MATH_UNARY_FLOOR:
        return floor(x);
    case IR_MATH_UNARY_ROUND:
        return nearbyint(x); /* default rounding mode: half to even */
    case IR_MATH_UNARY_RECIPROCAL:
        return 1.0 / x;
    case IR_MATH_UNARY_ERF:
        return erf(x);
    case IR_MATH_UNARY_LOG:
        return log(x);
    case IR_MATH_UNARY_SIN:
        return sin(x);
    case IR_MATH_UNARY_COS:
        return cos(x);
    case IR_MATH_UNARY_TAN:
        return tan(x);
    case IR_MATH_UNARY_ASIN:
        return asin(x);
    case IR_MATH_UNARY_ACOS:
        return acos(x);
    case IR_MATH_UNARY_ATAN:
        return atan(x);
    case IR_MATH_UNARY_SINH:
        return sinh(x);
    case IR_MATH_UNARY_COSH:
        return cosh(x);
    case IR_MATH_UNARY_ASINH:
        return asinh(x);
    case IR_MATH_UNARY_ACOSH:
        return acosh(x);
    case IR_MATH_UNARY_ATANH:
        return atanh(x);
    case IR_MATH_UNARY_SOFTPLUS:
        return log1p(exp(x));
    case IR_MATH_UNARY_SOFTSIGN:
        return x / (1.0 + fabs(x));
    case IR_MATH_UNARY_MISH:
        return x * tanh(log1p(exp(x)));
    case IR_MATH_UNARY_HARDSWISH:
        return x * fmax(0.0, fmin(1.0, x / 6.0 + 0.5));
    case IR_MATH_UNARY_ELU:
        return x < 0 ? alpha * (exp(x) - 1.0) : x;
    case IR_MATH_UNARY_SELU:
        return gamma * (x <= 0 ? alpha * (exp(x) - 1.0) : x);
    case IR_MATH_UNARY_CELU:
        return fmax(0.0, x) + fmin(0.0, alpha * (exp(x / alpha) - 1.0));
    case IR_MATH_UNARY_LEAKY_RELU:
        return x < 0 ? alpha * x : x;
    case IR_MATH_UNARY_THRESHOLDED_RELU:
        return x > alpha ? x : 0.0;
    case IR_MATH_UNARY_HARD_SIGMOID:
        return fmax(0.0, fmin(1.0, alpha * x + beta));
    case IR_MATH_UNARY_SHRINK:
        return x < -alpha ? x + beta : x > alpha ? x - beta : 0.0;
    case IR_MATH_UNARY_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown unary fn");
    return 0.0;
}

bool interp_unary_fn(const InterpArgs *a) {
    int fn = ir_math_unary_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    double alpha = ir_attr_float(a->n, "alpha"), beta = ir_attr_float(a->n, "beta");
    double gamma = ir_attr_float(a->n, "gamma");
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++)
        a->out[0]->data[i] = interp_unary_scalar((IrMathUnary)fn, x->data[i], alpha, beta, gamma);
    return true;
}

bool interp_clip(const InterpArgs *a) {
    const IrAttr *lo = ir_attr_find(a->n, "min"), *hi = ir_attr_find(a->n, "max");
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++) {
        double v = x->data[i];
        if (lo && v < lo->f) v = lo->f;
        if (hi && v > hi->f) v = hi->f;
        a->out[0]->data[i] = v;
    }
    return true;
}

bool interp_isnan(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++) a->out[0]->data[i] = isnan(x->data[i]) ? 1.0 : 0.0;
    return true;
}

bool interp_isinf(const InterpArgs *a) {
    bool pos = ir_attr_int(a->n, "detect_positive") != 0;
    bool neg = ir_attr_int(a->n, "detect_negative") != 0;
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++) {
        double v = x->data[i];
        a->out[0]->data[i] = (pos && v == INFINITY) || (neg && v == -INFINITY) ? 1.0 : 0.0;
    }
    return true;
}

bool interp_not(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++) a->out[0]->data[i] = x->data[i] != 0.0 ? 0.0 : 1.0;
    return true;
}
