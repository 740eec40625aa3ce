/* Interpreter tests of the "cnn" op family against hand-computed values: Conv (padding, stride,
 * dilation, groups, bias, auto_pad), the pools (ceil_mode, count_include_pad), the global pools,
 * BatchNormalization, InstanceNormalization, Pad (every mode, cropping) and Resize (nearest
 * rounding modes, linear, coordinate modes), plus shape-rule errors. */
#include "interp/interp_test.h"

#include <string.h>

#define F32 IR_DTYPE_F32
#define TOL 1e-6
#define INTS(...) (const int64_t[]){__VA_ARGS__}, (int)(sizeof((const int64_t[]){__VA_ARGS__}) / 8)

static const double x3x3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* [[1,2,3],[4,5,6],[7,8,9]] */

/* ---- Conv ---------------------------------------------------------------------------------- */

static void test_conv_basic(void) {
    /* w = [[1,0],[0,1]] adds each pixel to its lower-right neighbour:
     * 1+5=6, 2+6=8, 4+8=12, 5+9=14 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 3, 3));
    int w = ti_const(g, F32, TI_DIMS(1, 1, 2, 2), (double[]){1, 0, 0, 1});
    ti_node(g, IR_OP_CONV, (int[]){x, w}, 2, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){x3x3}, out))
        ti_expect("conv 2x2", &out[0], F32, TI_DIMS(1, 1, 2, 2), (double[]){6, 8, 12, 14}, TOL);
    ti_done(g, out);
}

static void test_conv_pad_stride(void) {
    /* 3x3 ones, pads 1, stride 2: out = (3 + 2 - 3) / 2 + 1 = 2 per dim; window (0,0) covers
     * x[0..1][0..1] = 1+2+4+5 = 12, (0,1) x[0..1][1..2] = 2+3+5+6 = 16, (1,0) 4+5+7+8 = 24,
     * (1,1) 5+6+8+9 = 28 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 3, 3));
    int w = ti_const(g, F32, TI_DIMS(1, 1, 3, 3), (double[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
    int n = ti_node(g, IR_OP_CONV, (int[]){x, w}, 2, 1);
    ir_attr_set_ints(g, n, "pads", INTS(1, 1, 1, 1));
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    IrTensor out[1];
    if (ti_run(g, (const double *[]){x3x3}, out))
        ti_expect("conv pad stride", &out[0], F32, TI_DIMS(1, 1, 2, 2), (double[]){12, 16, 24, 28},
                  TOL);
    ti_done(g, out);
}

static void test_conv_dilation_1d(void) {
    /* 1-D, w = [1, 1] with dilation 2: span 3, out = 5 - 3 + 1 = 3; y[o] = x[o] + x[o+2]:
     * 1+3=4, 2+4=6, 3+5=8 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 5));
    int w = ti_const(g, F32, TI_DIMS(1, 1, 2), (double[]){1, 1});
    int n = ti_node(g, IR_OP_CONV, (int[]){x, w}, 2, 1);
    ir_attr_set_ints(g, n, "dilations", INTS(2));
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5}}, out))
        ti_expect("conv dilation", &out[0], F32, TI_DIMS(1, 1, 3), (double[]){4, 6, 8}, TOL);
    ti_done(g, out);
}

static void test_conv_groups_bias(void) {
    /* group 2 (depthwise): channel 0 (3) * 2 + 1 = 7, channel 1 (5) * 10 - 1 = 49 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 2, 1, 1));
    int w = ti_const(g, F32, TI_DIMS(2, 1, 1, 1), (double[]){2, 10});
    int b = ti_const(g, F32, TI_DIMS(2), (double[]){1, -1});
    int n = ti_node(g, IR_OP_CONV, (int[]){x, w, b}, 3, 1);
    ir_attr_set_int(g, n, "group", 2);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){3, 5}}, out))
        ti_expect("conv groups", &out[0], F32, TI_DIMS(1, 2, 1, 1), (double[]){7, 49}, TOL);
    ti_done(g, out);
}

static void test_conv_auto_pad(void) {
    /* x = [1,2,3,4], w = [1,1]: SAME gives out 4 and total padding 3 + 2 - 4 = 1.
     * SAME_UPPER pads at the end: 1+2, 2+3, 3+4, 4+0 = 3, 5, 7, 4;
     * SAME_LOWER pads in front: 0+1, 1+2, 2+3, 3+4 = 1, 3, 5, 7 */
    const char *modes[] = {"SAME_UPPER", "SAME_LOWER"};
    const double want[2][4] = {{3, 5, 7, 4}, {1, 3, 5, 7}};
    for (int i = 0; i < 2; i++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(1, 1, 4));
        int w = ti_const(g, F32, TI_DIMS(1, 1, 2), (double[]){1, 1});
        int n = ti_node(g, IR_OP_CONV, (int[]){x, w}, 2, 1);
        ir_attr_set_string(g, n, "auto_pad", modes[i]);
        IrTensor out[1];
        if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}}, out))
            ti_expect(modes[i], &out[0], F32, TI_DIMS(1, 1, 4), want[i], TOL);
        ti_done(g, out);
    }
}

static void test_conv_errors(void) {
    /* C = 3 is not group (2) x weights dim 1 (1) */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 3, 4, 4));
    int w = ti_const(g, F32, TI_DIMS(2, 1, 1, 1), (double[]){1, 1});
    int n = ti_node(g, IR_OP_CONV, (int[]){x, w}, 2, 1);
    ir_attr_set_int(g, n, "group", 2);
    Diag d;
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "do not fit group 2");
    diag_free(&d);
    ir_graph_free(g);

    /* a 5x5 window on a 3x3 input */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(1, 1, 3, 3));
    n = ti_node(g, IR_OP_MAXPOOL, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(5, 5));
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "larger than the padded input");
    diag_free(&d);
    ir_graph_free(g);
}

/* ---- pools --------------------------------------------------------------------------------- */

/* A pool on x3x3 with a 2x2 window and stride 2. */
static void pool_case(const char *what, IrOp op, int ceil_mode, const int64_t *dims, int rank,
                      const double *want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 3, 3));
    int n = ti_node(g, op, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "kernel_shape", INTS(2, 2));
    ir_attr_set_ints(g, n, "strides", INTS(2, 2));
    ir_attr_set_int(g, n, "ceil_mode", ceil_mode);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){x3x3}, out))
        ti_expect(what, &out[0], F32, dims, rank, want, TOL);
    ti_done(g, out);
}

static void test_pools_ceil_mode(void) {
    /* floor: one window {1,2,4,5}. ceil: out = ceil((3-2)/2) + 1 = 2; windows {1,2,4,5},
     * {3,6}, {7,8}, {9} (the rest falls outside x) */
    pool_case("max floor", IR_OP_MAXPOOL, 0, TI_DIMS(1, 1, 1, 1), (double[]){5});
    pool_case("max ceil", IR_OP_MAXPOOL, 1, TI_DIMS(1, 1, 2, 2), (double[]){5, 6, 8, 9});
    /* averages of the same windows: 12/4 = 3, 9/2 = 4.5, 15/2 = 7.5, 9 */
    pool_case("avg ceil", IR_OP_AVERAGEPOOL, 1, TI_DIMS(1, 1, 2, 2), (double[]){3, 4.5, 7.5, 9});
}

static void test_avgpool_count_include_pad(void) {
    /* x = [1,2,3], kernel 2, pads 1 and 1: windows [-1,0], [0,1], [1,2], [2,3].
     * count_include_pad=0 divides by the real elements: 1/1, 3/2, 5/2, 3/1;
     * count_include_pad=1 always by 2: 0.5, 1.5, 2.5, 1.5 */
    const double want[2][4] = {{1, 1.5, 2.5, 3}, {0.5, 1.5, 2.5, 1.5}};
    for (int cip = 0; cip < 2; cip++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(1, 1, 3));
        int n = ti_node(g, IR_OP_AVERAGEPOOL, (int[]){x}, 1, 1);
        ir_attr_set_ints(g, n, "kernel_shape", INTS(2));
        ir_attr_set_ints(g, n, "pads", INTS(1, 1));
        ir_attr_set_int(g, n, "count_include_pad", cip);
        IrTensor out[1];
        if (ti_run(g, (const double *[]){(double[]){1, 2, 3}}, out))
            ti_expect(cip ? "avg include pad" : "avg exclude pad", &out[0], F32, TI_DIMS(1, 1, 4),
                      want[cip], TOL);
        ti_done(g, out);
    }
}

static void test_global_pools(void) {
    /* channel 0 = [1,2]: mean 1.5, max 2; channel 1 = [3,5]: mean 4, max 5 */
    IrOp ops[] = {IR_OP_GLOBALAVERAGEPOOL, IR_OP_GLOBALMAXPOOL};
    const double want[2][2] = {{1.5, 4}, {2, 5}};
    for (int i = 0; i < 2; i++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(1, 2, 2));
        ti_node(g, ops[i], (int[]){x}, 1, 1);
        IrTensor out[1];
        if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 5}}, out))
            ti_expect("global pool", &out[0], F32, TI_DIMS(1, 2, 1), want[i], TOL);
        ti_done(g, out);
    }
}

/* ---- normalizations ------------------------------------------------------------------------ */

static void test_batchnorm(void) {
    /* eps 1: channel 0: (1 - 0) / sqrt(3 + 1) * 2 + 0 = 1; channel 1: (2 - 1) / sqrt(0 + 1) * 1 +
     * 1 = 2 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 2, 1));
    int s = ti_const(g, F32, TI_DIMS(2), (double[]){2, 1});
    int b = ti_const(g, F32, TI_DIMS(2), (double[]){0, 1});
    int m = ti_const(g, F32, TI_DIMS(2), (double[]){0, 1});
    int v = ti_const(g, F32, TI_DIMS(2), (double[]){3, 0});
    int n = ti_node(g, IR_OP_BATCHNORM, (int[]){x, s, b, m, v}, 5, 1);
    ir_attr_set_float(g, n, "epsilon", 1.0);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2}}, out))
        ti_expect("batchnorm", &out[0], F32, TI_DIMS(1, 2, 1), (double[]){1, 2}, TOL);
    ti_done(g, out);
}

static void test_instancenorm(void) {
    /* [1,3]: mean 2, biased variance 1, eps 0: normalized [-1, 1], * 2 + 1 = [-1, 3] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 2));
    int s = ti_const(g, F32, TI_DIMS(1), (double[]){2});
    int b = ti_const(g, F32, TI_DIMS(1), (double[]){1});
    int n = ti_node(g, IR_OP_INSTANCENORM, (int[]){x, s, b}, 3, 1);
    ir_attr_set_float(g, n, "epsilon", 0.0);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 3}}, out))
        ti_expect("instancenorm", &out[0], F32, TI_DIMS(1, 1, 2), (double[]){-1, 3}, TOL);
    ti_done(g, out);
}

/* ---- Pad ----------------------------------------------------------------------------------- */

static void pad_case(const char *mode, int64_t pb, int64_t pe, const double *want, int64_t len) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(3));
    int n = ti_node(g, IR_OP_PAD, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "pads", INTS(pb, pe));
    ir_attr_set_string(g, n, "mode", mode);
    ir_attr_set_float(g, n, "value", 9.0);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3}}, out))
        ti_expect(mode, &out[0], F32, &len, 1, want, TOL);
    ti_done(g, out);
}

static void test_pad_modes(void) {
    /* x = [1,2,3] padded by 2 on both sides */
    pad_case("constant", 2, 2, (double[]){9, 9, 1, 2, 3, 9, 9}, 7);
    pad_case("reflect", 2, 2, (double[]){3, 2, 1, 2, 3, 2, 1}, 7); /* mirror at 1 and at 3 */
    pad_case("edge", 2, 2, (double[]){1, 1, 1, 2, 3, 3, 3}, 7);
    pad_case("wrap", 2, 2, (double[]){2, 3, 1, 2, 3, 1, 2},
             7);                                         /* periodic: ... 2 3 | 1 2 3 | 1 2 */
    pad_case("constant", -1, 1, (double[]){2, 3, 9}, 3); /* crop one in front */
}

static void test_pad_2d(void) {
    /* [[1,2],[3,4]] with one row on top (edge) and one column on the right:
     * [[1,2,2],[1,2,2],[3,4,4]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_PAD, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "pads", INTS(1, 0, 0, 1));
    ir_attr_set_string(g, n, "mode", "edge");
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}}, out))
        ti_expect("pad 2d", &out[0], F32, TI_DIMS(3, 3), (double[]){1, 2, 2, 1, 2, 2, 3, 4, 4},
                  TOL);
    ti_done(g, out);
}

/* ---- Resize -------------------------------------------------------------------------------- */

static void resize_case(const char *what, const double *xs, int64_t in, int64_t out_len,
                        const char *mode, const char *ctm, const char *nearest,
                        const double *want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, &in, 1);
    int n = ti_node(g, IR_OP_RESIZE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "sizes", &out_len, 1);
    ir_attr_set_string(g, n, "mode", mode);
    ir_attr_set_string(g, n, "coordinate_transformation_mode", ctm);
    if (nearest) ir_attr_set_string(g, n, "nearest_mode", nearest);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){xs}, out))
        ti_expect(what, &out[0], F32, &out_len, 1, want, TOL);
    ti_done(g, out);
}

static void test_resize_nearest(void) {
    const double x[] = {1, 3, 5};
    /* asymmetric, scale 2: coordinates 0, .5, 1, 1.5, 2, 2.5.
     * round_prefer_floor sends x.5 down: 0 0 1 1 2 2 -> 1 1 3 3 5 5;
     * round_prefer_ceil sends it up: 0 1 1 2 2 3 (clamped to 2) -> 1 3 3 5 5 5;
     * floor: 0 0 1 1 2 2; ceil: 0 1 1 2 2 3->2 */
    resize_case("prefer floor", x, 3, 6, "nearest", "asymmetric", "round_prefer_floor",
                (double[]){1, 1, 3, 3, 5, 5});
    resize_case("prefer ceil", x, 3, 6, "nearest", "asymmetric", "round_prefer_ceil",
                (double[]){1, 3, 3, 5, 5, 5});
    resize_case("floor", x, 3, 6, "nearest", "asymmetric", "floor", (double[]){1, 1, 3, 3, 5, 5});
    resize_case("ceil", x, 3, 6, "nearest", "asymmetric", "ceil", (double[]){1, 3, 3, 5, 5, 5});
    /* tf_half_pixel_for_nn: (o + .5) / 2 = .25, .75, 1.25, ... floor -> 0 0 1 1 2 2 */
    resize_case("tf half pixel", x, 3, 6, "nearest", "tf_half_pixel_for_nn", "floor",
                (double[]){1, 1, 3, 3, 5, 5});
    /* downsample 3 -> 2 half_pixel: scale 2/3, coordinates (o + .5) * 1.5 - .5 = .25, 1.75;
     * round_prefer_floor -> 0, 2 */
    resize_case("down", x, 3, 2, "nearest", "half_pixel", "round_prefer_floor", (double[]){1, 5});
}

static void test_resize_linear(void) {
    const double x[] = {1, 3};
    /* half_pixel 2 -> 4: coordinates -.25 (clamped to 0), .25, .75, 1.25 (clamped to 1):
     * 1, 1 + .25*2 = 1.5, 2.5, 3 */
    resize_case("linear half pixel", x, 2, 4, "linear", "half_pixel", NULL,
                (double[]){1, 1.5, 2.5, 3});
    /* align_corners 2 -> 3: coordinates 0, .5, 1 -> 1, 2, 3 */
    resize_case("linear align corners", x, 2, 3, "linear", "align_corners", NULL,
                (double[]){1, 2, 3});
    /* asymmetric 2 -> 4: 0, .5, 1, 1.5 (clamped) -> 1, 2, 3, 3 */
    resize_case("linear asymmetric", x, 2, 4, "linear", "asymmetric", NULL, (double[]){1, 2, 3, 3});
    /* pytorch_half_pixel to a single element reads coordinate 0 */
    resize_case("linear pytorch 1", x, 2, 1, "linear", "pytorch_half_pixel", NULL, (double[]){1});
}

static void test_resize_2d(void) {
    /* [[1,2],[3,4]] -> 4x4 nearest asymmetric floor: each pixel becomes a 2x2 block */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 2, 2));
    int n = ti_node(g, IR_OP_RESIZE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "sizes", INTS(0, 1, 4, 4)); /* 0 keeps the batch dim */
    ir_attr_set_string(g, n, "coordinate_transformation_mode", "asymmetric");
    ir_attr_set_string(g, n, "nearest_mode", "floor");
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}}, out))
        ti_expect("resize 2d", &out[0], F32, TI_DIMS(1, 1, 4, 4),
                  (double[]){1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, TOL);
    ti_done(g, out);
}

int main(void) {
    test_conv_basic();
    test_conv_pad_stride();
    test_conv_dilation_1d();
    test_conv_groups_bias();
    test_conv_auto_pad();
    test_conv_errors();
    test_pools_ceil_mode();
    test_avgpool_count_include_pad();
    test_global_pools();
    test_batchnorm();
    test_instancenorm();
    test_pad_modes();
    test_pad_2d();
    test_resize_nearest();
    test_resize_linear();
    test_resize_2d();
    return test_finish();
}
