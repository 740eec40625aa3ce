/* Differential cases of the cnn family (ir/ops_cnn.h): padding, strides, dilations, groups,
 * auto_pad, 1-D/2-D/3-D windows, ceil_mode, count_include_pad, every pad mode and the resize
 * modes. */
#include <stdlib.h>

#include "cg_cases.h"

/* A constant [n] of values in [lo, hi) (e.g. positive variances). */
static int const_range(CgtCase *c, const char *name, int64_t n, double lo, double hi) {
    float *v = malloc(sizeof *v * (size_t)n);
    KILN_ASSERT(v != NULL);
    for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(&c->rng, lo, hi);
    int id = cgt_case_const_data(c, name, F32, 1, D(n), v);
    free(v);
    return id;
}

/* A one-output node of op over ins, as a graph output; returns the node index. */
static int node(CgtCase *c, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    int nd = cgt_case_node(c, op, name, ins, n_in, &out, 1);
    OUT(out);
    return nd;
}

void cgt_case_conv(CgtCase *c) {
    IrGraph *g = c->g;
    int x = IN("x", F32, 2, 4, 9, 9), x1 = IN("x1", F32, 2, 3, 10);
    int x3 = IN("x3", F32, 1, 2, 4, 5, 6);
    int w = CONST("w", F32, 6, 4, 3, 3), b = CONST("b", F32, 6);
    int n = node(c, IR_OP_CONV, "pad1", VALS(x, w, b));
    ir_attr_set_ints(g, n, "pads", INTS(1, 1, 1, 1));
    n = node(c, IR_OP_CONV, "stride_dilate", VALS(x, w));
    ir_attr_set_ints(g, n, "strides", INTS(2, 1));
    ir_attr_set_ints(g, n, "dilations", INTS(2, 2));
    ir_attr_set_ints(g, n, "pads", INTS(0, 1, 2, 0));
    int wg = CONST("wg", F32, 6, 2, 3, 3);
    n = node(c, IR_OP_CONV, "group2", VALS(x, wg, b));
    ir_attr_set_int(g, n, "group", 2);
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    int wd = CONST("wd", F32, 4, 1, 3, 3);
    n = node(c, IR_OP_CONV, "depthwise", VALS(x, wd));
    ir_attr_set_int(g, n, "group", 4);
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_LOWER");
    int w1x1 = CONST("w1x1", F32, 5, 4, 1, 1);
    node(c, IR_OP_CONV, "pointwise", VALS(x, w1x1));
    int w1 = CONST("w1", F32, 4, 3, 3), b1 = CONST("b1", F32, 4);
    n = node(c, IR_OP_CONV, "conv1d", VALS(x1, w1, b1));
    ir_attr_set_ints(g, n, "strides", INTS(2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    int w3 = CONST("w3", F32, 3, 2, 2, 3, 2);
    n = node(c, IR_OP_CONV, "conv3d", VALS(x3, w3));
    ir_attr_set_ints(g, n, "pads", INTS(1, 0, 1, 0, 1, 1));
    n = node(c, IR_OP_CONV, "valid", VALS(x, w));
    ir_attr_set_string(g, n, "auto_pad", "VALID");
    ir_attr_set_ints(g, n, "strides", INTS(3, 2));
}

void cgt_case_maxpool(CgtCase *c) {
    IrGraph *g = c->g;
    int x = IN("x", F32, 2, 3, 9, 8), x3 = IN("x3", F32, 1, 2, 5, 4, 3);
    for (int ceil = 0; ceil < 2; ceil++) {
        int n = node(c, IR_OP_MAXPOOL, "ceil", &x, 1);
        ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 3));
        ir_attr_set_ints(g, n, "strides", INTS(2, 2));
        ir_attr_set_ints(g, n, "pads", INTS(1, 0, 1, 1));
        ir_attr_set_int(g, n, "ceil_mode", ceil);
    }
    int n = node(c, IR_OP_MAXPOOL, "dilated", &x, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2));
    ir_attr_set_ints(g, n, "dilations", INTS(2, 3));
    n = node(c, IR_OP_MAXPOOL, "same", &x, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 3));
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    n = node(c, IR_OP_MAXPOOL, "3d", &x3, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2, 2));
    ir_attr_set_ints(g, n, "pads", INTS(0, 1, 0, 1, 0, 1));
}

void cgt_case_averagepool(CgtCase *c) {
    IrGraph *g = c->g;
    int x = IN("x", F32, 2, 3, 9, 8), x1 = IN("x1", F32, 1, 2, 11);
    int x3 = IN("x3", F32, 1, 2, 5, 4, 3);
    for (int ceil = 0; ceil < 2; ceil++)
        for (int cip = 0; cip < 2; cip++) {
            int n = node(c, IR_OP_AVERAGEPOOL, "ceil_cip", &x, 1);
            ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 2));
            ir_attr_set_ints(g, n, "strides", INTS(2, 3));
            ir_attr_set_ints(g, n, "pads", INTS(1, 1, 1, 0));
            ir_attr_set_int(g, n, "ceil_mode", ceil);
            ir_attr_set_int(g, n, "count_include_pad", cip);
        }
    int n = node(c, IR_OP_AVERAGEPOOL, "1d", &x1, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(4));
    ir_attr_set_ints(g, n, "strides", INTS(3));
    ir_attr_set_ints(g, n, "pads", INTS(2, 2));
    ir_attr_set_int(g, n, "count_include_pad", 1);
    n = node(c, IR_OP_AVERAGEPOOL, "3d", &x3, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2, 2));
    ir_attr_set_ints(g, n, "pads", INTS(0, 1, 0, 1, 0, 1));
}

void cgt_case_globalaveragepool(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 9, 8), x1 = IN("x1", F32, 1, 2, 11);
    int x3 = IN("x3", F32, 1, 2, 5, 4, 3);
    node(c, IR_OP_GLOBALAVERAGEPOOL, "2d", &x, 1);
    node(c, IR_OP_GLOBALAVERAGEPOOL, "1d", &x1, 1);
    node(c, IR_OP_GLOBALAVERAGEPOOL, "3d", &x3, 1);
}

void cgt_case_globalmaxpool(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 9, 8), x1 = IN("x1", F32, 1, 2, 11);
    int x3 = IN("x3", F32, 1, 2, 5, 4, 3);
    node(c, IR_OP_GLOBALMAXPOOL, "2d", &x, 1);
    node(c, IR_OP_GLOBALMAXPOOL, "1d", &x1, 1);
    node(c, IR_OP_GLOBALMAXPOOL, "3d", &x3, 1);
}

void cgt_case_batchnorm(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 4, 5), x1 = IN("x1", F32, 2, 3, 7);
    int scale = CONST("scale", F32, 3), bias = CONST("bias", F32, 3);
    int mean = CONST("mean", F32, 3);
    int var = const_range(c, "var", 3, 0.1, 2.0);
    node(c, IR_OP_BATCHNORM, "2d", VALS(x, scale, bias, mean, var));
    int n = node(c, IR_OP_BATCHNORM, "1d", VALS(x1, scale, bias, mean, var));
    ir_attr_set_float(c->g, n, "epsilon", 1e-3);
}

void cgt_case_instancenorm(CgtCase *c) {
    int x = IN("x", F32, 2, 3, 4, 5), x1 = IN("x1", F32, 2, 3, 7);
    int scale = CONST("scale", F32, 3), bias = CONST("bias", F32, 3);
    int n = node(c, IR_OP_INSTANCENORM, "2d", VALS(x, scale, bias));
    ir_attr_set_float(c->g, n, "epsilon", 1e-3);
    node(c, IR_OP_INSTANCENORM, "1d", VALS(x1, scale, bias));
}

void cgt_case_pad(CgtCase *c) {
    /* The C backend pads f32 only (the op takes any dtype), so the second variant is f32 too. */
    int x = IN("x", F32, 2, 3, 4, 5), x2 = IN("x2", F32, 3, 4);
    const char *modes[] = {"constant", "reflect", "edge", "wrap"};
    for (int k = 0; k < 4; k++) {
        int n = node(c, IR_OP_PAD, modes[k], &x, 1);
        ir_attr_set_ints(c->g, n, "pads", INTS(0, 1, 3, 2, 1, 0, 2, -1));
        ir_attr_set_string(c->g, n, "mode", modes[k]);
        ir_attr_set_float(c->g, n, "value", 0.25);
        n = node(c, IR_OP_PAD, modes[k], &x2, 1);
        ir_attr_set_ints(c->g, n, "pads", INTS(2, 1, 1, 3));
        ir_attr_set_string(c->g, n, "mode", modes[k]);
        ir_attr_set_float(c->g, n, "value", 2);
    }
}

void cgt_case_resize(CgtCase *c) {
    IrGraph *g = c->g;
    int x = IN("x", F32, 2, 3, 4, 5);
    const char *ctms[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                          "tf_half_pixel_for_nn"};
    const char *nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    for (int m = 0; m < 5; m++) {
        for (int k = 0; k < 4; k++) {
            int n = node(c, IR_OP_RESIZE, "nearest", &x, 1);
            ir_attr_set_ints(g, n, "sizes", INTS(0, 3, 8 + k, 3 + 2 * m));
            ir_attr_set_string(g, n, "coordinate_transformation_mode", ctms[m]);
            ir_attr_set_string(g, n, "nearest_mode", nearest[k]);
        }
        int n = node(c, IR_OP_RESIZE, "linear", &x, 1);
        ir_attr_set_ints(g, n, "sizes", INTS(0, 3, 7, 1 + 3 * m));
        ir_attr_set_string(g, n, "mode", "linear");
        ir_attr_set_string(g, n, "coordinate_transformation_mode", ctms[m]);
    }
    int n = node(c, IR_OP_RESIZE, "scaled", &x, 1);
    ir_attr_set_ints(g, n, "sizes", INTS(2, 3, 10, 7));
    ir_attr_set_floats(g, n, "scales", (const double[]){1, 1, 2.5, 1.5}, 4);
    ir_attr_set_string(g, n, "mode", "linear");
}
