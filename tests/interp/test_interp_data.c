/* Interpreter tests, data movement and transformer ops: Reshape, Transpose, Concat, Split,
 * Slice, Gather, Cast, Rotary, Attention. Every expected value is worked out by hand in a
 * comment. */
#include "interp_test.h"

#include <math.h>
#include <string.h>

#define F32 IR_DTYPE_F32
#define TOL 1e-6

static const double iota[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                              12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23};

/* ---- Reshape, Transpose -------------------------------------------------------------------- */

static void reshape_case(const char *what, const int64_t *shape, int count, const int64_t *want,
                         int want_rank) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3, 4));
    int n = ti_node(g, IR_OP_RESHAPE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "shape", shape, count);
    IrTensor out[1];
    /* row-major order is unchanged: the data stays 0..23 */
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect(what, &out[0], F32, want, want_rank, iota, TOL);
    ti_done(g, out);
}

static void test_reshape(void) {
    /* [2,3,4] with shape [0,-1]: 0 copies dim 0 (2), -1 takes the rest: 24/2 = 12 */
    reshape_case("reshape [0,-1]", TI_DIMS(0, -1), TI_DIMS(2, 12));
    /* [-1, 2]: 24/2 = 12 -> [12, 2] */
    reshape_case("reshape [-1,2]", TI_DIMS(-1, 2), TI_DIMS(12, 2));
    /* [0, 0, 2, 2]: dims 0 and 1 copied, 4 split into 2x2 */
    reshape_case("reshape [0,0,2,2]", TI_DIMS(0, 0, 2, 2), TI_DIMS(2, 3, 2, 2));
}

static void test_transpose(void) {
    IrTensor out[1];
    /* perm absent: reversed dims. [[0,1,2],[3,4,5]] -> [[0,3],[1,4],[2,5]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    ti_node(g, IR_OP_TRANSPOSE, (int[]){x}, 1, 1);
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect("transpose default", &out[0], F32, TI_DIMS(3, 2), (double[]){0, 3, 1, 4, 2, 5},
                  TOL);
    ti_done(g, out);

    /* perm [2,0,1] of x[2,3,2] = iota: out[a][b][c] = x[b][c][a] = 6b + 2c + a, out [2,2,3]:
     * a=0: [[0,2,4],[6,8,10]]; a=1: [[1,3,5],[7,9,11]] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2, 3, 2));
    int n = ti_node(g, IR_OP_TRANSPOSE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "perm", TI_DIMS(2, 0, 1));
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect("transpose perm", &out[0], F32, TI_DIMS(2, 2, 3),
                  (double[]){0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}, TOL);
    ti_done(g, out);
}

/* ---- Concat, Split ------------------------------------------------------------------------- */

static void test_concat(void) {
    IrTensor out[1];
    /* axis -1 (= 1): [[1],[2]] ++ [[3,4],[5,6]] = [[1,3,4],[2,5,6]] */
    IrGraph *g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(2, 1)), b = ti_input(g, F32, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_CONCAT, (int[]){a, b}, 2, 1);
    ir_attr_set_int(g, n, "axis", -1);
    if (ti_run(g, (const double *[]){(double[]){1, 2}, (double[]){3, 4, 5, 6}}, out))
        ti_expect("concat axis 1", &out[0], F32, TI_DIMS(2, 3), (double[]){1, 3, 4, 2, 5, 6}, TOL);
    ti_done(g, out);

    /* axis 0 of three inputs [1,2], [2,2], [1,2]: rows stacked in order */
    g = ti_graph();
    a = ti_input(g, F32, TI_DIMS(1, 2));
    b = ti_input(g, F32, TI_DIMS(2, 2));
    int c = ti_input(g, F32, TI_DIMS(1, 2));
    n = ti_node(g, IR_OP_CONCAT, (int[]){a, b, c}, 3, 1);
    ir_attr_set_int(g, n, "axis", 0);
    if (ti_run(g, (const double *[]){(double[]){1, 2}, (double[]){3, 4, 5, 6}, (double[]){7, 8}},
               out))
        ti_expect("concat axis 0", &out[0], F32, TI_DIMS(4, 2), (double[]){1, 2, 3, 4, 5, 6, 7, 8},
                  TOL);
    ti_done(g, out);
}

static void test_split(void) {
    IrTensor out[2];
    /* axis 1 of [[0,1,2],[3,4,5]] with split [1,2]: [[0],[3]] and [[1,2],[4,5]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int n = ti_node(g, IR_OP_SPLIT, (int[]){x}, 1, 2);
    ir_attr_set_int(g, n, "axis", 1);
    ir_attr_set_ints(g, n, "split", TI_DIMS(1, 2));
    if (ti_run(g, (const double *[]){iota}, out)) {
        ti_expect("split 0", &out[0], F32, TI_DIMS(2, 1), (double[]){0, 3}, TOL);
        ti_expect("split 1", &out[1], F32, TI_DIMS(2, 2), (double[]){1, 2, 4, 5}, TOL);
    }
    ti_done(g, out);

    /* no split attribute: equal parts. [0,1,2,3] in two -> [0,1], [2,3] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(4));
    ti_node(g, IR_OP_SPLIT, (int[]){x}, 1, 2);
    if (ti_run(g, (const double *[]){iota}, out)) {
        ti_expect("split equal 0", &out[0], F32, TI_DIMS(2), (double[]){0, 1}, TOL);
        ti_expect("split equal 1", &out[1], F32, TI_DIMS(2), (double[]){2, 3}, TOL);
    }
    ti_done(g, out);
}

/* ---- Slice --------------------------------------------------------------------------------- */

/* Slices x[5] = [0,1,2,3,4] (axes absent) and checks the result. */
static void slice_1d(const char *what, int64_t start, int64_t end, int64_t step, const double *want,
                     int64_t n_want) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(5));
    int n = ti_node(g, IR_OP_SLICE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "starts", &start, 1);
    ir_attr_set_ints(g, n, "ends", &end, 1);
    if (step != 1) ir_attr_set_ints(g, n, "steps", &step, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect(what, &out[0], F32, &n_want, 1, want, TOL);
    ti_done(g, out);
}

static void test_slice(void) {
    /* start -3 -> 2; end 100 clamps to 5: [2,3,4] */
    slice_1d("slice neg start, clamped end", -3, 100, 1, (double[]){2, 3, 4}, 3);
    /* step -1 from -1 (= 4) down to -100 (before the first element): [4,3,2,1,0] */
    slice_1d("slice reverse", -1, -100, -1, (double[]){4, 3, 2, 1, 0}, 5);
    /* step -2 from 4 down to (excluding) 0: 4, 2 */
    slice_1d("slice step -2", 4, 0, -2, (double[]){4, 2}, 2);
    /* start 100 with step -1 clamps to the last element 4; end 1 (excluded): [4,3,2] */
    slice_1d("slice reverse clamped start", 100, 1, -1, (double[]){4, 3, 2}, 3);
    /* step 2 from 1 to the end: 1, 3 */
    slice_1d("slice step 2", 1, 5, 2, (double[]){1, 3}, 2);
    /* start 10 clamps to 5, end 20 to 5: nothing */
    slice_1d("slice empty", 10, 20, 1, (double[]){0}, 0);
    /* end -10 clamps to 0: nothing */
    slice_1d("slice empty neg end", 0, -10, 1, (double[]){0}, 0);

    /* 2-d with a negative axis: x[2,3] = [[0,1,2],[3,4,5]], axes [-1], starts [1], ends [3]:
     * columns 1..2 -> [[1,2],[4,5]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 3));
    int n = ti_node(g, IR_OP_SLICE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "starts", TI_DIMS(1));
    ir_attr_set_ints(g, n, "ends", TI_DIMS(3));
    ir_attr_set_ints(g, n, "axes", TI_DIMS(-1));
    IrTensor out[1];
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect("slice axis -1", &out[0], F32, TI_DIMS(2, 2), (double[]){1, 2, 4, 5}, TOL);
    ti_done(g, out);

    /* both axes, reversed rows and every other column: x[2,3], axes [0,1], starts [-1, 0],
     * ends [-3, 3], steps [-1, 2]: rows 1,0; columns 0,2 -> [[3,5],[0,2]] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2, 3));
    n = ti_node(g, IR_OP_SLICE, (int[]){x}, 1, 1);
    ir_attr_set_ints(g, n, "starts", TI_DIMS(-1, 0));
    ir_attr_set_ints(g, n, "ends", TI_DIMS(-3, 3));
    ir_attr_set_ints(g, n, "axes", TI_DIMS(0, 1));
    ir_attr_set_ints(g, n, "steps", TI_DIMS(-1, 2));
    if (ti_run(g, (const double *[]){iota}, out))
        ti_expect("slice 2 axes", &out[0], F32, TI_DIMS(2, 2), (double[]){3, 5, 0, 2}, TOL);
    ti_done(g, out);
}

/* ---- Gather -------------------------------------------------------------------------------- */

static void test_gather(void) {
    IrTensor out[1];
    /* axis 0 of [[1,2],[3,4],[5,6]] with i64 indices [2, -3]: -3 + 3 = 0 -> [[5,6],[1,2]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(3, 2));
    int i = ti_input(g, IR_DTYPE_I64, TI_DIMS(2));
    ti_node(g, IR_OP_GATHER, (int[]){x, i}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}, (double[]){2, -3}}, out))
        ti_expect("gather axis 0", &out[0], F32, TI_DIMS(2, 2), (double[]){5, 6, 1, 2}, TOL);
    ti_done(g, out);

    /* axis 1 with i32 indices [[1,0],[-1,1]] (-1 -> 1): out[r] = [[d[r][1], d[r][0]],
     * [d[r][1], d[r][1]]] of shape [3,2,2]: r0 [[2,1],[2,2]], r1 [[4,3],[4,4]], r2 [[6,5],[6,6]] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(3, 2));
    i = ti_input(g, IR_DTYPE_I32, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_GATHER, (int[]){x, i}, 2, 1);
    ir_attr_set_int(g, n, "axis", 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}, (double[]){1, 0, -1, 1}}, out))
        ti_expect("gather axis 1", &out[0], F32, TI_DIMS(3, 2, 2),
                  (double[]){2, 1, 2, 2, 4, 3, 4, 4, 6, 5, 6, 6}, TOL);
    ti_done(g, out);

    /* a scalar index removes the axis: row 1 of the [3,2] data -> [3, 4] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(3, 2));
    i = ti_input(g, IR_DTYPE_I64, TI_SCALAR);
    ti_node(g, IR_OP_GATHER, (int[]){x, i}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}, (double[]){1}}, out))
        ti_expect("gather scalar index", &out[0], F32, TI_DIMS(2), (double[]){3, 4}, TOL);
    ti_done(g, out);
}

/* Gather with an index out of range fails with a message naming the node and the index. */
static void test_gather_out_of_range(void) {
    const double bad[][1] = {{3}, {-4}};
    const char *what[] = {"index 3 ", "index -4 "};
    for (int k = 0; k < 2; k++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(3, 2));
        int i = ti_input(g, IR_DTYPE_I64, TI_DIMS(1));
        ti_node(g, IR_OP_GATHER, (int[]){x, i}, 2, 1);
        if (!ti_finish(g)) {
            ti_done(g, NULL);
            continue;
        }
        IrTensor in[2] = {ti_tensor(F32, TI_DIMS(3, 2), iota),
                          ti_tensor(IR_DTYPE_I64, TI_DIMS(1), bad[k])};
        IrTensor out[1];
        Diag d;
        diag_init(&d);
        CHECK(!interp_run(g, in, out, &d));
        CHECK(out[0].data == NULL && out[0].nbytes == 0);
        ti_expect_message(&d, "test.kir: node 'n0' (Gather): ");
        if (d.count == 1) CHECK(strstr(d.messages[0], what[k]) != NULL);
        if (d.count == 1) CHECK(strstr(d.messages[0], "out of range") != NULL);
        diag_free(&d);
        ir_tensor_free(&in[0]);
        ir_tensor_free(&in[1]);
        ti_done(g, NULL);
    }
}

/* ---- Cast ---------------------------------------------------------------------------------- */

static void cast_case(const char *what, IrDtype from, IrDtype to, const double *xs,
                      const double *want, int64_t n) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, from, &n, 1);
    int node = ti_node(g, IR_OP_CAST, (int[]){x}, 1, 1);
    ir_attr_set_string(g, node, "to", ir_dtype_name(to));
    IrTensor out[1];
    if (ti_run(g, (const double *[]){xs}, out)) ti_expect(what, &out[0], to, &n, 1, want, 0.0);
    ti_done(g, out);
}

static void test_cast(void) {
    const double xs[] = {1.75, -1.75, 0.0, 2.5, -0.25};
    /* float -> int truncates toward zero: [1, -1, 0, 2, 0] */
    cast_case("cast f32->i32", F32, IR_DTYPE_I32, xs, (double[]){1, -1, 0, 2, 0}, 5);
    cast_case("cast f32->i64", F32, IR_DTYPE_I64, xs, (double[]){1, -1, 0, 2, 0}, 5);
    /* -> bool is x != 0: [1, 1, 0, 1, 1] */
    cast_case("cast f32->bool", F32, IR_DTYPE_BOOL, xs, (double[]){1, 1, 0, 1, 1}, 5);
    /* -> f16: 0.1 is 0x2E66 = 1.6 * 2^-4 rounded to 10 bits: (1 + 614/1024) / 16
     * = 0.0999755859375; 65504 is the largest f16; 1e5 overflows to inf; 2^-24 is the smallest
     * subnormal, and 2^-26 rounds to 0 */
    cast_case("cast f32->f16", F32, IR_DTYPE_F16,
              (double[]){0.1, 65504, 1e5, ldexp(1, -24), ldexp(1, -26)},
              (double[]){0.0999755859375, 65504, INFINITY, ldexp(1, -24), 0}, 5);
    /* -> bf16 keeps 7 stored mantissa bits (steps of 2^-7 above 1). 1 + 2^-8 lies halfway
     * between 1 and 1 + 2^-7 and rounds to the even one, 1; 1 + 3 * 2^-8 lies halfway between
     * 1 + 2^-7 (odd) and 1 + 2^-6 (even) and rounds to 1 + 2^-6 */
    cast_case("cast f32->bf16", F32, IR_DTYPE_BF16,
              (double[]){1 + ldexp(1, -8), 1 + 3 * ldexp(1, -8)}, (double[]){1, 1 + ldexp(1, -6)},
              2);
    /* int -> float is exact; bool -> f32 gives 0/1 */
    cast_case("cast i32->f32", IR_DTYPE_I32, F32, (double[]){3, -2}, (double[]){3, -2}, 2);
    cast_case("cast bool->f32", IR_DTYPE_BOOL, F32, (double[]){1, 0}, (double[]){1, 0}, 2);
    /* out-of-range integers wrap as two's complement: 300 -> 300 - 256 = 44 in u8, -1 -> 255,
     * 200 -> 200 - 256 = -56 in i8 */
    cast_case("cast i32->u8", IR_DTYPE_I32, IR_DTYPE_U8, (double[]){300, -1}, (double[]){44, 255},
              2);
    cast_case("cast i32->i8", IR_DTYPE_I32, IR_DTYPE_I8, (double[]){200, -128},
              (double[]){-56, -128}, 2);
}

/* ---- Rotary -------------------------------------------------------------------------------- */

static void test_rotary_half_split(void) {
    /* x [1, S=2, H=1, D=4], half-split, rotary_dim 0 (= 4), theta 10000: pair i uses frequency
     * 10000^(-2i/4): pair 0 = channels (0,2) at 1, pair 1 = channels (1,3) at 0.01.
     * Row 0 is at position 0 -> unchanged. Row 1 [1,2,3,4] at position 1:
     *   y0 = 1 cos 1 - 3 sin 1 = 0.5403023059 - 2.5244129544 = -1.9841106486
     *   y2 = 1 sin 1 + 3 cos 1 = 0.8414709848 + 1.6209069176 =  2.4623779024
     *   y1 = 2 cos .01 - 4 sin .01 = 1.9999000017 - 0.0399993333 = 1.9599006675
     *   y3 = 2 sin .01 + 4 cos .01 = 0.0199996667 + 3.9998000033 = 4.0197996683 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 2, 1, 4));
    ti_node(g, IR_OP_ROTARY, (int[]){x}, 1, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){5, 6, 7, 8, 1, 2, 3, 4}}, out))
        ti_expect("rotary half-split", &out[0], F32, TI_DIMS(1, 2, 1, 4),
                  (double[]){5, 6, 7, 8, -1.9841106485555495, 1.959900667496664, 2.4623779024123156,
                             4.019799668334994},
                  TOL);
    ti_done(g, out);

    /* partial: D=6, rotary_dim 4, position_offset 1, S=1, H=2: both heads at position 1.
     * Head 0 = [1,2,3,4, 7,8]: pairs (0,2) and (1,3) as above, channels 4,5 pass through.
     * Head 1 = [0,0,0,0, 9,9] stays [0,0,0,0,9,9]. */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(1, 2, 6));
    int n = ti_node(g, IR_OP_ROTARY, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "rotary_dim", 4);
    ir_attr_set_int(g, n, "position_offset", 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 7, 8, 0, 0, 0, 0, 9, 9}}, out))
        ti_expect("rotary partial half-split", &out[0], F32, TI_DIMS(1, 2, 6),
                  (double[]){-1.9841106485555495, 1.959900667496664, 2.4623779024123156,
                             4.019799668334994, 7, 8, 0, 0, 0, 0, 9, 9},
                  TOL);
    ti_done(g, out);
}

static void test_rotary_interleaved(void) {
    /* interleaved, D=6, rotary_dim 4, theta 10000: pairs (0,1) at frequency 1 and (2,3) at
     * 0.01; positions input [1] overrides position_offset 5. x = [1,2,3,4,7,8]:
     *   y0 = 1 cos 1 - 2 sin 1 = 0.5403023059 - 1.6829419696 = -1.1426396637
     *   y1 = 1 sin 1 + 2 cos 1 = 0.8414709848 + 1.0806046117 =  1.9220755965
     *   y2 = 3 cos .01 - 4 sin .01 = 2.9998500013 - 0.0399993333 = 2.9598506679
     *   y3 = 3 sin .01 + 4 cos .01 = 0.0299995000 + 3.9998000033 = 4.0297995017 */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 1, 6));
    int p = ti_input(g, IR_DTYPE_I64, TI_DIMS(1));
    int n = ti_node(g, IR_OP_ROTARY, (int[]){x, p}, 2, 1);
    ir_attr_set_int(g, n, "interleaved", 1);
    ir_attr_set_int(g, n, "rotary_dim", 4);
    ir_attr_set_int(g, n, "position_offset", 5);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 7, 8}, (double[]){1}}, out))
        ti_expect("rotary interleaved", &out[0], F32, TI_DIMS(1, 1, 6),
                  (double[]){-1.1426396637476532, 1.922075596544176, 2.9598506679133294,
                             4.029799501669161, 7, 8},
                  TOL);
    ti_done(g, out);

    /* interleaved, rotary_dim 2 of D=4, theta 100, position_offset 2, S=1: only pair (0,1)
     * turns, by angle 2: [1,0] -> [cos 2, sin 2] = [-0.4161468365, 0.9092974268]; 5, 6 pass */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(1, 1, 4));
    n = ti_node(g, IR_OP_ROTARY, (int[]){x}, 1, 1);
    ir_attr_set_int(g, n, "interleaved", 1);
    ir_attr_set_int(g, n, "rotary_dim", 2);
    ir_attr_set_int(g, n, "position_offset", 2);
    ir_attr_set_float(g, n, "theta", 100.0);
    if (ti_run(g, (const double *[]){(double[]){1, 0, 5, 6}}, out))
        ti_expect("rotary interleaved offset", &out[0], F32, TI_DIMS(1, 1, 4),
                  (double[]){-0.4161468365471424, 0.9092974268256817, 5, 6}, TOL);
    ti_done(g, out);
}

/* ---- Attention ----------------------------------------------------------------------------- */

static void test_attention_basic(void) {
    /* q [B=2, Sq=1, H=1, D=4], k/v [2, Skv=2, 1, 4]/[2, 2, 1, 1]; scale 0 means 1/sqrt(4) = 0.5.
     * Batch 0: q = [1,1,1,1], k0 = 0, k1 = [ln3/2]*4 -> scores [0, 0.5 * 4 * ln3/2] = [0, ln 3]
     * -> weights [1/4, 3/4]; v = [10, 20] -> 2.5 + 15 = 17.5.
     * Batch 1: k0 = [ln3/2]*4, k1 = 0 -> weights [3/4, 1/4]; v = [30, 40] -> 22.5 + 10 = 32.5 */
    double l = log(3.0) / 2;
    IrGraph *g = ti_graph();
    int q = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 1, 1, 4));
    int k = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 2, 1, 4));
    int v = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 2, 1, 1));
    ti_node(g, IR_OP_ATTENTION, (int[]){q, k, v}, 3, 1);
    IrTensor out[1];
    if (ti_run(g,
               (const double *[]){(double[]){1, 1, 1, 1, 1, 1, 1, 1},
                                  (double[]){0, 0, 0, 0, l, l, l, l, l, l, l, l, 0, 0, 0, 0},
                                  (double[]){10, 20, 30, 40}},
               out))
        ti_expect("attention", &out[0], IR_DTYPE_F64, TI_DIMS(2, 1, 1, 1), (double[]){17.5, 32.5},
                  1e-12);
    ti_done(g, out);

    /* explicit scale 0.25 with D=1: q = [4], k = [0, ln 3] -> scores [0, ln 3] -> 17.5 */
    g = ti_graph();
    q = ti_input(g, IR_DTYPE_F64, TI_DIMS(1, 1, 1));
    k = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 1, 1));
    v = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 1, 1));
    int n = ti_node(g, IR_OP_ATTENTION, (int[]){q, k, v}, 3, 1);
    ir_attr_set_float(g, n, "scale", 0.25);
    if (ti_run(g, (const double *[]){(double[]){4}, (double[]){0, log(3.0)}, (double[]){10, 20}},
               out))
        ti_expect("attention scale", &out[0], IR_DTYPE_F64, TI_DIMS(1, 1, 1), (double[]){17.5},
                  1e-12);
    ti_done(g, out);
}

static void test_attention_causal_gqa(void) {
    /* q [Sq=2, Hq=4, D=1], k/v [Skv=3, Hkv=2, 1], causal. All keys are 0, so every visible key
     * gets the same weight and the output is the mean of the visible values. Query i sees keys
     * j <= i + (3 - 2): query 0 sees keys 0,1; query 1 sees 0,1,2. Query heads 0,1 read kv head
     * 0 (v = 1, 2, 4) and heads 2,3 read kv head 1 (v = 10, 20, 40):
     *   query 0: heads 0,1 -> (1+2)/2 = 1.5; heads 2,3 -> (10+20)/2 = 15
     *   query 1: heads 0,1 -> (1+2+4)/3 = 7/3; heads 2,3 -> 70/3 */
    IrGraph *g = ti_graph();
    int q = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 4, 1));
    int k = ti_input(g, IR_DTYPE_F64, TI_DIMS(3, 2, 1));
    int v = ti_input(g, IR_DTYPE_F64, TI_DIMS(3, 2, 1));
    int n = ti_node(g, IR_OP_ATTENTION, (int[]){q, k, v}, 3, 1);
    ir_attr_set_int(g, n, "causal", 1);
    IrTensor out[1];
    /* v is [S, H, 1]: row j holds (head 0, head 1) */
    if (ti_run(g,
               (const double *[]){(double[]){1, 2, 3, 4, 5, 6, 7, 8}, (double[]){0, 0, 0, 0, 0, 0},
                                  (double[]){1, 10, 2, 20, 4, 40}},
               out))
        ti_expect("attention causal gqa", &out[0], IR_DTYPE_F64, TI_DIMS(2, 4, 1),
                  (double[]){1.5, 1.5, 15, 15, 7.0 / 3, 7.0 / 3, 70.0 / 3, 70.0 / 3}, 1e-12);
    ti_done(g, out);

    /* Sq=2 > Skv=1, causal: query 0 would see keys j <= 0 + (1 - 2) = -1, none, and gets a
     * zero row; query 1 sees key 0 and gets v0 = 5 */
    g = ti_graph();
    q = ti_input(g, IR_DTYPE_F64, TI_DIMS(2, 1, 1));
    k = ti_input(g, IR_DTYPE_F64, TI_DIMS(1, 1, 1));
    v = ti_input(g, IR_DTYPE_F64, TI_DIMS(1, 1, 1));
    n = ti_node(g, IR_OP_ATTENTION, (int[]){q, k, v}, 3, 1);
    ir_attr_set_int(g, n, "causal", 1);
    if (ti_run(g, (const double *[]){(double[]){1, 1}, (double[]){1}, (double[]){5}}, out))
        ti_expect("attention fully masked row", &out[0], IR_DTYPE_F64, TI_DIMS(2, 1, 1),
                  (double[]){0, 5}, 1e-12);
    ti_done(g, out);
}

int main(void) {
    test_reshape();
    test_transpose();
    test_concat();
    test_split();
    test_slice();
    test_gather();
    test_gather_out_of_range();
    test_cast();
    test_rotary_half_split();
    test_rotary_interleaved();
    test_attention_basic();
    test_attention_causal_gqa();
    return test_finish();
}
