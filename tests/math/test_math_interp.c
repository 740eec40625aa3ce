/* Interpreter tests of the math op family (ir/ops_math.h) against hand-computed values; each
 * comment shows the arithmetic. */
#include "interp/interp_test.h"

#include <math.h>

#define F32 IR_DTYPE_F32
#define I64 IR_DTYPE_I64
#define BOOL IR_DTYPE_BOOL
#define TOL 1e-6

/* Unary fn on f32[4] with parameters alpha, beta, gamma. */
static void unary(const char *fn, double alpha, double beta, double gamma, const double *xs,
                  const double *want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(4));
    int n = ti_node(g, IR_OP_UNARY_FN, (int[]){x}, 1, 1);
    ir_attr_set_string(g, n, "fn", fn);
    ir_attr_set_float(g, n, "alpha", alpha);
    ir_attr_set_float(g, n, "beta", beta);
    ir_attr_set_float(g, n, "gamma", gamma);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){xs}, out)) ti_expect(fn, &out[0], F32, TI_DIMS(4), want, TOL);
    ti_done(g, out);
}

static void test_unary(void) {
    const double *x = (double[]){-2.5, -0.5, 0.5, 1.5};
    unary("abs", 0, 0, 0, x, (double[]){2.5, 0.5, 0.5, 1.5});
    unary("sign", 0, 0, 0, (double[]){-3, 0, 2, NAN}, (double[]){-1, 0, 1, NAN});
    unary("ceil", 0, 0, 0, x, (double[]){-2, -0.0, 1, 2});
    unary("floor", 0, 0, 0, x, (double[]){-3, -1, 0, 1});
    /* half to even: -2.5 -> -2, -0.5 -> -0, 0.5 -> 0, 1.5 -> 2 */
    unary("round", 0, 0, 0, x, (double[]){-2, 0, 0, 2});
    unary("reciprocal", 0, 0, 0, x, (double[]){-0.4, -2, 2, 1 / 1.5});
    /* erf(0.5) = 0.5204998778, erf(1.5) = 0.9661051465 */
    unary("erf", 0, 0, 0, x, (double[]){-0.9995930480, -0.5204998778, 0.5204998778, 0.9661051465});
    /* log(e) = 1, log(1) = 0, log(0) = -inf, log(-1) = NaN */
    unary("log", 0, 0, 0, (double[]){M_E, 1, 0, -1}, (double[]){1, 0, -INFINITY, NAN});
    /* sin(pi/2) = 1, cos(pi) = -1, tan(pi/4) = 1 */
    unary("sin", 0, 0, 0, (double[]){0, M_PI / 2, -M_PI / 2, M_PI / 6}, (double[]){0, 1, -1, 0.5});
    unary("cos", 0, 0, 0, (double[]){0, M_PI, M_PI / 3, M_PI / 2}, (double[]){1, -1, 0.5, 0});
    unary("tan", 0, 0, 0, (double[]){0, M_PI / 4, -M_PI / 4, 0}, (double[]){0, 1, -1, 0});
    unary("asin", 0, 0, 0, (double[]){0, 1, -1, 0.5}, (double[]){0, M_PI / 2, -M_PI / 2, M_PI / 6});
    unary("acos", 0, 0, 0, (double[]){1, -1, 0.5, 2}, (double[]){0, M_PI, M_PI / 3, NAN});
    unary("atan", 0, 0, 0, (double[]){0, 1, -1, INFINITY},
          (double[]){0, M_PI / 4, -M_PI / 4, M_PI / 2});
    /* sinh(1) = (e - 1/e)/2 = 1.1752011936, cosh(1) = (e + 1/e)/2 = 1.5430806348 */
    unary("sinh", 0, 0, 0, (double[]){0, 1, -1, 0}, (double[]){0, 1.1752011936, -1.1752011936, 0});
    unary("cosh", 0, 0, 0, (double[]){0, 1, -1, 0}, (double[]){1, 1.5430806348, 1.5430806348, 1});
    /* asinh(1) = ln(1 + sqrt 2) = 0.8813735870; acosh(2) = ln(2 + sqrt 3) = 1.3169578969;
     * atanh(0.5) = ln(3)/2 = 0.5493061443 */
    unary("asinh", 0, 0, 0, (double[]){0, 1, -1, 0}, (double[]){0, 0.8813735870, -0.8813735870, 0});
    unary("acosh", 0, 0, 0, (double[]){1, 2, 0.5, 1}, (double[]){0, 1.3169578969, NAN, 0});
    unary("atanh", 0, 0, 0, (double[]){0, 0.5, -0.5, 1},
          (double[]){0, 0.5493061443, -0.5493061443, INFINITY});
    /* softplus(0) = ln 2 = 0.6931471806; softplus(1) = ln(1 + e) = 1.3132616875 */
    unary("softplus", 0, 0, 0, (double[]){0, 1, -1, 100},
          (double[]){0.6931471806, 1.3132616875, 0.3132616875, 100});
    /* x / (1 + |x|): -3/4, 0, 1/2, 3/4 */
    unary("softsign", 0, 0, 0, (double[]){-3, 0, 1, 3}, (double[]){-0.75, 0, 0.5, 0.75});
    /* mish(1) = tanh(1.3132616875) = 0.8650983883; mish(-1) = -tanh(0.3132616875) = -0.3034014 */
    unary("mish", 0, 0, 0, (double[]){0, 1, -1, 0}, (double[]){0, 0.8650983883, -0.3034014613, 0});
    /* x * clamp(x/6 + 1/2, 0, 1): -4 -> 0, 1 -> 1*(2/3), 3 -> 3, -1 -> -1/3 */
    unary("hardswish", 0, 0, 0, (double[]){-4, 1, 3, -1}, (double[]){0, 2.0 / 3, 3, -1.0 / 3});
    /* elu alpha 2: -1 -> 2*(e^-1 - 1) = -1.2642411177 */
    unary("elu", 2, 0, 0, (double[]){-1, 0, 1, 2}, (double[]){-1.2642411177, 0, 1, 2});
    /* selu alpha 1.5 gamma 2: -1 -> 2*1.5*(e^-1 - 1) = -1.8963616765; 1 -> 2 */
    unary("selu", 1.5, 0, 2, (double[]){-1, 0, 1, 2}, (double[]){-1.8963616765, 0, 2, 4});
    /* celu alpha 2: -2 -> 2*(e^-1 - 1) = -1.2642411177 */
    unary("celu", 2, 0, 0, (double[]){-2, 0, 1, 2}, (double[]){-1.2642411177, 0, 1, 2});
    unary("leaky_relu", 0.1, 0, 0, (double[]){-2, 0, 1, -0.5}, (double[]){-0.2, 0, 1, -0.05});
    unary("thresholded_relu", 1, 0, 0, (double[]){-2, 1, 1.5, 3}, (double[]){0, 0, 1.5, 3});
    /* clamp(0.2x + 0.5, 0, 1): -5 -> 0, 0 -> 0.5, 1 -> 0.7, 5 -> 1 */
    unary("hard_sigmoid", 0.2, 0.5, 0, (double[]){-5, 0, 1, 5}, (double[]){0, 0.5, 0.7, 1});
    /* lambd 1, bias 0.5: -2 -> -1.5, -0.5 -> 0, 0.5 -> 0, 2 -> 1.5 */
    unary("shrink", 1, 0.5, 0, (double[]){-2, -0.5, 0.5, 2}, (double[]){-1.5, 0, 0, 1.5});
}

static void test_unary_int_and_errors(void) {
    /* abs and sign on i64 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, I64, TI_DIMS(3));
    int n = ti_node(g, IR_OP_UNARY_FN, (int[]){x}, 1, 1);
    ir_attr_set_string(g, n, "fn", "sign");
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){-7, 0, 9}}, out))
        ti_expect("sign i64", &out[0], I64, TI_DIMS(3), (double[]){-1, 0, 1}, 0);
    ti_done(g, out);

    /* an unknown fn and a float-only fn on integers are rejected by shape inference */
    const char *fns[2] = {"cube", "sin"};
    const char *msgs[2] = {"unknown fn 'cube'", "must be a floating-point tensor"};
    for (int k = 0; k < 2; k++) {
        g = ti_graph();
        x = ti_input(g, I64, TI_DIMS(3));
        n = ti_node(g, IR_OP_UNARY_FN, (int[]){x}, 1, 1);
        ir_attr_set_string(g, n, "fn", fns[k]);
        Diag d;
        diag_init(&d);
        CHECK(!ir_infer_shapes(g, &d));
        ti_expect_message(&d, msgs[k]);
        diag_free(&d);
        ir_graph_free(g);
    }
}

static void test_clip_isnan_isinf_not(void) {
    const double xs[5] = {-3, -0.5, NAN, 2, INFINITY};
    /* Clip [-1, 1]: -1, -0.5, NaN, 1, 1; Clip with only max 0: -3, -0.5, NaN, 0, 0 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(5));
    int c1 = ti_node(g, IR_OP_CLIP, (int[]){x}, 1, 1);
    ir_attr_set_float(g, c1, "min", -1);
    ir_attr_set_float(g, c1, "max", 1);
    int c2 = ti_node(g, IR_OP_CLIP, (int[]){x}, 1, 1);
    ir_attr_set_float(g, c2, "max", 0);
    int n1 = ti_node(g, IR_OP_ISNAN, (int[]){x}, 1, 1);
    int n2 = ti_node(g, IR_OP_ISINF, (int[]){x}, 1, 1);
    int n3 = ti_node(g, IR_OP_ISINF, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n3, "detect_positive", 0);
    int n4 = ti_node(g, IR_OP_NOT, (int[]){ti_out(g, n1, 0)}, 1, 1);
    int outs[] = {c1, c2, n1, n2, n3, n4};
    for (int i = 0; i < 6; i++) ir_output_add(g, ti_out(g, outs[i], 0));
    IrTensor out[6];
    if (ti_run(g, (const double *[]){xs}, out)) {
        ti_expect("clip", &out[0], F32, TI_DIMS(5), (double[]){-1, -0.5, NAN, 1, 1}, 0);
        ti_expect("clip max", &out[1], F32, TI_DIMS(5), (double[]){-3, -0.5, NAN, 0, 0}, 0);
        ti_expect("isnan", &out[2], BOOL, TI_DIMS(5), (double[]){0, 0, 1, 0, 0}, 0);
        ti_expect("isinf", &out[3], BOOL, TI_DIMS(5), (double[]){0, 0, 0, 0, 1}, 0);
        ti_expect("isinf neg only", &out[4], BOOL, TI_DIMS(5), (double[]){0, 0, 0, 0, 0}, 0);
        ti_expect("not", &out[5], BOOL, TI_DIMS(5), (double[]){1, 1, 0, 1, 1}, 0);
    }
    ti_done(g, out);
}

/* A two-input node of op (with fn) on a [2,3] and b [3], both dtype dt. */
static void binary(IrOp op, const char *fn, IrDtype dt, IrDtype out_dt, const double *as,
                   const double *bs, const double *want) {
    IrGraph *g = ti_graph();
    int a = ti_input(g, dt, TI_DIMS(2, 3)), b = ti_input(g, dt, TI_DIMS(3));
    int n = ti_node(g, op, (int[]){a, b}, 2, 1);
    if (fn) ir_attr_set_string(g, n, "fn", fn);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){as, bs}, out))
        ti_expect(fn ? fn : "node", &out[0], out_dt, TI_DIMS(2, 3), want, TOL);
    ti_done(g, out);
}

static void test_binary(void) {
    const double a[6] = {1, -2, NAN, 4, 5, -6}, b[3] = {2, 2, 1};
    /* b broadcasts over both rows; NaN wins in min and max */
    binary(IR_OP_BINARY_FN, "min", F32, F32, a, b, (double[]){1, -2, NAN, 2, 2, -6});
    binary(IR_OP_BINARY_FN, "max", F32, F32, a, b, (double[]){2, 2, NAN, 4, 5, 1});
    binary(IR_OP_BINARY_FN, "max", F32, F32, (double[]){2, 2, 1, 0, -1, 0}, (double[]){NAN, 0, 0},
           (double[]){NAN, 2, 1, NAN, 0, 0});
    /* mod takes the divisor's sign: 5 mod -3 = -1, -5 mod 3 = 1, 7 mod 3 = 1;
     * fmod takes the dividend's: fmod(5, -3) = 2, fmod(-5, 3) = -2, fmod(7, 3) = 1 */
    const double ma[6] = {5, -5, 7, -7, 6, 0}, mb[3] = {-3, 3, 3};
    binary(IR_OP_BINARY_FN, "mod", I64, I64, ma, mb, (double[]){-1, 1, 1, -1, 0, 0});
    binary(IR_OP_BINARY_FN, "fmod", I64, I64, ma, mb, (double[]){2, -2, 1, -1, 0, 0});
    binary(IR_OP_BINARY_FN, "mod", F32, F32, (double[]){5.5, -5.5, 7, -7, 6, 0}, mb,
           (double[]){-0.5, 0.5, 1, -1, 0, 0});
    binary(IR_OP_BINARY_FN, "fmod", F32, F32, (double[]){5.5, -5.5, 7, -7, 6, 0}, mb,
           (double[]){2.5, -2.5, 1, -1, 0, 0});
    /* pow: 2^3 = 8, 3^0.5 = 1.7320508076, 4^-1 = 0.25 */
    binary(IR_OP_BINARY_FN, "pow", F32, F32, (double[]){2, 3, 4, 1, 9, 2}, (double[]){3, 0.5, -1},
           (double[]){8, 1.7320508076, 0.25, 1, 3, 0.5});
    /* prelu slope per column: -1*0.5, 2, -3*0.1 */
    binary(IR_OP_BINARY_FN, "prelu", F32, F32, (double[]){-1, 2, -3, 4, -5, 6},
           (double[]){0.5, 0.2, 0.1}, (double[]){-0.5, 2, -0.3, 4, -1, 6});
    const double ca[6] = {1, 2, 3, 3, 2, 1}, cb[3] = {2, 2, 2};
    binary(IR_OP_COMPARE, "equal", F32, BOOL, ca, cb, (double[]){0, 1, 0, 0, 1, 0});
    binary(IR_OP_COMPARE, "less", F32, BOOL, ca, cb, (double[]){1, 0, 0, 0, 0, 1});
    binary(IR_OP_COMPARE, "greater", I64, BOOL, ca, cb, (double[]){0, 0, 1, 1, 0, 0});
    binary(IR_OP_COMPARE, "less_equal", F32, BOOL, ca, cb, (double[]){1, 1, 0, 0, 1, 1});
    binary(IR_OP_COMPARE, "greater_equal", F32, BOOL, ca, cb, (double[]){0, 1, 1, 1, 1, 0});
    binary(IR_OP_COMPARE, "equal", F32, BOOL, (double[]){NAN, 0, 0, 0, 0, 0}, (double[]){NAN, 1, 0},
           (double[]){0, 0, 1, 0, 0, 1});
    const double la[6] = {0, 0, 1, 1, 0, 1}, lb[3] = {0, 1, 1};
    binary(IR_OP_LOGIC, "and", BOOL, BOOL, la, lb, (double[]){0, 0, 1, 0, 0, 1});
    binary(IR_OP_LOGIC, "or", BOOL, BOOL, la, lb, (double[]){0, 1, 1, 1, 1, 1});
    binary(IR_OP_LOGIC, "xor", BOOL, BOOL, la, lb, (double[]){0, 1, 0, 1, 1, 0});
}

static void test_mod_by_zero(void) {
    IrGraph *g = ti_graph();
    int a = ti_input(g, I64, TI_DIMS(2)), b = ti_input(g, I64, TI_DIMS(2));
    int n = ti_node(g, IR_OP_BINARY_FN, (int[]){a, b}, 2, 1);
    ir_attr_set_string(g, n, "fn", "mod");
    CHECK(ti_finish(g));
    IrTensor in[2] = {ti_tensor(I64, TI_DIMS(2), (double[]){1, 2}),
                      ti_tensor(I64, TI_DIMS(2), (double[]){1, 0})};
    IrTensor out[1] = {{0}};
    Diag d;
    diag_init(&d);
    CHECK(!interp_run(g, in, out, &d));
    ti_expect_message(&d, "integer modulo by zero (element 1)");
    diag_free(&d);
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);
    ir_graph_free(g);
}

static void test_where_expand_tile_trilu(void) {
    /* Where(cond [2,1], x [3], y scalar): row 0 takes x, row 1 takes y = 9 */
    IrGraph *g = ti_graph();
    int c = ti_input(g, BOOL, TI_DIMS(2, 1)), x = ti_input(g, F32, TI_DIMS(3));
    int y = ti_input(g, F32, TI_SCALAR);
    ti_node(g, IR_OP_WHERE, (int[]){c, x, y}, 3, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 0}, (double[]){1, 2, 3}, (double[]){9}}, out))
        ti_expect("where", &out[0], F32, TI_DIMS(2, 3), (double[]){1, 2, 3, 9, 9, 9}, 0);
    ti_done(g, out);

    /* Expand [3,1] to shape [2,1,4]: [2,3,4], each row of 4 repeats x[i] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(3, 1));
    int n = ti_node(g, IR_OP_EXPAND, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "shape", (const int64_t[]){2, 1, 4}, 3);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3}}, out)) {
        double want[24];
        for (int i = 0; i < 24; i++) want[i] = 1 + (i / 4) % 3;
        ti_expect("expand", &out[0], F32, TI_DIMS(2, 3, 4), want, 0);
    }
    ti_done(g, out);

    /* Tile [[1,2],[3,4]] by [2,1] -> [[1,2],[3,4],[1,2],[3,4]]; by [1,2] -> [[1,2,1,2],[3,4,3,4]]
     */
    int64_t reps[2][2] = {{2, 1}, {1, 2}};
    double wants[2][8] = {{1, 2, 3, 4, 1, 2, 3, 4}, {1, 2, 1, 2, 3, 4, 3, 4}};
    int64_t shapes[2][2] = {{4, 2}, {2, 4}};
    for (int k = 0; k < 2; k++) {
        g = ti_graph();
        x = ti_input(g, I64, TI_DIMS(2, 2));
        n = ti_node(g, IR_OP_TILE, (int[]){x}, 1, 1);
        ir_attr_set_ints(g, n, "repeats", reps[k], 2);
        if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}}, out))
            ti_expect("tile", &out[0], I64, shapes[k], 2, wants[k], 0);
        ti_done(g, out);
    }

    /* Trilu on a 3x3 of 1..9: upper k=0 keeps j >= i; lower k=-1 keeps j <= i - 1 */
    const double m[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    int64_t ks[2] = {0, -1}, uppers[2] = {1, 0};
    double tw[2][9] = {{1, 2, 3, 0, 5, 6, 0, 0, 9}, {0, 0, 0, 4, 0, 0, 7, 8, 0}};
    for (int k = 0; k < 2; k++) {
        g = ti_graph();
        x = ti_input(g, F32, TI_DIMS(3, 3));
        n = ti_node(g, IR_OP_TRILU, (int[]){x}, 1, 1);
        ir_attr_set_int(g, n, "k", ks[k]);
        ir_attr_set_int(g, n, "upper", uppers[k]);
        if (ti_run(g, (const double *[]){m}, out))
            ti_expect("trilu", &out[0], F32, TI_DIMS(3, 3), tw[k], 0);
        ti_done(g, out);
    }
}

/* Reduce fn over x [2,3] = [[1,2,3],[4,5,6]] with the given axes (NULL: all) and keepdims. */
static void reduce(const char *fn, const int64_t *axes, int n_axes, int keepdims,
                   const int64_t *dims, int rank, const double *want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int n = ti_node(g, IR_OP_REDUCE, (int[]){x}, 1, 1);
    ir_attr_set_string(g, n, "fn", fn);
    if (axes) ir_attr_set_ints(g, n, "axes", axes, n_axes);
    ir_attr_set_int(g, n, "keepdims", keepdims);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}}, out))
        ti_expect(fn, &out[0], F32, dims, rank, want, TOL);
    ti_done(g, out);
}

static void test_reduce(void) {
    const int64_t ax1[1] = {1}, ax0[1] = {0}, axm1[1] = {-1};
    reduce("sum", ax1, 1, 1, TI_DIMS(2, 1), (double[]){6, 15});
    reduce("sum", ax0, 1, 0, TI_DIMS(3), (double[]){5, 7, 9});
    reduce("sum", NULL, 0, 0, TI_SCALAR, (double[]){21});
    reduce("sum", NULL, 0, 1, TI_DIMS(1, 1), (double[]){21});
    reduce("mean", axm1, 1, 0, TI_DIMS(2), (double[]){2, 5});
    reduce("max", ax0, 1, 0, TI_DIMS(3), (double[]){4, 5, 6});
    reduce("min", ax1, 1, 0, TI_DIMS(2), (double[]){1, 4});
    reduce("prod", ax1, 1, 0, TI_DIMS(2), (double[]){6, 120});
    reduce("l1", ax1, 1, 0, TI_DIMS(2), (double[]){6, 15});
    /* sqrt(1+4+9) = 3.7416573868, sqrt(16+25+36) = 8.7749643874 */
    reduce("l2", ax1, 1, 0, TI_DIMS(2), (double[]){3.7416573868, 8.7749643874});
    reduce("sum_square", ax1, 1, 0, TI_DIMS(2), (double[]){14, 77});
    /* log 6 = 1.7917594692, log 15 = 2.7080502011 */
    reduce("log_sum", ax1, 1, 0, TI_DIMS(2), (double[]){1.7917594692, 2.7080502011});
    /* log(e + e^2 + e^3) = 3 + log(e^-2 + e^-1 + 1) = 3.4076059644; row 2 is 3 more */
    reduce("log_sum_exp", ax1, 1, 0, TI_DIMS(2), (double[]){3.4076059644, 6.4076059644});

    /* NaN propagates through max; an empty reduction gives the identity */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_REDUCE, (int[]){x}, 1, 1);
    ir_attr_set_string(g, n, "fn", "max");
    ir_attr_set_ints(g, n, "axes", (const int64_t[]){1}, 1);
    ir_attr_set_int(g, n, "keepdims", 0);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){NAN, 1, 2, 3}}, out))
        ti_expect("max nan", &out[0], F32, TI_DIMS(2), (double[]){NAN, 3}, 0);
    ti_done(g, out);
    const char *fns[4] = {"sum", "prod", "max", "min"};
    double ids[4] = {0, 1, -INFINITY, INFINITY};
    for (int k = 0; k < 4; k++) {
        g = ti_graph();
        x = ti_input(g, F32, TI_DIMS(2, 0));
        n = ti_node(g, IR_OP_REDUCE, (int[]){x}, 1, 1);
        ir_attr_set_string(g, n, "fn", fns[k]);
        ir_attr_set_ints(g, n, "axes", (const int64_t[]){1}, 1);
        if (ti_run(g, (const double *[]){(double[]){0}}, out))
            ti_expect("empty reduce", &out[0], F32, TI_DIMS(2, 1), (double[]){ids[k], ids[k]}, 0);
        ti_done(g, out);
    }
}

/* ArgMax/ArgMin of [[1,3,3],[NaN,2,0]] along axis 1. */
static void arg(IrOp op, int last, int keepdims, const int64_t *dims, int rank,
                const double *want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int n = ti_node(g, op, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "axis", 1);
    ir_attr_set_int(g, n, "select_last_index", last);
    ir_attr_set_int(g, n, "keepdims", keepdims);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 3, 3, NAN, 2, 0}}, out))
        ti_expect("arg", &out[0], I64, dims, rank, want, 0);
    ti_done(g, out);
}

static void test_arg(void) {
    /* row 0: max 3 first at 1, last at 2; min 1 at 0. row 1: NaN counts as the extreme */
    arg(IR_OP_ARGMAX, 0, 1, TI_DIMS(2, 1), (double[]){1, 0});
    arg(IR_OP_ARGMAX, 1, 0, TI_DIMS(2), (double[]){2, 0});
    arg(IR_OP_ARGMIN, 0, 0, TI_DIMS(2), (double[]){0, 0});
}

static void test_axis_ops(void) {
    const double xs[6] = {1, 2, 3, 4, 5, 6};
    /* CumSum over axis 1 of [[1,2,3],[4,5,6]]: plain [1,3,6],[4,9,15]; exclusive [0,1,3],[0,4,9];
     * reverse [6,5,3],[15,11,6]; both [5,3,0],[11,6,0]. Over axis 0: [1,2,3],[5,7,9]. */
    double wants[5][6] = {{1, 3, 6, 4, 9, 15},
                          {0, 1, 3, 0, 4, 9},
                          {6, 5, 3, 15, 11, 6},
                          {5, 3, 0, 11, 6, 0},
                          {1, 2, 3, 5, 7, 9}};
    int flags[5][3] = {{1, 0, 0}, {1, 1, 0}, {1, 0, 1}, {1, 1, 1}, {0, 0, 0}};
    for (int k = 0; k < 5; k++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(2, 3));
        int n = ti_node(g, IR_OP_CUMSUM, (int[]){x}, 1, 1);
        ir_attr_set_int(g, n, "axis", flags[k][0]);
        ir_attr_set_int(g, n, "exclusive", flags[k][1]);
        ir_attr_set_int(g, n, "reverse", flags[k][2]);
        IrTensor out[1];
        if (ti_run(g, (const double *[]){xs}, out))
            ti_expect("cumsum", &out[0], F32, TI_DIMS(2, 3), wants[k], 0);
        ti_done(g, out);
    }
    /* LogSoftmax of [1,2,3]: x - 3.4076059644 (log-sum-exp above) */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int l = ti_node(g, IR_OP_LOGSOFTMAX, (int[]){x}, 1, 1);
    int h = ti_node(g, IR_OP_HARDMAX, (int[]){x}, 1, 1);
    ir_attr_set_int(g, h, "axis", 0);
    ir_output_add(g, ti_out(g, l, 0));
    ir_output_add(g, ti_out(g, h, 0));
    IrTensor out[2];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 1, 1, 0}}, out)) {
        /* row [1,1,0]: log(2e + 1) = 1.8619948040 */
        ti_expect("logsoftmax", &out[0], F32, TI_DIMS(2, 3),
                  (double[]){-2.4076059644, -1.4076059644, -0.4076059644, -0.8619948040,
                             -0.8619948040, -1.8619948040},
                  TOL);
        /* Hardmax along axis 0: column maxima 1 vs 1 (first wins), 2 > 1, 3 > 0 */
        ti_expect("hardmax", &out[1], F32, TI_DIMS(2, 3), (double[]){1, 1, 1, 0, 0, 0}, 0);
    }
    ti_done(g, out);
}

int main(void) {
    test_unary();
    test_unary_int_and_errors();
    test_clip_isnan_isinf_not();
    test_binary();
    test_mod_by_zero();
    test_where_expand_tile_trilu();
    test_reduce();
    test_arg();
    test_axis_ops();
    return test_finish();
}
