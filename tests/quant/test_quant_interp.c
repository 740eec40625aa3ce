/* Interpreter tests of the "quant" op family against hand-computed values: rounding half to
 * even, saturation, per-axis parameters, DynamicQuantizeLinear's scale and zero point,
 * MatMulInteger with zero points, QLinearMatMul's requantization, and shape-rule errors. */
#include "interp/interp_test.h"

#define F32 IR_DTYPE_F32
#define U8 IR_DTYPE_U8
#define I8 IR_DTYPE_I8
#define I32 IR_DTYPE_I32

static void test_quantize_u8_rounding_saturation(void) {
    /* scale 2, zero point 128: x / 2 = 0, .5, 1.5, 2.5, -1.5, 500, -500; half to even gives
     * 0, 0, 2, 2, -2, 500, -500; + 128 = 128, 128, 130, 130, 126, 628 -> 255, -372 -> 0 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(7));
    int s = ti_const(g, F32, TI_SCALAR, (double[]){2});
    int z = ti_const(g, U8, TI_SCALAR, (double[]){128});
    ti_node(g, IR_OP_QUANTIZELINEAR, (int[]){x, s, z}, 3, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){0, 1, 3, 5, -3, 1000, -1000}}, out))
        ti_expect("quantize u8", &out[0], U8, TI_DIMS(7),
                  (double[]){128, 128, 130, 130, 126, 255, 0}, 0);
    ti_done(g, out);
}

static void test_quantize_i8_per_axis(void) {
    /* axis 0, scales [1, .5], zero points [0, -1]: row 0: 1.5 -> 2, -2.5 -> -2 (even);
     * row 1: 1 / .5 = 2, - 1 = 1; -100 / .5 = -200, - 1 = -201 -> -128 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2));
    int s = ti_const(g, F32, TI_DIMS(2), (double[]){1, 0.5});
    int z = ti_const(g, I8, TI_DIMS(2), (double[]){0, -1});
    int n = ti_node(g, IR_OP_QUANTIZELINEAR, (int[]){x, s, z}, 3, 1);
    ir_attr_set_int(g, n, "axis", 0);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1.5, -2.5, 1, -100}}, out))
        ti_expect("quantize i8 axis", &out[0], I8, TI_DIMS(2, 2), (double[]){2, -2, 1, -128}, 0);
    ti_done(g, out);
}

static void test_quantize_no_zero_point(void) {
    /* output_dtype i8 without a zero point: 200 / 1 saturates to 127, -0.5 -> -0 -> 0 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2));
    int s = ti_const(g, F32, TI_DIMS(1), (double[]){1});
    int n = ti_node(g, IR_OP_QUANTIZELINEAR, (int[]){x, s}, 2, 1);
    ir_attr_set_string(g, n, "output_dtype", "i8");
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){200, -0.5}}, out))
        ti_expect("quantize i8 default zp", &out[0], I8, TI_DIMS(2), (double[]){127, 0}, 0);
    ti_done(g, out);
}

static void test_dequantize(void) {
    /* u8, scale .5, zero point 128: (0-128)*.5 = -64, 0, (255-128)*.5 = 63.5 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, U8, TI_DIMS(3));
    int s = ti_const(g, F32, TI_SCALAR, (double[]){0.5});
    int z = ti_const(g, U8, TI_SCALAR, (double[]){128});
    ti_node(g, IR_OP_DEQUANTIZELINEAR, (int[]){x, s, z}, 3, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){0, 128, 255}}, out))
        ti_expect("dequantize u8", &out[0], F32, TI_DIMS(3), (double[]){-64, 0, 63.5}, 1e-7);
    ti_done(g, out);

    /* i8 per axis 1 of [1, 2]: scales [2, 3], zero points [1, -1]: (5-1)*2 = 8, (-5+1)*3 = -12 */
    g = ti_graph();
    x = ti_input(g, I8, TI_DIMS(1, 2));
    s = ti_const(g, F32, TI_DIMS(2), (double[]){2, 3});
    z = ti_const(g, I8, TI_DIMS(2), (double[]){1, -1});
    ti_node(g, IR_OP_DEQUANTIZELINEAR, (int[]){x, s, z}, 3, 1);
    if (ti_run(g, (const double *[]){(double[]){5, -5}}, out))
        ti_expect("dequantize i8 axis", &out[0], F32, TI_DIMS(1, 2), (double[]){8, -12}, 1e-7);
    ti_done(g, out);
}

static void test_dynamic_quantize(void) {
    /* lo = -12.75, hi = 51: scale = 63.75 / 255 = .25; zero point = 12.75 / .25 = 51.
     * y: -51 + 51 = 0; 204 + 51 = 255; 1.5 -> 2 (even) + 51 = 53; 4.5 -> 4 (even) + 51 = 55 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(4));
    ti_node(g, IR_OP_DYNAMICQUANTIZELINEAR, (int[]){x}, 1, 3);
    IrTensor out[3];
    if (ti_run(g, (const double *[]){(double[]){-12.75, 51, 0.375, 1.125}}, out)) {
        ti_expect("dynamic y", &out[0], U8, TI_DIMS(4), (double[]){0, 255, 53, 55}, 0);
        ti_expect("dynamic scale", &out[1], F32, TI_SCALAR, (double[]){0.25}, 0);
        ti_expect("dynamic zero point", &out[2], U8, TI_SCALAR, (double[]){51}, 0);
    }
    ti_done(g, out);

    /* all positive: lo is 0, so the zero point is 0; hi = 63.75 -> scale .25 */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2));
    ti_node(g, IR_OP_DYNAMICQUANTIZELINEAR, (int[]){x}, 1, 3);
    if (ti_run(g, (const double *[]){(double[]){0, 63.75}}, out)) {
        ti_expect("dynamic positive y", &out[0], U8, TI_DIMS(2), (double[]){0, 255}, 0);
        ti_expect("dynamic positive zp", &out[2], U8, TI_SCALAR, (double[]){0}, 0);
    }
    ti_done(g, out);
}

static void test_matmul_integer(void) {
    /* a = [[1,2],[3,4]] - 1 = [[0,1],[2,3]]; b = [[5,6],[7,8]] - per-column [1,2] = [[4,4],[6,6]]
     * row 0: 0*4 + 1*6 = 6 (both columns); row 1: 2*4 + 3*6 = 26 */
    IrGraph *g = ti_graph();
    int a = ti_input(g, U8, TI_DIMS(2, 2)), b = ti_input(g, U8, TI_DIMS(2, 2));
    int az = ti_const(g, U8, TI_SCALAR, (double[]){1});
    int bz = ti_const(g, U8, TI_DIMS(2), (double[]){1, 2});
    ti_node(g, IR_OP_MATMULINTEGER, (int[]){a, b, az, bz}, 4, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}, (double[]){5, 6, 7, 8}}, out))
        ti_expect("matmulinteger zp", &out[0], I32, TI_DIMS(2, 2), (double[]){6, 6, 26, 26}, 0);
    ti_done(g, out);

    /* i8 x i8 without zero points: [-1, 2] . [3, -4] = -3 - 8 = -11;
     * [127, 127] . [3, -4] = 381 - 508 = -127 */
    g = ti_graph();
    a = ti_input(g, I8, TI_DIMS(2, 2));
    b = ti_input(g, I8, TI_DIMS(2, 1));
    ti_node(g, IR_OP_MATMULINTEGER, (int[]){a, b}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){-1, 2, 127, 127}, (double[]){3, -4}}, out))
        ti_expect("matmulinteger i8", &out[0], I32, TI_DIMS(2, 1), (double[]){-11, -127}, 0);
    ti_done(g, out);
}

static void test_qlinear_matmul(void) {
    /* a = [[2,4]] (zp 0, scale .5), b = [[1],[3]] (zp 1, scale 2): acc = 2*0 + 4*2 = 8;
     * multiplier .5 * 2 / y_scale. y_scale 1: 8 + 10 = 18. y_scale 16: 8/16 = .5 -> 0 (even),
     * + 10 = 10. y_scale 1/64 with i8 output: 512 + 10 saturates to 127 */
    const double y_scales[] = {1, 16, 1.0 / 64};
    const IrDtype y_types[] = {U8, U8, I8};
    const double want[] = {18, 10, 127};
    for (int i = 0; i < 3; i++) {
        IrGraph *g = ti_graph();
        int a = ti_input(g, U8, TI_DIMS(1, 2)), b = ti_input(g, U8, TI_DIMS(2, 1));
        int as = ti_const(g, F32, TI_SCALAR, (double[]){0.5});
        int az = ti_const(g, U8, TI_SCALAR, (double[]){0});
        int bs = ti_const(g, F32, TI_SCALAR, (double[]){2});
        int bz = ti_const(g, U8, TI_SCALAR, (double[]){1});
        int ys = ti_const(g, F32, TI_SCALAR, &y_scales[i]);
        int yz = ti_const(g, y_types[i], TI_SCALAR, (double[]){10});
        ti_node(g, IR_OP_QLINEARMATMUL, (int[]){a, as, az, b, bs, bz, ys, yz}, 8, 1);
        IrTensor out[1];
        if (ti_run(g, (const double *[]){(double[]){2, 4}, (double[]){1, 3}}, out))
            ti_expect("qlinearmatmul", &out[0], y_types[i], TI_DIMS(1, 1), &want[i], 0);
        ti_done(g, out);
    }
}

static void test_conv_integer(void) {
    /* x = [[1..9]] - 1 = 0..8, w = [[1,0],[0,1]]: each output adds a pixel to its lower-right
     * neighbour: 0+4 = 4, 1+5 = 6, 3+7 = 10, 4+8 = 12 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, U8, TI_DIMS(1, 1, 3, 3));
    int w = ti_const(g, U8, TI_DIMS(1, 1, 2, 2), (double[]){1, 0, 0, 1});
    int xz = ti_const(g, U8, TI_SCALAR, (double[]){1});
    ti_node(g, IR_OP_CONVINTEGER, (int[]){x, w, xz}, 3, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6, 7, 8, 9}}, out))
        ti_expect("convinteger", &out[0], I32, TI_DIMS(1, 1, 2, 2), (double[]){4, 6, 10, 12}, 0);
    ti_done(g, out);

    /* padding contributes 0, not (0 - x_zp) * w: x = [3, 5], zp 1, w = [2], one pad in front:
     * [0, (3-1)*2, (5-1)*2] = [0, 4, 8] */
    g = ti_graph();
    x = ti_input(g, U8, TI_DIMS(1, 1, 1, 2));
    w = ti_const(g, U8, TI_DIMS(1, 1, 1, 1), (double[]){2});
    xz = ti_const(g, U8, TI_SCALAR, (double[]){1});
    int n = ti_node(g, IR_OP_CONVINTEGER, (int[]){x, w, xz}, 3, 1);
    ir_attr_set_ints(g, n, "pads", (const int64_t[]){0, 1, 0, 0}, 4);
    if (ti_run(g, (const double *[]){(double[]){3, 5}}, out))
        ti_expect("convinteger pad", &out[0], I32, TI_DIMS(1, 1, 1, 3), (double[]){0, 4, 8}, 0);
    ti_done(g, out);
}

static void test_qlinear_conv(void) {
    /* x = [3, 5] (scale .5, zp 1); w = [2] and [4] per output channel with scales [1, .25] and
     * zero points [0, 2]; bias [1, -1]; y scale 1, zp 10 (u8).
     * channel 0: acc = (x-1)*2 + 1 = 5, 9; * .5 = 2.5 -> 2, 4.5 -> 4 (even); + 10 = 12, 14
     * channel 1: acc = (x-1)*2 - 1 = 3, 7; * .125 = .375 -> 0, .875 -> 1; + 10 = 10, 11 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, U8, TI_DIMS(1, 1, 1, 2));
    int xs = ti_const(g, F32, TI_SCALAR, (double[]){0.5});
    int xz = ti_const(g, U8, TI_SCALAR, (double[]){1});
    int w = ti_const(g, U8, TI_DIMS(2, 1, 1, 1), (double[]){2, 4});
    int ws = ti_const(g, F32, TI_DIMS(2), (double[]){1, 0.25});
    int wz = ti_const(g, U8, TI_DIMS(2), (double[]){0, 2});
    int ys = ti_const(g, F32, TI_SCALAR, (double[]){1});
    int yz = ti_const(g, U8, TI_SCALAR, (double[]){10});
    int b = ti_const(g, I32, TI_DIMS(2), (double[]){1, -1});
    ti_node(g, IR_OP_QLINEARCONV, (int[]){x, xs, xz, w, ws, wz, ys, yz, b}, 9, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){3, 5}}, out))
        ti_expect("qlinearconv", &out[0], U8, TI_DIMS(1, 2, 1, 2), (double[]){12, 14, 10, 11}, 0);
    ti_done(g, out);
}

static void test_quant_errors(void) {
    /* a per-axis scale whose length is not the axis length */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int s = ti_const(g, F32, TI_DIMS(2), (double[]){1, 1});
    ti_node(g, IR_OP_QUANTIZELINEAR, (int[]){x, s}, 2, 1); /* axis 1 has 3 elements */
    Diag d;
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "one per element of the quantized axis");
    diag_free(&d);
    ir_graph_free(g);

    /* MatMulInteger on f32 */
    g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(2, 2)), b = ti_input(g, U8, TI_DIMS(2, 2));
    ti_node(g, IR_OP_MATMULINTEGER, (int[]){a, b}, 2, 1);
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "expected i8 or u8");
    diag_free(&d);
    ir_graph_free(g);
}

int main(void) {
    test_quantize_u8_rounding_saturation();
    test_quantize_i8_per_axis();
    test_quantize_no_zero_point();
    test_dequantize();
    test_dynamic_quantize();
    test_matmul_integer();
    test_qlinear_matmul();
    test_conv_integer();
    test_qlinear_conv();
    test_quant_errors();
    return test_finish();
}
