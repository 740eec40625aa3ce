/* Interpreter: the math family's unary ops (Unary, Clip, IsNaN, IsInf, Not), in double with
 * ONNX semantics; Unary's functions are rows of the scalar table (ir/scalar.h). The driver
 * rounds results to the output dtype. */
#include "interp_internal.h"

#include <math.h>

bool interp_unary_fn(const InterpArgs *a) {
    int fn = ir_math_unary_fn(ir_attr_string(a->n, "fn"));
    KILN_ASSERT(fn >= 0);
    double p[3];
    ir_scalar_node_params(a->n, p); /* alpha, beta, gamma */
    const InterpValue *x = a->in[0];
    for (int64_t i = 0; i < x->numel; i++)
        a->out[0]->data[i] = ir_scalar_eval((IrScalar)fn, x->data[i], 0.0, p);
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
