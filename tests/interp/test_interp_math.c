/* Interpreter tests, arithmetic ops: MatMul, Linear, the binary and unary elementwise ops,
 * Softmax, LayerNorm, RMSNorm. Every expected value is worked out by hand in a comment. */
#include "interp_test.h"

#include <math.h>

#define F32 IR_DTYPE_F32
#define TOL 1e-6

/* A one-input, one-node graph over x of type F32[dims]: runs it and checks the output. */
static void unary_case(const char *what, IrOp op, const int64_t *dims, int rank, const double *xs,
                       const double *want, const char *attr, double attr_value) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, dims, rank);
    int n = ti_node(g, op, (int[]){x}, 1, 1);
    if (attr) ir_attr_set_float(g, n, attr, attr_value);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){xs}, out))
        ti_expect(what, &out[0], F32, dims, rank, want, TOL);
    ti_done(g, out);
}

/* ---- MatMul -------------------------------------------------------------------------------- */

static void test_matmul_2d(void) {
    /* [[1,2,3],[4,5,6]] @ [[7,8],[9,10],[11,12]]:
     * row 0: 1*7+2*9+3*11 = 58, 1*8+2*10+3*12 = 64; row 1: 4*7+5*9+6*11 = 139, 4*8+5*10+6*12 = 154
     */
    IrGraph *g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(2, 3)), b = ti_input(g, F32, TI_DIMS(3, 2));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}, (double[]){7, 8, 9, 10, 11, 12}},
               out))
        ti_expect("matmul 2d", &out[0], F32, TI_DIMS(2, 2), (double[]){58, 64, 139, 154}, TOL);
    ti_done(g, out);
}

static void test_matmul_batch_broadcast(void) {
    /* a [2,2,2] @ b [2,2]: b is shared by both batches.
     * a0 = identity -> b = [[1,2],[3,4]]; a1 = 2*identity -> 2b = [[2,4],[6,8]] */
    IrGraph *g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(2, 2, 2)), b = ti_input(g, F32, TI_DIMS(2, 2));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 0, 0, 1, 2, 0, 0, 2}, (double[]){1, 2, 3, 4}},
               out))
        ti_expect("matmul batch", &out[0], F32, TI_DIMS(2, 2, 2),
                  (double[]){1, 2, 3, 4, 2, 4, 6, 8}, TOL);
    ti_done(g, out);

    /* a [2,1,1,2] @ b [3,2,1] -> batch dims [2,1] and [3] broadcast to [2,3]: out [2,3,1,1].
     * a[i] = [[i+1, 1]], b[j] = [[j],[10]]: out[i][j] = (i+1)*j + 10.
     * i=0: 10, 11, 12; i=1: 10, 12, 14 */
    g = ti_graph();
    a = ti_input(g, F32, TI_DIMS(2, 1, 1, 2));
    b = ti_input(g, F32, TI_DIMS(3, 2, 1));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 1, 2, 1}, (double[]){0, 10, 1, 10, 2, 10}}, out))
        ti_expect("matmul 4d x 3d", &out[0], F32, TI_DIMS(2, 3, 1, 1),
                  (double[]){10, 11, 12, 10, 12, 14}, TOL);
    ti_done(g, out);
}

static void test_matmul_rank1(void) {
    IrTensor out[1];
    /* [3] @ [3,2]: [1,2,3] is read as [[1,2,3]] and the result loses the row dim: [58, 64] */
    IrGraph *g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(3)), b = ti_input(g, F32, TI_DIMS(3, 2));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3}, (double[]){7, 8, 9, 10, 11, 12}}, out))
        ti_expect("matmul [3]@[3,2]", &out[0], F32, TI_DIMS(2), (double[]){58, 64}, TOL);
    ti_done(g, out);

    /* [2,2,3] @ [3]: every row dotted with [1,1,-1]: rows 1,2,3 -> 0; 4,5,6 -> 3; 0,0,1 -> -1;
     * 2,2,2 -> 2. Result [2,2]. */
    g = ti_graph();
    a = ti_input(g, F32, TI_DIMS(2, 2, 3));
    b = ti_input(g, F32, TI_DIMS(3));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    if (ti_run(g,
               (const double *[]){(double[]){1, 2, 3, 4, 5, 6, 0, 0, 1, 2, 2, 2},
                                  (double[]){1, 1, -1}},
               out))
        ti_expect("matmul [2,2,3]@[3]", &out[0], F32, TI_DIMS(2, 2), (double[]){0, 3, -1, 2}, TOL);
    ti_done(g, out);

    /* [3] @ [3]: 1*4 + 2*5 + 3*6 = 32, a scalar */
    g = ti_graph();
    a = ti_input(g, F32, TI_DIMS(3));
    b = ti_input(g, F32, TI_DIMS(3));
    ti_node(g, IR_OP_MATMUL, (int[]){a, b}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3}, (double[]){4, 5, 6}}, out))
        ti_expect("matmul [3]@[3]", &out[0], F32, TI_SCALAR, (double[]){32}, TOL);
    ti_done(g, out);
}

/* ---- Linear -------------------------------------------------------------------------------- */

static void test_linear(void) {
    IrTensor out[1];
    /* transpose_w=1 (default): w [2,3] = [[1,0,1],[0,1,0]], bias [10,20];
     * x row [1,2,3]: [1+3+10, 2+20] = [14, 22]; row [4,5,6]: [4+6+10, 5+20] = [20, 25] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int w = ti_const(g, F32, TI_DIMS(2, 3), (double[]){1, 0, 1, 0, 1, 0});
    int b = ti_const(g, F32, TI_DIMS(2), (double[]){10, 20});
    ti_node(g, IR_OP_LINEAR, (int[]){x, w, b}, 3, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}}, out))
        ti_expect("linear transposed", &out[0], F32, TI_DIMS(2, 2), (double[]){14, 22, 20, 25},
                  TOL);
    ti_done(g, out);

    /* transpose_w=0: w [3,2] = [[1,0],[0,1],[1,0]] (the same weight, stored [K,N]), no bias,
     * x [1,2,3] (a leading batch dim): [1+3, 2] = [4, 2]; [4+6, 5] = [10, 5] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(1, 2, 3));
    w = ti_const(g, F32, TI_DIMS(3, 2), (double[]){1, 0, 0, 1, 1, 0});
    int n = ti_node(g, IR_OP_LINEAR, (int[]){x, w}, 2, 1);
    ir_attr_set_int(g, n, "transpose_w", 0);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}}, out))
        ti_expect("linear plain", &out[0], F32, TI_DIMS(1, 2, 2), (double[]){4, 2, 10, 5}, TOL);
    ti_done(g, out);
}

/* ---- binary elementwise -------------------------------------------------------------------- */

static void binary_case(const char *what, IrOp op, IrDtype dt, const int64_t *ad, int ar,
                        const double *av, const int64_t *bd, int br, const double *bv,
                        const int64_t *od, int orank, const double *want) {
    IrGraph *g = ti_graph();
    int a = ti_input(g, dt, ad, ar), b = ti_input(g, dt, bd, br);
    ti_node(g, op, (int[]){a, b}, 2, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){av, bv}, out))
        ti_expect(what, &out[0], dt, od, orank, want, TOL);
    ti_done(g, out);
}

static void test_add_broadcast(void) {
    /* [2,3] + [3]: [[0,1,2],[3,4,5]] + [10,20,30] = [[10,21,32],[13,24,35]] */
    binary_case("add [2,3]+[3]", IR_OP_ADD, F32, TI_DIMS(2, 3), (double[]){0, 1, 2, 3, 4, 5},
                TI_DIMS(3), (double[]){10, 20, 30}, TI_DIMS(2, 3),
                (double[]){10, 21, 32, 13, 24, 35});
    /* [2,1] + [1,3]: both broadcast: [[1+10, 1+20, 1+30], [2+10, 2+20, 2+30]] */
    binary_case("add [2,1]+[1,3]", IR_OP_ADD, F32, TI_DIMS(2, 1), (double[]){1, 2}, TI_DIMS(1, 3),
                (double[]){10, 20, 30}, TI_DIMS(2, 3), (double[]){11, 21, 31, 12, 22, 32});
    /* scalar + [2]: 5 + [1, 2] = [6, 7] */
    binary_case("add scalar", IR_OP_ADD, F32, TI_SCALAR, (double[]){5}, TI_DIMS(2),
                (double[]){1, 2}, TI_DIMS(2), (double[]){6, 7});
    /* [3,1,2] + [2,1]: rank 3 against rank 2; out[i][j][k] = a[i][0][k] + b[j][0]
     * a = [[1,2]], [[3,4]], [[5,6]]; b = [100, 200] */
    binary_case("add [3,1,2]+[2,1]", IR_OP_ADD, F32, TI_DIMS(3, 1, 2), (double[]){1, 2, 3, 4, 5, 6},
                TI_DIMS(2, 1), (double[]){100, 200}, TI_DIMS(3, 2, 2),
                (double[]){101, 102, 201, 202, 103, 104, 203, 204, 105, 106, 205, 206});
    /* i8 wraps as two's complement: 100 + 100 = 200 -> 200 - 256 = -56; -100 + -100 -> 56 */
    binary_case("add i8 wrap", IR_OP_ADD, IR_DTYPE_I8, TI_DIMS(2), (double[]){100, -100},
                TI_DIMS(2), (double[]){100, -100}, TI_DIMS(2), (double[]){-56, 56});
}

static void test_sub_mul_div(void) {
    /* [5,7,9] - [1,2,3] = [4,5,6] */
    binary_case("sub", IR_OP_SUB, F32, TI_DIMS(3), (double[]){5, 7, 9}, TI_DIMS(3),
                (double[]){1, 2, 3}, TI_DIMS(3), (double[]){4, 5, 6});
    /* [2,1] - [2]: [[10],[20]] - [1,2] = [[9,8],[19,18]] */
    binary_case("sub broadcast", IR_OP_SUB, F32, TI_DIMS(2, 1), (double[]){10, 20}, TI_DIMS(2),
                (double[]){1, 2}, TI_DIMS(2, 2), (double[]){9, 8, 19, 18});
    /* [[1,2],[3,4]] * [[10],[100]] = [[10,20],[300,400]] */
    binary_case("mul", IR_OP_MUL, F32, TI_DIMS(2, 2), (double[]){1, 2, 3, 4}, TI_DIMS(2, 1),
                (double[]){10, 100}, TI_DIMS(2, 2), (double[]){10, 20, 300, 400});
    /* [1,3,-6] / 2 = [0.5, 1.5, -3] */
    binary_case("div", IR_OP_DIV, F32, TI_DIMS(3), (double[]){1, 3, -6}, TI_DIMS(1), (double[]){2},
                TI_DIMS(3), (double[]){0.5, 1.5, -3});
    /* 1 / 0 = inf for floats */
    binary_case("div by zero f32", IR_OP_DIV, F32, TI_DIMS(1), (double[]){1}, TI_DIMS(1),
                (double[]){0}, TI_DIMS(1), (double[]){INFINITY});
    /* i32 division truncates toward zero as in C: 7/2 = 3, -7/2 = -3, 7/-2 = -3, -7/-2 = 3 */
    binary_case("div i32", IR_OP_DIV, IR_DTYPE_I32, TI_DIMS(4), (double[]){7, -7, 7, -7},
                TI_DIMS(4), (double[]){2, 2, -2, -2}, TI_DIMS(4), (double[]){3, -3, -3, 3});
}

/* ---- unary elementwise --------------------------------------------------------------------- */

static void test_unary(void) {
    unary_case("neg", IR_OP_NEG, TI_DIMS(3), (double[]){1, -2, 0}, (double[]){-1, 2, 0}, NULL, 0);
    /* e^0 = 1, e^1 = 2.718281828, e^-1 = 0.3678794412 */
    unary_case("exp", IR_OP_EXP, TI_DIMS(3), (double[]){0, 1, -1},
               (double[]){1, 2.718281828459045, 0.36787944117144233}, NULL, 0);
    /* sqrt 4 = 2, sqrt 9 = 3, sqrt 2 = 1.414213562 */
    unary_case("sqrt", IR_OP_SQRT, TI_DIMS(3), (double[]){4, 9, 2},
               (double[]){2, 3, 1.4142135623730951}, NULL, 0);
    /* 1/sqrt 4 = 0.5, 1/sqrt 0.25 = 2, 1/sqrt 16 = 0.25 */
    unary_case("rsqrt", IR_OP_RSQRT, TI_DIMS(3), (double[]){4, 0.25, 16}, (double[]){0.5, 2, 0.25},
               NULL, 0);
    /* x^2: 9, 4, 0.25; x^3 of -2 = -8; x^0.5 of 4 = 2 */
    unary_case("pow 2", IR_OP_POW, TI_DIMS(3), (double[]){3, -2, 0.5}, (double[]){9, 4, 0.25},
               "exponent", 2.0);
    unary_case("pow 3", IR_OP_POW, TI_DIMS(1), (double[]){-2}, (double[]){-8}, "exponent", 3.0);
    unary_case("pow 0.5", IR_OP_POW, TI_DIMS(1), (double[]){4}, (double[]){2}, "exponent", 0.5);
    unary_case("relu", IR_OP_RELU, TI_DIMS(3), (double[]){-1, 0, 2.5}, (double[]){0, 0, 2.5}, NULL,
               0);
    /* silu(x) = x / (1 + e^-x): silu(0) = 0; silu(1) = 1/1.367879441 = 0.7310585786;
     * silu(-2) = -2/(1 + e^2) = -2/8.389056099 = -0.2384058440 */
    unary_case("silu", IR_OP_SILU, TI_DIMS(3), (double[]){0, 1, -2},
               (double[]){0, 0.7310585786300049, -0.2384058440442351}, NULL, 0);
    /* sigmoid(0) = 0.5; sigmoid(2) = 1/(1 + 0.1353352832) = 0.8807970780;
     * sigmoid(-2) = 1 - 0.8807970780 = 0.1192029220 */
    unary_case("sigmoid", IR_OP_SIGMOID, TI_DIMS(3), (double[]){0, 2, -2},
               (double[]){0.5, 0.8807970779778823, 0.11920292202211755}, NULL, 0);
    /* tanh(0.5) = (e - 1)/(e + 1) = 1.718281828/3.718281828 = 0.4621171573;
     * tanh(-1) = -(e^2 - 1)/(e^2 + 1) = -6.389056099/8.389056099 = -0.7615941560 */
    unary_case("tanh", IR_OP_TANH, TI_DIMS(3), (double[]){0, 0.5, -1},
               (double[]){0, 0.46211715726000974, -0.7615941559557649}, NULL, 0);
}

static void test_gelu(void) {
    IrTensor out[1];
    /* erf form, 0.5 x (1 + erf(x / sqrt 2)): erf(0.7071067812) = 0.6826894921, so
     * gelu(1) = 0.5 * 1.6826894921 = 0.8413447461, gelu(-1) = -0.5 * (1 - 0.6826894921)
     * = -0.1586552539; erf(1.4142135624) = 0.9544997361, gelu(2) = 1.9544997361 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(4));
    ti_node(g, IR_OP_GELU, (int[]){x}, 1, 1);
    if (ti_run(g, (const double *[]){(double[]){1, -1, 2, 0}}, out))
        ti_expect("gelu erf", &out[0], F32, TI_DIMS(4),
                  (double[]){0.8413447460685429, -0.15865525393145707, 1.9544997361036416, 0}, TOL);
    ti_done(g, out);

    /* tanh form, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): at x = 1 the tanh argument
     * is 0.7978845608 * 1.044715 = 0.8335624, tanh = 0.6823839812, gelu = 0.8411919906; at
     * x = -1 it is -(1 - 0.8411919906) = -0.1588080094 (odd tanh); at x = 2 the argument is
     * 0.7978845608 * 2.35772 = 1.8811885, tanh = 0.9545976941, gelu = 1.9545976941 */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(3));
    int n = ti_node(g, IR_OP_GELU, (int[]){x}, 1, 1);
    ir_attr_set_string(g, n, "approximate", "tanh");
    if (ti_run(g, (const double *[]){(double[]){1, -1, 2}}, out))
        ti_expect("gelu tanh", &out[0], F32, TI_DIMS(3),
                  (double[]){0.8411919906082768, -0.15880800939172324, 1.954597694087775}, TOL);
    ti_done(g, out);
}

/* ---- Softmax and norms --------------------------------------------------------------------- */

static void test_softmax(void) {
    IrTensor out[1];
    /* last axis: [0, ln 3] -> e^x = [1, 3] -> [1/4, 3/4]; [5, 5] -> [1/2, 1/2] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 2));
    ti_node(g, IR_OP_SOFTMAX, (int[]){x}, 1, 1);
    if (ti_run(g, (const double *[]){(double[]){0, log(3.0), 5, 5}}, out))
        ti_expect("softmax last", &out[0], IR_DTYPE_F64, TI_DIMS(2, 2),
                  (double[]){0.25, 0.75, 0.5, 0.5}, 1e-12);
    ti_done(g, out);

    /* axis 0 of [[0, 7], [ln 3, 7]]: column 0 -> [1/4, 3/4]; column 1 -> [1/2, 1/2] */
    g = ti_graph();
    x = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_SOFTMAX, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "axis", 0);
    if (ti_run(g, (const double *[]){(double[]){0, 7, log(3.0), 7}}, out))
        ti_expect("softmax axis 0", &out[0], IR_DTYPE_F64, TI_DIMS(2, 2),
                  (double[]){0.25, 0.5, 0.75, 0.5}, 1e-12);
    ti_done(g, out);

    /* axis 1 of a [1,3,2] tensor, large values that would overflow exp without the max shift:
     * column 0 = [1000, 1000, 1000] -> 1/3 each; column 1 = [0, ln 2, 0] -> e^x = [1, 2, 1]
     * -> [1/4, 1/2, 1/4] */
    g = ti_graph();
    x = ti_input(g, IR_DTYPE_F64, TI_DIMS(1, 3, 2));
    n = ti_node(g, IR_OP_SOFTMAX, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "axis", -2);
    if (ti_run(g, (const double *[]){(double[]){1000, 0, 1000, log(2.0), 1000, 0}}, out))
        ti_expect("softmax middle axis", &out[0], IR_DTYPE_F64, TI_DIMS(1, 3, 2),
                  (double[]){1.0 / 3, 0.25, 1.0 / 3, 0.5, 1.0 / 3, 0.25}, 1e-12);
    ti_done(g, out);
}

static void test_layernorm(void) {
    IrTensor out[1];
    /* axis -1, epsilon 0, scale [2,3], bias [0.5,-0.5]:
     * row [1,3]: mean 2, var ((1-2)^2 + (3-2)^2)/2 = 1 -> [-1, 1] -> [-1*2+0.5, 1*3-0.5] =
     * [-1.5, 2.5] row [0,4]: mean 2, var 4, std 2 -> [-1, 1] -> the same [-1.5, 2.5] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2));
    int s = ti_const(g, F32, TI_DIMS(2), (double[]){2, 3});
    int b = ti_const(g, F32, TI_DIMS(2), (double[]){0.5, -0.5});
    int n = ti_node(g, IR_OP_LAYERNORM, (int[]){x, s, b}, 3, 1);
    ir_attr_set_float(g, n, "epsilon", 0.0);
    if (ti_run(g, (const double *[]){(double[]){1, 3, 0, 4}}, out))
        ti_expect("layernorm", &out[0], F32, TI_DIMS(2, 2), (double[]){-1.5, 2.5, -1.5, 2.5}, TOL);
    ti_done(g, out);

    /* axis -2 over the last two dims of [1,2,2], no scale or bias, epsilon 0:
     * [1,2,3,4]: mean 2.5, var (2.25+0.25+0.25+2.25)/4 = 1.25, std 1.118033989
     * -> [-1.341640786, -0.447213595, 0.447213595, 1.341640786] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(1, 2, 2));
    n = ti_node(g, IR_OP_LAYERNORM, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "axis", -2);
    ir_attr_set_float(g, n, "epsilon", 0.0);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}}, out))
        ti_expect("layernorm axis -2", &out[0], F32, TI_DIMS(1, 2, 2),
                  (double[]){-1.3416407864998738, -0.4472135954999579, 0.4472135954999579,
                             1.3416407864998738},
                  TOL);
    ti_done(g, out);

    /* default epsilon 1e-5, scale given but bias omitted (-1): row [1,3], var 1 ->
     * [-1, 1] / sqrt(1.00001) = [-0.999995000, 0.999995000], times scale [1, 1] */
    g = ti_graph();
    x = ti_input(g, IR_DTYPE_F64, TI_DIMS(2));
    s = ti_const(g, IR_DTYPE_F64, TI_DIMS(2), (double[]){1, 1});
    ti_node(g, IR_OP_LAYERNORM, (int[]){x, s, -1}, 3, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 3}}, out))
        ti_expect("layernorm default eps", &out[0], IR_DTYPE_F64, TI_DIMS(2),
                  (double[]){-0.9999950000374997, 0.9999950000374997}, 1e-12);
    ti_done(g, out);
}

static void test_rmsnorm(void) {
    IrTensor out[1];
    /* [3,4]: mean of squares (9+16)/2 = 12.5, rms 3.535533906, epsilon 0, scale [1,2]:
     * [3/3.535533906, 4/3.535533906*2] = [0.848528137, 2.262741700] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 2));
    int s = ti_const(g, F32, TI_DIMS(2), (double[]){1, 2});
    int n = ti_node(g, IR_OP_RMSNORM, (int[]){x, s}, 2, 1);
    ir_attr_set_float(g, n, "epsilon", 0.0);
    if (ti_run(g, (const double *[]){(double[]){3, 4}}, out))
        ti_expect("rmsnorm", &out[0], F32, TI_DIMS(1, 2),
                  (double[]){0.848528137423857, 2.262741699796952}, TOL);
    ti_done(g, out);

    /* no scale, epsilon 1 (large, so it visibly matters), axis 0 over all of [2,1]:
     * [1, 1]: mean of squares 1, + eps 1 = 2 -> [1/sqrt 2, 1/sqrt 2] = 0.7071067812 */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2, 1));
    n = ti_node(g, IR_OP_RMSNORM, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "axis", 0);
    ir_attr_set_float(g, n, "epsilon", 1.0);
    if (ti_run(g, (const double *[]){(double[]){1, 1}}, out))
        ti_expect("rmsnorm eps", &out[0], F32, TI_DIMS(2, 1),
                  (double[]){0.7071067811865476, 0.7071067811865476}, TOL);
    ti_done(g, out);
}

int main(void) {
    test_matmul_2d();
    test_matmul_batch_broadcast();
    test_matmul_rank1();
    test_linear();
    test_add_broadcast();
    test_sub_mul_div();
    test_unary();
    test_gelu();
    test_softmax();
    test_layernorm();
    test_rmsnorm();
    return test_finish();
}
