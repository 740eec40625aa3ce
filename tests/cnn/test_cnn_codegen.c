/* Differential tests of the "cnn" op family in the C backend: every op, several shapes and
 * attribute variants (padding, strides, dilations, groups, auto_pad, 1-D/2-D/3-D, ceil_mode,
 * count_include_pad, every pad mode, resize modes), compiled and compared with the interpreter
 * on random inputs within 1e-5 x max(1, |ref|). Many cases share one graph so one compiler run
 * covers a family. */
#include "codegen/cg_harness.h"

#include <stdlib.h>
#include <string.h>

#define TOL 1e-5
#define F32 IR_DTYPE_F32

static TestRng rng = {20261121};

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define N(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define IN(name, ...) cgt_input(g, name, F32, N(__VA_ARGS__), D(__VA_ARGS__))
#define W(name, ...) cgt_const(g, &rng, name, F32, N(__VA_ARGS__), D(__VA_ARGS__))
#define INTS(...) D(__VA_ARGS__), N(__VA_ARGS__)

/* A constant [n] of values in [lo, hi) (e.g. positive variances). */
static int const_range(IrGraph *g, const char *name, int64_t n, double lo, double hi) {
    float *v = malloc(sizeof *v * (size_t)n);
    for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(&rng, lo, hi);
    IrType t = {F32, 1, {ir_dim_const(n)}};
    int id = ir_const_add(g, name, &t, v, sizeof *v * (size_t)n, true);
    free(v);
    return id;
}

/* One output node of op over ins; returns the node index (attributes set by the caller). */
static int node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    int nd = cgt_node(g, op, name, ins, n_in, &out, 1);
    ir_output_add(g, out);
    return nd;
}

/* Plans g, runs it on every registered backend against the interpreter, then frees it. */
static void run_graph(IrGraph *g, const char *prefix) {
    cgt_run_all(g, prefix, (const uint64_t[]){11, 12}, 2, TOL);
}

static void test_conv(void) {
    IrGraph *g = ir_graph_new("conv", "conv.json", ".");
    int x = IN("x", 2, 4, 9, 9), x1 = IN("x1", 2, 3, 10), x3 = IN("x3", 1, 2, 4, 5, 6);
    int w = W("w", 6, 4, 3, 3), b = W("b", 6);
    int n = node(g, IR_OP_CONV, "pad1", (int[]){x, w, b}, 3);
    ir_attr_set_ints(g, n, "pads", INTS(1, 1, 1, 1));
    n = node(g, IR_OP_CONV, "stride_dilate", (int[]){x, w}, 2);
    ir_attr_set_ints(g, n, "strides", INTS(2, 1));
    ir_attr_set_ints(g, n, "dilations", INTS(2, 2));
    ir_attr_set_ints(g, n, "pads", INTS(0, 1, 2, 0));
    int wg = W("wg", 6, 2, 3, 3);
    n = node(g, IR_OP_CONV, "group2", (int[]){x, wg, b}, 3);
    ir_attr_set_int(g, n, "group", 2);
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    int wd = W("wd", 4, 1, 3, 3);
    n = node(g, IR_OP_CONV, "depthwise", (int[]){x, wd}, 2);
    ir_attr_set_int(g, n, "group", 4);
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_LOWER");
    int w1x1 = W("w1x1", 5, 4, 1, 1);
    node(g, IR_OP_CONV, "pointwise", (int[]){x, w1x1}, 2);
    int w1 = W("w1", 4, 3, 3), b1 = W("b1", 4);
    n = node(g, IR_OP_CONV, "conv1d", (int[]){x1, w1, b1}, 3);
    ir_attr_set_ints(g, n, "strides", INTS(2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    int w3 = W("w3", 3, 2, 2, 3, 2);
    n = node(g, IR_OP_CONV, "conv3d", (int[]){x3, w3}, 2);
    ir_attr_set_ints(g, n, "pads", INTS(1, 0, 1, 0, 1, 1));
    n = node(g, IR_OP_CONV, "valid", (int[]){x, w}, 2);
    ir_attr_set_string(g, n, "auto_pad", "VALID");
    ir_attr_set_ints(g, n, "strides", INTS(3, 2));
    run_graph(g, "conv");
}

static void test_pools(void) {
    IrGraph *g = ir_graph_new("pools", "pools.json", ".");
    int x = IN("x", 2, 3, 9, 8), x1 = IN("x1", 1, 2, 11), x3 = IN("x3", 1, 2, 5, 4, 3);
    for (int ceil = 0; ceil < 2; ceil++) {
        char name[32];
        snprintf(name, sizeof name, "max_ceil%d", ceil);
        int n = node(g, IR_OP_MAXPOOL, name, &x, 1);
        ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 3));
        ir_attr_set_ints(g, n, "strides", INTS(2, 2));
        ir_attr_set_ints(g, n, "pads", INTS(1, 0, 1, 1));
        ir_attr_set_int(g, n, "ceil_mode", ceil);
        for (int cip = 0; cip < 2; cip++) {
            snprintf(name, sizeof name, "avg_ceil%d_cip%d", ceil, cip);
            n = node(g, IR_OP_AVERAGEPOOL, name, &x, 1);
            ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 2));
            ir_attr_set_ints(g, n, "strides", INTS(2, 3));
            ir_attr_set_ints(g, n, "pads", INTS(1, 1, 1, 0));
            ir_attr_set_int(g, n, "ceil_mode", ceil);
            ir_attr_set_int(g, n, "count_include_pad", cip);
        }
    }
    int n = node(g, IR_OP_MAXPOOL, "max_dilated", &x, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2));
    ir_attr_set_ints(g, n, "dilations", INTS(2, 3));
    n = node(g, IR_OP_MAXPOOL, "max_same", &x, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(3, 3));
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    ir_attr_set_string(g, n, "auto_pad", "SAME_UPPER");
    n = node(g, IR_OP_AVERAGEPOOL, "avg_1d", &x1, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(4));
    ir_attr_set_ints(g, n, "strides", INTS(3));
    ir_attr_set_ints(g, n, "pads", INTS(2, 2));
    ir_attr_set_int(g, n, "count_include_pad", 1);
    n = node(g, IR_OP_AVERAGEPOOL, "avg_3d", &x3, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2, 2));
    ir_attr_set_ints(g, n, "pads", INTS(0, 1, 0, 1, 0, 1));
    node(g, IR_OP_GLOBALAVERAGEPOOL, "gap", &x, 1);
    node(g, IR_OP_GLOBALMAXPOOL, "gmp", &x, 1);
    node(g, IR_OP_GLOBALAVERAGEPOOL, "gap3", &x3, 1);
    run_graph(g, "pools");
}

static void test_norm_pad_resize(void) {
    IrGraph *g = ir_graph_new("npr", "npr.json", ".");
    int x = IN("x", 2, 3, 4, 5);
    int scale = W("scale", 3), bias = W("bias", 3), mean = W("mean", 3);
    int var = const_range(g, "var", 3, 0.1, 2.0);
    node(g, IR_OP_BATCHNORM, "bn", (int[]){x, scale, bias, mean, var}, 5);
    int n = node(g, IR_OP_INSTANCENORM, "in", (int[]){x, scale, bias}, 3);
    ir_attr_set_float(g, n, "epsilon", 1e-3);
    const char *modes[] = {"constant", "reflect", "edge", "wrap"};
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "pad_%s", modes[i]);
        n = node(g, IR_OP_PAD, name, &x, 1);
        ir_attr_set_ints(g, n, "pads", INTS(0, 1, 3, 2, 1, 0, 2, -1));
        ir_attr_set_string(g, n, "mode", modes[i]);
        ir_attr_set_float(g, n, "value", 0.25);
    }
    const char *ctms[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                          "tf_half_pixel_for_nn"};
    const char *nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};
    for (int c = 0; c < 5; c++) {
        for (int k = 0; k < 4; k++) {
            char name[64];
            snprintf(name, sizeof name, "nearest_%d_%d", c, k);
            n = node(g, IR_OP_RESIZE, name, &x, 1);
            ir_attr_set_ints(g, n, "sizes", INTS(0, 3, 8 + k, 3 + 2 * c));
            ir_attr_set_string(g, n, "coordinate_transformation_mode", ctms[c]);
            ir_attr_set_string(g, n, "nearest_mode", nearest[k]);
        }
        char name[64];
        snprintf(name, sizeof name, "linear_%d", c);
        n = node(g, IR_OP_RESIZE, name, &x, 1);
        ir_attr_set_ints(g, n, "sizes", INTS(0, 3, 7, 1 + 3 * c));
        ir_attr_set_string(g, n, "mode", "linear");
        ir_attr_set_string(g, n, "coordinate_transformation_mode", ctms[c]);
    }
    n = node(g, IR_OP_RESIZE, "scaled", &x, 1);
    ir_attr_set_ints(g, n, "sizes", INTS(2, 3, 10, 7));
    ir_attr_set_floats(g, n, "scales", (const double[]){1, 1, 2.5, 1.5}, 4);
    ir_attr_set_string(g, n, "mode", "linear");
    run_graph(g, "npr");
}

int main(void) {
    test_conv();
    test_pools();
    test_norm_pad_resize();
    cgt_report();
    return test_finish();
}
