/* Interpreter tests, whole runs: symbol binding from input shapes (and its errors), input
 * validation, run-time errors, rounding between ops, graph outputs that are inputs or
 * constants, and a ~2M-parameter decoder layer (speed, causality, rebinding the sequence
 * length). */
#include "interp_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define F32 IR_DTYPE_F32

/* The decoder layer must run in well under a second; sanitizers slow everything several-fold,
 * so their builds get a looser bound. */
#if defined(__SANITIZE_ADDRESS__)
#define DEC_SECONDS_LIMIT 5.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEC_SECONDS_LIMIT 5.0
#endif
#endif
#ifndef DEC_SECONDS_LIMIT
#define DEC_SECONDS_LIMIT 1.0
#endif

/* x0 [n, 2] + x1 [n, 2] with symbol n. */
static IrGraph *symbolic_add_graph(void) {
    IrGraph *g = ti_graph();
    int n = ir_symbol_get(g, "n");
    IrType t = {F32, 2, {ir_dim_sym(n), ir_dim_const(2)}};
    int a = ir_input_add(g, "x0", &t), b = ir_input_add(g, "x1", &t);
    ti_node(g, IR_OP_ADD, (int[]){a, b}, 2, 1);
    ti_finish(g);
    return g;
}

/* Runs g on two tensors and expects failure with one message containing each of parts. */
static void expect_run_error(IrGraph *g, IrTensor *in, const char *part1, const char *part2) {
    IrTensor out[4];
    Diag d;
    diag_init(&d);
    CHECK(!interp_run(g, in, out, &d));
    for (int k = 0; k < g->n_outputs; k++) CHECK(out[k].data == NULL);
    ti_expect_message(&d, part1);
    if (part2 && d.count == 1) {
        bool found = strstr(d.messages[0], part2) != NULL;
        if (!found) fprintf(stderr, "  message lacks \"%s\": %s\n", part2, d.messages[0]);
        CHECK(found);
    }
    diag_free(&d);
}

static void test_symbol_binding(void) {
    IrGraph *g = symbolic_add_graph();
    /* n = 3: [[1,2],[3,4],[5,6]] + [[10,20],[30,40],[50,60]] */
    IrTensor in[2] = {ti_tensor(F32, TI_DIMS(3, 2), (double[]){1, 2, 3, 4, 5, 6}),
                      ti_tensor(F32, TI_DIMS(3, 2), (double[]){10, 20, 30, 40, 50, 60})};
    IrTensor out[1];
    Diag d;
    diag_init(&d);
    if (CHECK(interp_run(g, in, out, &d)))
        ti_expect("add n=3", &out[0], F32, TI_DIMS(3, 2), (double[]){11, 22, 33, 44, 55, 66}, 1e-6);
    ir_tensor_free(&out[0]);
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);
    /* the graph is not modified: the symbol is still unbound, and n = 1 works next */
    CHECK(g->symbols[0].value == -1);
    in[0] = ti_tensor(F32, TI_DIMS(1, 2), (double[]){1, 2});
    in[1] = ti_tensor(F32, TI_DIMS(1, 2), (double[]){3, 4});
    if (CHECK(interp_run(g, in, out, &d)))
        ti_expect("add n=1", &out[0], F32, TI_DIMS(1, 2), (double[]){4, 6}, 1e-6);
    CHECK(diag_ok(&d));
    diag_free(&d);
    ir_tensor_free(&out[0]);
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);
    ti_done(g, NULL);
}

static void test_symbol_conflict(void) {
    IrGraph *g = symbolic_add_graph();
    double z[8] = {0};
    IrTensor in[2] = {ti_tensor(F32, TI_DIMS(3, 2), z), ti_tensor(F32, TI_DIMS(4, 2), z)};
    expect_run_error(g, in, "test.kir: input 'x1': dim 0 binds symbol 'n' to 4",
                     "input 'x0' bound it to 3");
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);

    /* a symbol the graph already fixes (as pass_bind does) must be matched */
    g->symbols[0].value = 2;
    in[0] = ti_tensor(F32, TI_DIMS(3, 2), z);
    in[1] = ti_tensor(F32, TI_DIMS(3, 2), z);
    expect_run_error(g, in, "input 'x0': dim 0 binds symbol 'n' to 3", "fixes it to 2");
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);
    ti_done(g, NULL);
}

static void test_input_mismatch(void) {
    IrGraph *g = ti_graph();
    int a = ti_input(g, F32, TI_DIMS(2, 2)), b = ti_input(g, F32, TI_DIMS(2, 2));
    ti_node(g, IR_OP_ADD, (int[]){a, b}, 2, 1);
    ti_finish(g);
    double z[8] = {0};
    IrTensor good = ti_tensor(F32, TI_DIMS(2, 2), z);

    /* dtype */
    IrTensor in[2] = {good, ti_tensor(IR_DTYPE_I32, TI_DIMS(2, 2), z)};
    expect_run_error(g, in, "input 'x1': got a i32 tensor of rank 2", "needs f32[2, 2]");
    ir_tensor_free(&in[1]);
    /* rank */
    in[1] = ti_tensor(F32, TI_DIMS(4), z);
    expect_run_error(g, in, "input 'x1': got a f32 tensor of rank 1", NULL);
    ir_tensor_free(&in[1]);
    /* a constant dim */
    in[1] = ti_tensor(F32, TI_DIMS(2, 3), z);
    expect_run_error(g, in, "input 'x1': dim 1 is 3 but the model needs 2", NULL);
    ir_tensor_free(&in[1]);
    /* a byte count that disagrees with the dims */
    in[1] = ti_tensor(F32, TI_DIMS(2, 2), z);
    in[1].nbytes -= 4;
    expect_run_error(g, in, "input 'x1': the tensor holds 12 bytes", NULL);
    in[1].nbytes += 4;
    ir_tensor_free(&in[1]);
    ir_tensor_free(&good);
    ti_done(g, NULL);
}

static void test_integer_division_by_zero(void) {
    IrGraph *g = ti_graph();
    int a = ti_input(g, IR_DTYPE_I32, TI_DIMS(2)), b = ti_input(g, IR_DTYPE_I32, TI_DIMS(2));
    ti_node(g, IR_OP_DIV, (int[]){a, b}, 2, 1);
    ti_finish(g);
    IrTensor in[2] = {ti_tensor(IR_DTYPE_I32, TI_DIMS(2), (double[]){4, 5}),
                      ti_tensor(IR_DTYPE_I32, TI_DIMS(2), (double[]){2, 0})};
    expect_run_error(g, in, "test.kir: node 'n0' (Div): integer division by zero", "element 1");
    ir_tensor_free(&in[0]);
    ir_tensor_free(&in[1]);
    ti_done(g, NULL);
}

/* Each op's result is rounded to its dtype before the next op reads it. Graph:
 * x0 f32[1,2] -> Cast f16 -> Linear (w f16 [1,2] = [[1,1]]) -> Cast f32 -> out 0
 * with the Linear result, the input x0 and the constant w as outputs 1, 2, 3. */
static void test_rounding_between_ops(void) {
    IrGraph *g = ti_graph();
    int x = ti_input(g, F32, TI_DIMS(1, 2));
    int w = ti_const(g, IR_DTYPE_F16, TI_DIMS(1, 2), (double[]){1, 1});
    int c1 = ti_node(g, IR_OP_CAST, (int[]){x}, 1, 1);
    ir_attr_set_string(g, c1, "to", "f16");
    int lin = ti_node(g, IR_OP_LINEAR, (int[]){ti_out(g, c1, 0), w}, 2, 1);
    int c2 = ti_node(g, IR_OP_CAST, (int[]){ti_out(g, lin, 0)}, 1, 1);
    ir_attr_set_string(g, c2, "to", "f32");
    ir_output_add(g, ti_out(g, c2, 0));
    ir_output_add(g, ti_out(g, lin, 0));
    ir_output_add(g, x);
    ir_output_add(g, w);
    IrTensor out[4];
    /* 0.1 in f16 is 0.0999755859375 and 0.2 is 0.199951171875 (10-bit mantissas). Their sum
     * 0.2999267578125 is 1228.5 * 2^-12, exactly halfway between two f16 values in [0.25, 0.5)
     * (spacing 2^-12): it rounds to the even 1228 * 2^-12 = 0.2998046875, where an f32
     * pipeline would give 0.3. */
    if (ti_run(g, (const double *[]){(double[]){0.1, 0.2}}, out)) {
        ti_expect("rounded chain", &out[0], F32, TI_DIMS(1, 1), (double[]){0.2998046875}, 0.0);
        ti_expect("f16 intermediate", &out[1], IR_DTYPE_F16, TI_DIMS(1, 1),
                  (double[]){0.2998046875}, 0.0);
        ti_expect("input as output", &out[2], F32, TI_DIMS(1, 2),
                  (double[]){(float)0.1, (float)0.2}, 0.0);
        ti_expect("constant as output", &out[3], IR_DTYPE_F16, TI_DIMS(1, 2), (double[]){1, 1},
                  0.0);
    }
    ti_done(g, out);
}

/* ---- a decoder layer ----------------------------------------------------------------------- */

enum { DEC_D = 384, DEC_HEADS = 6, DEC_KV_HEADS = 2, DEC_HEAD = 64, DEC_FFN = 1536 };

/* A constant of the given shape with values uniform in +-1/sqrt(last dim). */
static int dec_param(IrGraph *g, TestRng *rng, const int64_t *dims, int rank) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    double *v = malloc(sizeof *v * (size_t)n);
    KILN_ASSERT(v != NULL);
    double bound = 1.0 / sqrt((double)dims[rank - 1]);
    for (int64_t i = 0; i < n; i++) v[i] = test_rng_uniform(rng, -bound, bound);
    int id = ti_const(g, F32, dims, rank, v);
    free(v);
    return id;
}

static int dec_op1(IrGraph *g, IrOp op, int a) {
    return ti_out(g, ti_node(g, op, (int[]){a}, 1, 1), 0);
}
static int dec_op2(IrGraph *g, IrOp op, int a, int b) {
    return ti_out(g, ti_node(g, op, (int[]){a, b}, 2, 1), 0);
}
static int dec_reshape(IrGraph *g, int a, const int64_t *shape, int count) {
    int n = ti_node(g, IR_OP_RESHAPE, (int[]){a}, 1, 1);
    ir_attr_set_ints(g, n, "shape", shape, count);
    return ti_out(g, n, 0);
}

/* A Llama-style layer over x [seq, 384] with symbolic seq: RMSNorm, q/k/v projections (6 query
 * heads over 2 kv heads of 64), Rotary, causal Attention, output projection, residual, RMSNorm,
 * SiLU-gated MLP of 1536, residual. 2,162,688 weights. */
static IrGraph *decoder_graph(void) {
    IrGraph *g = ti_graph();
    TestRng rng = {42};
    int seq = ir_symbol_get(g, "seq");
    IrType xt = {F32, 2, {ir_dim_sym(seq), ir_dim_const(DEC_D)}};
    int x = ir_input_add(g, "x", &xt);
    int norm1 = dec_op2(g, IR_OP_RMSNORM, x, dec_param(g, &rng, TI_DIMS(DEC_D)));
    int q =
        dec_op2(g, IR_OP_LINEAR, norm1, dec_param(g, &rng, TI_DIMS(DEC_HEADS * DEC_HEAD, DEC_D)));
    int k = dec_op2(g, IR_OP_LINEAR, norm1,
                    dec_param(g, &rng, TI_DIMS(DEC_KV_HEADS * DEC_HEAD, DEC_D)));
    int v = dec_op2(g, IR_OP_LINEAR, norm1,
                    dec_param(g, &rng, TI_DIMS(DEC_KV_HEADS * DEC_HEAD, DEC_D)));
    q = dec_op1(g, IR_OP_ROTARY, dec_reshape(g, q, TI_DIMS(0, DEC_HEADS, DEC_HEAD)));
    k = dec_op1(g, IR_OP_ROTARY, dec_reshape(g, k, TI_DIMS(0, DEC_KV_HEADS, DEC_HEAD)));
    v = dec_reshape(g, v, TI_DIMS(0, DEC_KV_HEADS, DEC_HEAD));
    int att = ti_node(g, IR_OP_ATTENTION, (int[]){q, k, v}, 3, 1);
    ir_attr_set_int(g, att, "causal", 1);
    int flat = dec_reshape(g, ti_out(g, att, 0), TI_DIMS(0, -1));
    int o = dec_op2(g, IR_OP_LINEAR, flat, dec_param(g, &rng, TI_DIMS(DEC_D, DEC_D)));
    int res1 = dec_op2(g, IR_OP_ADD, x, o);
    int norm2 = dec_op2(g, IR_OP_RMSNORM, res1, dec_param(g, &rng, TI_DIMS(DEC_D)));
    int gate = dec_op2(g, IR_OP_LINEAR, norm2, dec_param(g, &rng, TI_DIMS(DEC_FFN, DEC_D)));
    int up = dec_op2(g, IR_OP_LINEAR, norm2, dec_param(g, &rng, TI_DIMS(DEC_FFN, DEC_D)));
    int act = dec_op2(g, IR_OP_MUL, dec_op1(g, IR_OP_SILU, gate), up);
    int down = dec_op2(g, IR_OP_LINEAR, act, dec_param(g, &rng, TI_DIMS(DEC_D, DEC_FFN)));
    int y = dec_op2(g, IR_OP_ADD, res1, down);
    ir_output_add(g, y);
    return g;
}

static double dec_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static bool dec_run(IrGraph *g, const double *xs, int64_t seq, IrTensor *out) {
    IrTensor in = ti_tensor(F32, TI_DIMS(seq, DEC_D), xs);
    Diag d;
    diag_init(&d);
    bool ok = interp_run(g, &in, out, &d);
    if (!ok) diag_print(&d, stderr);
    diag_free(&d);
    ir_tensor_free(&in);
    return CHECK(ok);
}

static void test_decoder_layer(void) {
    IrGraph *g = decoder_graph();
    if (!ti_finish(g)) {
        ti_done(g, NULL);
        return;
    }
    enum { SEQ = 16 };
    static double xs[SEQ * DEC_D], xs2[SEQ * DEC_D];
    TestRng rng = {7};
    for (int i = 0; i < SEQ * DEC_D; i++) xs[i] = xs2[i] = test_rng_uniform(&rng, -1, 1);
    /* a different second half: the causal mask must keep it from reaching the first half */
    for (int i = SEQ / 2 * DEC_D; i < SEQ * DEC_D; i++) xs2[i] = test_rng_uniform(&rng, -1, 1);

    IrTensor full[1], changed[1], half[1];
    double t0 = dec_seconds();
    bool ok = dec_run(g, xs, SEQ, full);
    double elapsed = dec_seconds() - t0;
    ok = dec_run(g, xs2, SEQ, changed) && ok;
    ok = dec_run(g, xs, SEQ / 2, half) && ok; /* the same graph, seq rebound to 8 */
    if (ok) {
        printf("decoder layer, seq %d: %.3f s\n", SEQ, elapsed);
        CHECK(elapsed < DEC_SECONDS_LIMIT);
        CHECK(full[0].rank == 2 && full[0].dims[0] == SEQ && full[0].dims[1] == DEC_D);
        bool finite = true, moved = false;
        for (int64_t i = 0; i < SEQ * DEC_D; i++) {
            finite = finite && isfinite(ti_get(&full[0], i));
            moved = moved || ti_get(&full[0], i) != (double)(float)xs[i];
        }
        CHECK(finite);
        CHECK(moved); /* the layer did change its input */
        /* rows 0..7 depend only on rows 0..7, exactly (same arithmetic in the same order) */
        size_t half_bytes = (size_t)(SEQ / 2) * DEC_D * sizeof(float);
        CHECK(memcmp(full[0].data, changed[0].data, half_bytes) == 0);
        CHECK(half[0].nbytes == half_bytes && memcmp(full[0].data, half[0].data, half_bytes) == 0);
        /* and the later rows do see their own changed inputs */
        CHECK(memcmp((char *)full[0].data + half_bytes, (char *)changed[0].data + half_bytes,
                     half_bytes) != 0);
    }
    ir_tensor_free(&full[0]);
    ir_tensor_free(&changed[0]);
    ir_tensor_free(&half[0]);
    ti_done(g, NULL);
}

int main(void) {
    test_symbol_binding();
    test_symbol_conflict();
    test_input_mismatch();
    test_integer_division_by_zero();
    test_rounding_between_ops();
    test_decoder_layer();
    return test_finish();
}
