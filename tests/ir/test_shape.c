/* Shape inference and verifier tests: every op's rule on typical and symbolic shapes, and the
 * messages for wrong inputs. */
#include <string.h>

#include "ir/ir.h"
#include "test_util.h"

static IrType ty(IrDtype dt, int rank, const IrDim *dims) {
    IrType t = {dt, rank, {{0, -1}}};
    for (int i = 0; i < rank; i++) t.dims[i] = dims[i];
    return t;
}

#define C(n) ir_dim_const(n)
#define TY(dt, ...)                                                                                \
    ty(dt, (int)(sizeof((IrDim[]){__VA_ARGS__}) / sizeof(IrDim)), (IrDim[]){__VA_ARGS__})
#define SCALAR(dt) ty(dt, 0, NULL)

/* Builds a one-node graph with inputs of the given types, runs inference, and returns the type
 * string of output 0 ("ERR: message" on failure). */
static const char *infer1(IrOp op, const IrType *ins, int n_in, int n_out,
                          void (*attrs)(IrGraph *, int)) {
    static char result[512];
    IrGraph *g = ir_graph_new("t", "t.json", ".");
    ir_symbol_get(g, "batch");
    ir_symbol_get(g, "seq");
    int in_ids[8], out_ids[8];
    for (int i = 0; i < n_in; i++) {
        char name[16];
        snprintf(name, sizeof name, "in%d", i);
        in_ids[i] = ins[i].rank < 0 ? -1 : ir_input_add(g, name, &ins[i]);
    }
    IrType none = SCALAR(IR_DTYPE_F32);
    for (int i = 0; i < n_out; i++) {
        char name[16];
        snprintf(name, sizeof name, "out%d", i);
        out_ids[i] = ir_value_add(g, name, &none);
    }
    int node = ir_node_add(g, op, "n", in_ids, n_in, out_ids, n_out);
    if (attrs) attrs(g, node);
    for (int i = 0; i < n_out; i++) ir_output_add(g, out_ids[i]);
    Diag d;
    diag_init(&d);
    if (ir_infer_shapes(g, &d) && ir_verify(g, &d)) {
        ir_type_str(g, &ir_value(g, out_ids[0])->type, result, sizeof result);
    } else {
        snprintf(result, sizeof result, "ERR: %s", d.count ? d.messages[0] : "?");
    }
    diag_free(&d);
    ir_graph_free(g);
    return result;
}

static bool expect(const char *got, const char *want) {
    bool ok = strstr(got, want) != NULL;
    if (!ok) fprintf(stderr, "  got '%s', want '%s'\n", got, want);
    return ok;
}

static void a_reshape(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "shape", (int64_t[]){0, -1, 32}, 3);
}
static void a_reshape_bad(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "shape", (int64_t[]){5, 7}, 2);
}
static void a_reshape_flat(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "shape", (int64_t[]){-1}, 1);
}
/* binds batch to 6 first: a bound symbol counts as its size */
static void a_reshape_to_6x3_bound(IrGraph *g, int n) {
    g->symbols[0].value = 6;
    ir_attr_set_ints(g, n, "shape", (int64_t[]){6, 3}, 2);
}
static void a_perm(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "perm", (int64_t[]){1, 0, 2}, 3);
}
static void a_perm_bad(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "perm", (int64_t[]){0, 0, 2}, 3);
}
static void a_axis1(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "axis", 1);
}
static void a_axis_neg1(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "axis", -1);
}
static void a_axis9(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "axis", 9);
}
static void a_split(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "axis", -1);
    ir_attr_set_ints(g, n, "split", (int64_t[]){256, 64, 64}, 3);
}
static void a_slice(IrGraph *g, int n) {
    ir_attr_set_ints(g, n, "starts", (int64_t[]){-3, 10}, 2);
    ir_attr_set_ints(g, n, "ends", (int64_t[]){INT64_MAX, 0}, 2);
    ir_attr_set_ints(g, n, "axes", (int64_t[]){0, 1}, 2);
    ir_attr_set_ints(g, n, "steps", (int64_t[]){1, -3}, 2);
}
static void a_cast_i64(IrGraph *g, int n) {
    ir_attr_set_string(g, n, "to", "i64");
}
static void a_cast_bad(IrGraph *g, int n) {
    ir_attr_set_string(g, n, "to", "f7");
}
static void a_rotary(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "rotary_dim", 16);
    ir_attr_set_int(g, n, "interleaved", 1);
}
static void a_rotary_odd(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "rotary_dim", 15);
}
static void a_pow(IrGraph *g, int n) {
    ir_attr_set_float(g, n, "exponent", 2.0);
}
static void a_gelu_bad(IrGraph *g, int n) {
    ir_attr_set_string(g, n, "approximate", "fast");
}
static void a_unknown_attr(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "bogus", 1);
}
static void a_wrong_kind(IrGraph *g, int n) {
    ir_attr_set_float(g, n, "axis", 1.0);
}
static void a_tw0(IrGraph *g, int n) {
    ir_attr_set_int(g, n, "transpose_w", 0);
}

int main(void) {
    const IrDtype F = IR_DTYPE_F32;
    IrDim B = ir_dim_sym(0), S = ir_dim_sym(1);
    IrType absent = {F, -1, {{0, -1}}};

    /* elementwise and broadcasting */
    IrType add_in[] = {TY(F, B, C(1), C(4)), TY(F, C(3), C(1))};
    CHECK(expect(infer1(IR_OP_ADD, add_in, 2, 1, NULL), "f32[batch, 3, 4]"));
    IrType add_bad[] = {TY(F, C(2), C(3)), TY(F, C(4), C(5))};
    CHECK(expect(infer1(IR_OP_ADD, add_bad, 2, 1, NULL),
                 "t.json: node 'n' (Add): shapes f32[2, 3] and f32[4, 5] cannot be broadcast"));
    IrType add_dt[] = {TY(F, C(2)), TY(IR_DTYPE_I32, C(2))};
    CHECK(expect(infer1(IR_OP_MUL, add_dt, 2, 1, NULL), "same dtype"));
    IrType ex_i[] = {TY(IR_DTYPE_I32, C(2))};
    CHECK(expect(infer1(IR_OP_EXP, ex_i, 1, 1, NULL), "floating-point"));
    CHECK(expect(infer1(IR_OP_NEG, ex_i, 1, 1, NULL), "i32[2]"));
    IrType un[] = {TY(F, S, C(8))};
    CHECK(expect(infer1(IR_OP_POW, un, 1, 1, a_pow), "f32[seq, 8]"));
    CHECK(expect(infer1(IR_OP_POW, un, 1, 1, NULL), "required attribute 'exponent' is missing"));
    CHECK(expect(infer1(IR_OP_GELU, un, 1, 1, a_gelu_bad), "\"none\" or \"tanh\""));
    CHECK(expect(infer1(IR_OP_RELU, un, 1, 1, a_unknown_attr), "unknown attribute 'bogus'"));
    CHECK(expect(infer1(IR_OP_SOFTMAX, un, 1, 1, a_wrong_kind), "must be of kind int"));
    CHECK(expect(infer1(IR_OP_SOFTMAX, un, 1, 1, a_axis9), "axis 9 is out of range for rank 2"));
    CHECK(expect(infer1(IR_OP_RELU, un, 1, 2, NULL), "has 2 outputs, expected 1..1"));

    /* matmul and linear */
    IrType mm[] = {TY(F, B, C(1), S, C(4)), TY(F, C(3), C(4), C(5))};
    CHECK(expect(infer1(IR_OP_MATMUL, mm, 2, 1, NULL), "f32[batch, 3, seq, 5]"));
    IrType mv[] = {TY(F, C(3), C(4)), TY(F, C(4))};
    CHECK(expect(infer1(IR_OP_MATMUL, mv, 2, 1, NULL), "f32[3]"));
    IrType vm[] = {TY(F, C(4)), TY(F, C(2), C(4), C(5))};
    CHECK(expect(infer1(IR_OP_MATMUL, vm, 2, 1, NULL), "f32[2, 5]"));
    IrType mm_bad[] = {TY(F, C(3), C(4)), TY(F, C(5), C(6))};
    CHECK(expect(infer1(IR_OP_MATMUL, mm_bad, 2, 1, NULL), "inner dimensions"));
    IrType lin[] = {TY(F, B, S, C(64)), TY(F, C(10), C(64)), TY(F, C(10))};
    CHECK(expect(infer1(IR_OP_LINEAR, lin, 3, 1, NULL), "f32[batch, seq, 10]"));
    IrType lin0[] = {TY(F, S, C(64)), TY(F, C(64), C(10)), absent};
    CHECK(expect(infer1(IR_OP_LINEAR, lin0, 3, 1, a_tw0), "f32[seq, 10]"));
    IrType lin_bad[] = {TY(F, S, C(64)), TY(F, C(10), C(63))};
    CHECK(expect(infer1(IR_OP_LINEAR, lin_bad, 2, 1, NULL), "input features"));
    IrType lin_bias[] = {TY(F, S, C(64)), TY(F, C(10), C(64)), TY(F, C(11))};
    CHECK(expect(infer1(IR_OP_LINEAR, lin_bias, 3, 1, NULL), "bias (input 2)"));

    /* norms */
    IrType ln[] = {TY(F, S, C(4), C(8)), TY(F, C(4), C(8)), TY(F, C(4), C(8))};
    CHECK(expect(infer1(IR_OP_LAYERNORM, ln, 3, 1, a_axis1), "f32[seq, 4, 8]"));
    CHECK(expect(infer1(IR_OP_LAYERNORM, ln, 3, 1, a_axis_neg1), "scale (input 1) has shape"));
    IrType rms[] = {TY(F, S, C(8)), TY(F, C(8))};
    CHECK(expect(infer1(IR_OP_RMSNORM, rms, 2, 1, NULL), "f32[seq, 8]"));

    /* data movement */
    IrType rs[] = {TY(F, S, C(256))};
    CHECK(expect(infer1(IR_OP_RESHAPE, rs, 1, 1, a_reshape), "f32[seq, 8, 32]"));
    CHECK(expect(infer1(IR_OP_RESHAPE, rs, 1, 1, a_reshape_bad), "element counts differ"));
    CHECK(expect(infer1(IR_OP_RESHAPE, rs, 1, 1, a_reshape_flat), "element counts differ"));
    IrType rs_bound[] = {TY(F, B, C(3))};
    CHECK(expect(infer1(IR_OP_RESHAPE, rs_bound, 1, 1, a_reshape_to_6x3_bound), "f32[6, 3]"));
    IrType rs2[] = {TY(F, C(3), C(256))};
    CHECK(expect(infer1(IR_OP_RESHAPE, rs2, 1, 1, a_reshape_flat), "f32[768]"));
    IrType tr[] = {TY(F, S, C(8), C(32))};
    CHECK(expect(infer1(IR_OP_TRANSPOSE, tr, 1, 1, a_perm), "f32[8, seq, 32]"));
    CHECK(expect(infer1(IR_OP_TRANSPOSE, tr, 1, 1, NULL), "f32[32, 8, seq]"));
    CHECK(expect(infer1(IR_OP_TRANSPOSE, tr, 1, 1, a_perm_bad), "not a permutation"));
    IrType cc[] = {TY(F, S, C(3)), TY(F, S, C(5))};
    CHECK(expect(infer1(IR_OP_CONCAT, cc, 2, 1, a_axis1), "f32[seq, 8]"));
    CHECK(expect(infer1(IR_OP_CONCAT, cc, 2, 1, NULL), "required attribute 'axis'"));
    IrType sp[] = {TY(F, S, C(384))};
    CHECK(expect(infer1(IR_OP_SPLIT, sp, 1, 3, a_split), "f32[seq, 256]"));
    IrType sp2[] = {TY(F, C(6), C(4))};
    CHECK(expect(infer1(IR_OP_SPLIT, sp2, 1, 4, NULL), "cannot be split into 4 equal parts"));
    CHECK(expect(infer1(IR_OP_SPLIT, sp2, 1, 3, NULL), "f32[2, 4]"));
    IrType sl[] = {TY(F, C(10), C(20))};
    /* axis 0: -3..end -> 3 rows; axis 1: 10 down to (exclusive) 0 by -3 -> 10, 7, 4, 1 */
    CHECK(expect(infer1(IR_OP_SLICE, sl, 1, 1, a_slice), "f32[3, 4]"));
    IrType ga[] = {TY(F, C(100), C(16)), TY(IR_DTYPE_I64, B, S)};
    CHECK(expect(infer1(IR_OP_GATHER, ga, 2, 1, NULL), "f32[batch, seq, 16]"));
    IrType ga_bad[] = {TY(F, C(100), C(16)), TY(F, S)};
    CHECK(expect(infer1(IR_OP_GATHER, ga_bad, 2, 1, NULL), "must be i32 or i64"));
    CHECK(expect(infer1(IR_OP_CAST, un, 1, 1, a_cast_i64), "i64[seq, 8]"));
    CHECK(expect(infer1(IR_OP_CAST, un, 1, 1, a_cast_bad), "unknown dtype \"f7\""));

    /* transformer ops */
    IrType ro[] = {TY(F, S, C(8), C(32))};
    CHECK(expect(infer1(IR_OP_ROTARY, ro, 1, 1, a_rotary), "f32[seq, 8, 32]"));
    CHECK(expect(infer1(IR_OP_ROTARY, ro, 1, 1, a_rotary_odd), "must be even"));
    IrType ro_pos[] = {TY(F, S, C(8), C(32)), TY(IR_DTYPE_I64, C(4))};
    CHECK(expect(infer1(IR_OP_ROTARY, ro_pos, 2, 1, NULL), "positions length"));
    IrType at[] = {TY(F, C(2), S, C(8), C(32)), TY(F, C(2), C(20), C(2), C(32)),
                   TY(F, C(2), C(20), C(2), C(16))};
    CHECK(expect(infer1(IR_OP_ATTENTION, at, 3, 1, NULL), "f32[2, seq, 8, 16]"));
    IrType at_bad[] = {TY(F, S, C(8), C(32)), TY(F, S, C(3), C(32)), TY(F, S, C(3), C(32))};
    CHECK(expect(infer1(IR_OP_ATTENTION, at_bad, 3, 1, NULL), "constant multiple"));

    /* ONNX clamping, one axis of length 10 */
    {
        int64_t first;
        CHECK(ir_slice_axis(10, -3, INT64_MAX, 1, &first) == 3 && first == 7);
        CHECK(ir_slice_axis(10, 10, 0, -3, &first) == 3 && first == 9); /* 9, 6, 3 */
        CHECK(ir_slice_axis(10, -20, INT64_MIN, -1, &first) == 1 && first == 0);
        CHECK(ir_slice_axis(10, INT64_MAX, INT64_MIN, -1, &first) == 10 && first == 9);
        CHECK(ir_slice_axis(10, 2, 9, INT64_MAX, &first) == 1 && first == 2);
        CHECK(ir_slice_axis(10, 5, 2, 1, &first) == 0);
        CHECK(ir_slice_axis(0, 0, -1, -1, &first) == 0);
    }

    /* verifier: use before definition */
    {
        IrGraph *g = ir_graph_new("t", "t.json", ".");
        IrType t = TY(F, C(2));
        int x = ir_input_add(g, "x", &t);
        int a = ir_value_add(g, "a", &t), b = ir_value_add(g, "b", &t);
        ir_node_add(g, IR_OP_ADD, "first", (int[]){x, b}, 2, &a, 1);
        ir_node_add(g, IR_OP_RELU, "second", &x, 1, &b, 1);
        ir_output_add(g, a);
        Diag d;
        diag_init(&d);
        CHECK(!ir_verify(g, &d));
        CHECK(d.count > 0 && expect(d.messages[0], "node 'first' (Add): input 1 ('b') is used "
                                                   "before it is defined"));
        diag_free(&d);
        ir_graph_free(g);
    }
    /* verifier: recorded type differs from inference */
    {
        IrGraph *g = ir_graph_new("t", "t.json", ".");
        IrType t = TY(F, C(2)), wrong = TY(F, C(3));
        int x = ir_input_add(g, "x", &t);
        int y = ir_value_add(g, "y", &wrong);
        ir_node_add(g, IR_OP_RELU, "r", &x, 1, &y, 1);
        ir_output_add(g, y);
        Diag d;
        diag_init(&d);
        CHECK(!ir_verify(g, &d));
        CHECK(d.count > 0 &&
              expect(d.messages[0], "recorded as f32[3] but inference gives f32[2]"));
        diag_free(&d);
        ir_graph_free(g);
    }
    return test_finish();
}
