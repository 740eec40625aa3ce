/* The "index" op family in the reference interpreter: every op against hand-computed values,
 * negative indices, reductions, ties, and the out-of-range error naming the node. */
#include "interp/interp_test.h"

#define F32 IR_DTYPE_F32
#define I64 IR_DTYPE_I64
#define I32 IR_DTYPE_I32

static void test_gather_elements(void) {
    /* data [[1,2],[3,4]], indices [[0,0],[-1,0]] along axis 1 -> [[1,1],[4,3]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2)), i = ti_input(g, I64, TI_DIMS(2, 2));
    int n = ti_node(g, IR_OP_GATHER_ELEMENTS, (int[]){x, i}, 2, 1);
    ir_attr_set_int(g, n, "axis", 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4}, (double[]){0, 0, -1, 0}}, out))
        ti_expect("gather_elements", &out[0], F32, TI_DIMS(2, 2), (double[]){1, 1, 4, 3}, 0);
    ti_done(g, out);

    /* axis 0 with fewer index rows than data rows: data [3,2], indices [1,2] = [[2,0]] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(3, 2));
    i = ti_input(g, I32, TI_DIMS(1, 2));
    ti_node(g, IR_OP_GATHER_ELEMENTS, (int[]){x, i}, 2, 1);
    if (ti_run(g, (const double *[]){(double[]){1, 2, 3, 4, 5, 6}, (double[]){2, 0}}, out))
        ti_expect("gather_elements axis 0", &out[0], F32, TI_DIMS(1, 2), (double[]){5, 2}, 0);
    ti_done(g, out);
}

static void test_gather_nd(void) {
    /* data [2,2,2] = 0..7, indices [[0,1],[1,0]] -> rows data[0,1] = [2,3], data[1,0] = [4,5] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2, 2)), i = ti_input(g, I64, TI_DIMS(2, 2));
    ti_node(g, IR_OP_GATHER_ND, (int[]){x, i}, 2, 1);
    IrTensor out[1];
    double data[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    if (ti_run(g, (const double *[]){data, (double[]){0, 1, 1, 0}}, out))
        ti_expect("gather_nd", &out[0], F32, TI_DIMS(2, 2), (double[]){2, 3, 4, 5}, 0);
    ti_done(g, out);

    /* batch_dims 1: indices [2,1] = [[1],[-2]] -> data[0,1] = [2,3], data[1,0] = [4,5] */
    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2, 2, 2));
    i = ti_input(g, I64, TI_DIMS(2, 1));
    int n = ti_node(g, IR_OP_GATHER_ND, (int[]){x, i}, 2, 1);
    ir_attr_set_int(g, n, "batch_dims", 1);
    if (ti_run(g, (const double *[]){data, (double[]){1, -2}}, out))
        ti_expect("gather_nd batch_dims", &out[0], F32, TI_DIMS(2, 2), (double[]){2, 3, 4, 5}, 0);
    ti_done(g, out);
}

static void test_scatter_elements(void) {
    /* data zeros [1,4]; indices [[1,-1,1]], updates [[5,6,7]] along axis 1 */
    static const char *const reds[] = {"none", "add", "mul", "max", "min"};
    /* out[0,1] takes 5 then 7; out[0,3] takes 6; data is 2 everywhere */
    static const double want[5][4] = {
        {2, 7, 2, 6}, {2, 14, 2, 8}, {2, 70, 2, 12}, {2, 7, 2, 6}, {2, 2, 2, 2}};
    for (int r = 0; r < 5; r++) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(1, 4)), i = ti_input(g, I64, TI_DIMS(1, 3));
        int u = ti_input(g, F32, TI_DIMS(1, 3));
        int n = ti_node(g, IR_OP_SCATTER_ELEMENTS, (int[]){x, i, u}, 3, 1);
        ir_attr_set_int(g, n, "axis", 1);
        ir_attr_set_string(g, n, "reduction", reds[r]);
        IrTensor out[1];
        if (ti_run(g,
                   (const double *[]){(double[]){2, 2, 2, 2}, (double[]){1, -1, 1},
                                      (double[]){5, 6, 7}},
                   out))
            ti_expect(reds[r], &out[0], F32, TI_DIMS(1, 4), want[r], 0);
        ti_done(g, out);
    }
}

static void test_scatter_nd(void) {
    /* data [3,2] = 1; indices [[2],[0],[2]]; updates [[1,2],[3,4],[5,6]]; reduction add:
     * row 2 += [1,2] + [5,6], row 0 += [3,4] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(3, 2)), i = ti_input(g, I64, TI_DIMS(3, 1));
    int u = ti_input(g, F32, TI_DIMS(3, 2));
    int n = ti_node(g, IR_OP_SCATTER_ND, (int[]){x, i, u}, 3, 1);
    ir_attr_set_string(g, n, "reduction", "add");
    IrTensor out[1];
    if (ti_run(g,
               (const double *[]){(double[]){1, 1, 1, 1, 1, 1}, (double[]){2, 0, -1},
                                  (double[]){1, 2, 3, 4, 5, 6}},
               out))
        ti_expect("scatter_nd add", &out[0], F32, TI_DIMS(3, 2), (double[]){4, 5, 1, 1, 7, 9}, 0);
    ti_done(g, out);
}

static void test_one_hot(void) {
    /* indices [2,-1,5], depth 3, values [0,9], axis -1 -> [[0,0,9],[0,0,9],[0,0,0]] (5 is out of
     * range: a row of off values) */
    IrGraph *g = ti_graph();
    int i = ti_input(g, I64, TI_DIMS(3)), v = ti_input(g, F32, TI_DIMS(2));
    int n = ti_node(g, IR_OP_ONE_HOT, (int[]){i, v}, 2, 1);
    ir_attr_set_int(g, n, "depth", 3);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){2, -1, 5}, (double[]){0, 9}}, out))
        ti_expect("one_hot", &out[0], F32, TI_DIMS(3, 3), (double[]){0, 0, 9, 0, 0, 9, 0, 0, 0}, 0);
    ti_done(g, out);

    /* axis 0: out [depth 2, 2] for indices [1, 0] -> [[0,1],[1,0]] */
    g = ti_graph();
    i = ti_input(g, I32, TI_DIMS(2));
    v = ti_input(g, I64, TI_DIMS(2));
    n = ti_node(g, IR_OP_ONE_HOT, (int[]){i, v}, 2, 1);
    ir_attr_set_int(g, n, "depth", 2);
    ir_attr_set_int(g, n, "axis", 0);
    if (ti_run(g, (const double *[]){(double[]){1, 0}, (double[]){0, 1}}, out))
        ti_expect("one_hot axis 0", &out[0], I64, TI_DIMS(2, 2), (double[]){0, 1, 1, 0}, 0);
    ti_done(g, out);
}

static void test_topk(void) {
    /* x [[3,1,3,2]] k 3: largest -> values [3,3,2] indices [0,2,3] (tie: lower index first);
     * smallest -> values [1,2,3] indices [1,3,0] */
    for (int largest = 1; largest >= 0; largest--) {
        IrGraph *g = ti_graph();
        int x = ti_input(g, F32, TI_DIMS(1, 4));
        int n = ti_node(g, IR_OP_TOPK, (int[]){x}, 1, 2);
        ir_attr_set_int(g, n, "k", 3);
        ir_attr_set_int(g, n, "largest", largest);
        IrTensor out[2];
        if (ti_run(g, (const double *[]){(double[]){3, 1, 3, 2}}, out)) {
            ti_expect("topk values", &out[0], F32, TI_DIMS(1, 3),
                      largest ? (double[]){3, 3, 2} : (double[]){1, 2, 3}, 0);
            ti_expect("topk indices", &out[1], I64, TI_DIMS(1, 3),
                      largest ? (double[]){0, 2, 3} : (double[]){1, 3, 0}, 0);
        }
        ti_done(g, out);
    }
    /* axis 0 of [3,2]: columns [5,1,5] and [0,7,2], k 2 -> [[5,7],[5,2]], [[0,1],[2,2]] */
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(3, 2));
    int n = ti_node(g, IR_OP_TOPK, (int[]){x}, 1, 2);
    ir_attr_set_int(g, n, "k", 2);
    ir_attr_set_int(g, n, "axis", 0);
    IrTensor out[2];
    if (ti_run(g, (const double *[]){(double[]){5, 0, 1, 7, 5, 2}}, out)) {
        ti_expect("topk axis 0 values", &out[0], F32, TI_DIMS(2, 2), (double[]){5, 7, 5, 2}, 0);
        ti_expect("topk axis 0 indices", &out[1], I64, TI_DIMS(2, 2), (double[]){0, 1, 2, 2}, 0);
    }
    ti_done(g, out);
}

/* Runs a finished one-node graph on inputs expecting failure with message `part`. */
static void expect_run_error(IrGraph *g, IrTensor *in, int n_in, const char *part) {
    IrTensor out[1] = {{0}};
    Diag d;
    diag_init(&d);
    CHECK(!interp_run(g, in, out, &d));
    ti_expect_message(&d, part);
    diag_free(&d);
    for (int k = 0; k < n_in; k++) ir_tensor_free(&in[k]);
    ir_graph_free(g);
}

static void test_out_of_range(void) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2)), i = ti_input(g, I64, TI_DIMS(2, 2));
    ti_node(g, IR_OP_GATHER_ELEMENTS, (int[]){x, i}, 2, 1);
    CHECK(ti_finish(g));
    IrTensor in[3] = {ti_tensor(F32, TI_DIMS(2, 2), (double[]){1, 2, 3, 4}),
                      ti_tensor(I64, TI_DIMS(2, 2), (double[]){0, 1, -3, 0})};
    expect_run_error(g, in, 2,
                     "node 'n0' (GatherElements): index -3 (element 2 of the indices) is out of "
                     "range for a dim of size 2");

    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(2, 2));
    i = ti_input(g, I64, TI_DIMS(1, 1));
    int u = ti_input(g, F32, TI_DIMS(1, 2));
    ti_node(g, IR_OP_SCATTER_ND, (int[]){x, i, u}, 3, 1);
    CHECK(ti_finish(g));
    in[0] = ti_tensor(F32, TI_DIMS(2, 2), (double[]){1, 2, 3, 4});
    in[1] = ti_tensor(I64, TI_DIMS(1, 1), (double[]){2});
    in[2] = ti_tensor(F32, TI_DIMS(1, 2), (double[]){1, 2});
    expect_run_error(g, in, 3, "(ScatterND): index 2 (element 0 of the indices) is out of range");
}

static void test_shape_errors(void) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(2, 2)), i = ti_input(g, F32, TI_DIMS(2, 2));
    ti_node(g, IR_OP_GATHER_ELEMENTS, (int[]){x, i}, 2, 1);
    Diag d;
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "indices (input 1) must be i32 or i64, got f32");
    diag_free(&d);
    ir_graph_free(g);

    g = ti_graph();
    x = ti_input(g, F32, TI_DIMS(4));
    int n = ti_node(g, IR_OP_TOPK, (int[]){x}, 1, 2);
    ir_attr_set_int(g, n, "k", 5);
    diag_init(&d);
    CHECK(!ir_infer_shapes(g, &d));
    ti_expect_message(&d, "k 5 is outside [0, 4]");
    diag_free(&d);
    ir_graph_free(g);
}

static void test_int_div(void) {
    /* truncation toward zero: 7/2 = 3, -7/2 = -3, 7/-2 = -3, -8/-1 = 8 */
    IrGraph *g = ti_graph();
    int a = ti_input(g, I32, TI_DIMS(4)), b = ti_input(g, I32, TI_DIMS(4));
    ti_node(g, IR_OP_DIV, (int[]){a, b}, 2, 1);
    IrTensor out[1];
    if (ti_run(g, (const double *[]){(double[]){7, -7, 7, -8}, (double[]){2, 2, -2, -1}}, out))
        ti_expect("int div", &out[0], I32, TI_DIMS(4), (double[]){3, -3, -3, 8}, 0);
    ti_done(g, out);
}

int main(void) {
    test_gather_elements();
    test_gather_nd();
    test_scatter_elements();
    test_scatter_nd();
    test_one_hot();
    test_topk();
    test_out_of_range();
    test_shape_errors();
    test_int_div();
    return test_finish();
}
