/* The kernel records of the lowered module (codegen/module.h, codegen/lower_kernels*.c): small
 * planned graphs are lowered and their records checked field by field (MatMul sizes and batch
 * strides, Linear with bias and transpose_w, broadcast strides, a fused program, a transpose
 * nest, a REDUCE and a SCAN loop), a malformed node must give an error naming it (not an
 * abort), and every op must either have a record kind or be on the list of
 * docs/architecture.md, "Kernel records". */
#include <stdlib.h>
#include <string.h>

#include "codegen/cg_harness.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define NDIM(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define IN(g, name, ...) cgt_input(g, name, IR_DTYPE_F32, NDIM(__VA_ARGS__), D(__VA_ARGS__))

/* Plans g and lowers it into m; false (a failed check) when either fails. */
static bool lower(IrGraph *g, CgModule *m) {
    if (!cgt_plan(g)) return false;
    Diag d;
    diag_init(&d);
    bool ok = cg_lower(g, m, &d);
    if (!ok) diag_print(&d, stderr);
    diag_free(&d);
    return CHECK(ok);
}

static bool strides_are(const CgOperand *o, int rank, const int64_t *want) {
    for (int d = 0; d < rank; d++)
        if (o->strides[d] != want[d]) return false;
    return true;
}

static void test_matmul(void) {
    IrGraph *g = ir_graph_new("mm", "mm.json", ".");
    /* b shared by every batch entry: one call over 2 x 3 x 4 rows */
    int a = IN(g, "a", 2, 3, 4, 5), b = IN(g, "b", 5, 6);
    ir_output_add(g, cgt_op(g, IR_OP_MATMUL, "folded", (int[]){a, b}, 2));
    /* a[2, 1, 4, 5] . b[3, 5, 6]: batch [2, 3], a broadcast over dim 1, b over dim 0 */
    int a2 = IN(g, "a2", 2, 1, 4, 5), b2 = IN(g, "b2", 3, 5, 6);
    ir_output_add(g, cgt_op(g, IR_OP_MATMUL, "batched", (int[]){a2, b2}, 2));
    CgModule m;
    if (lower(g, &m)) {
        const CgKernel *k = &m.kernels[0];
        CHECK(k->kind == CG_KERNEL_CALL && k->call.id == CG_KRT_MATMUL_F32);
        CHECK(strcmp(k->call.symbol, "krt_matmul_f32") == 0);
        CHECK(k->call.batch_rank == 0 && k->call.n_params == 4);
        CHECK(k->call.params[0] == 24 && k->call.params[1] == 5 && k->call.params[2] == 6);
        CHECK(k->call.params[3] == 4); /* m per batch entry */
        const CgCall *c = &m.kernels[1].call;
        CHECK(c->batch_rank == 2 && c->batch_dims[0] == 2 && c->batch_dims[1] == 3);
        CHECK(c->params[0] == 4 && c->params[1] == 5 && c->params[2] == 6);
        CHECK(c->n_operands == 3 && !c->operands[0].output && c->operands[2].output);
        CHECK(strides_are(&c->operands[0], 2, D(20, 0)));  /* a: [2, 1] batch */
        CHECK(strides_are(&c->operands[1], 2, D(0, 30)));  /* b: [3] batch */
        CHECK(strides_are(&c->operands[2], 2, D(72, 24))); /* y: [2, 3, 4, 6] */
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

static void test_linear(void) {
    IrGraph *g = ir_graph_new("lin", "lin.json", ".");
    TestRng r = {1};
    int x = IN(g, "x", 2, 3, 4);
    int w = cgt_const(g, &r, "w", IR_DTYPE_F32, 2, D(5, 4));
    int bias = cgt_const(g, &r, "bias", IR_DTYPE_F32, 1, D(5));
    ir_output_add(g, cgt_op(g, IR_OP_LINEAR, "with_bias", (int[]){x, w, bias}, 3));
    ir_attr_set_int(g, 0, "transpose_w", 1); /* w is [N, K] */
    int w2 = cgt_const(g, &r, "w2", IR_DTYPE_F32, 2, D(4, 7));
    ir_output_add(g, cgt_op(g, IR_OP_LINEAR, "plain", (int[]){x, w2}, 2));
    ir_attr_set_int(g, 1, "transpose_w", 0); /* w2 is [K, N] */
    CgModule m;
    if (lower(g, &m)) {
        const CgCall *c = &m.kernels[0].call;
        CHECK(m.kernels[0].kind == CG_KERNEL_CALL && c->id == CG_KRT_LINEAR_F32);
        CHECK(c->params[0] == 6 && c->params[1] == 4 && c->params[2] == 5 && c->params[3] == 1);
        CHECK(c->n_operands == 4 && !c->operands[2].absent && c->operands[2].slot == 2);
        CHECK(cg_kernel_info(c->id)->pool);
        c = &m.kernels[1].call;
        CHECK(c->params[0] == 6 && c->params[1] == 4 && c->params[2] == 7 && c->params[3] == 0);
        CHECK(c->operands[2].absent && c->operands[3].output);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

static void test_broadcast_add(void) {
    IrGraph *g = ir_graph_new("add", "add.json", ".");
    int a = IN(g, "a", 2, 3), row = IN(g, "row", 3), col = IN(g, "col", 2, 1);
    ir_output_add(g, cgt_op(g, IR_OP_ADD, "rows", (int[]){a, row}, 2));
    ir_output_add(g, cgt_op(g, IR_OP_ADD, "cols", (int[]){col, a}, 2));
    CgModule m;
    if (lower(g, &m)) {
        const CgKernel *k = &m.kernels[0];
        CHECK(k->kind == CG_KERNEL_LOOP && k->n_loops == 1);
        const CgLoop *l = &k->loops[0];
        CHECK(l->rank == 2 && l->dims[0] == 2 && l->dims[1] == 3 && l->n_operands == 3);
        CHECK(l->body == CG_BODY_PROGRAM && l->n_instrs == 1 && l->program[0].fn == IR_SCALAR_ADD);
        CHECK(l->program[0].a == 0 && l->program[0].b == 1);
        CHECK(l->operands[0].output && strides_are(&l->operands[0], 2, D(3, 1)));
        CHECK(strides_are(&l->operands[1], 2, D(3, 1)));
        CHECK(strides_are(&l->operands[2], 2, D(0, 1))); /* row: 0 on the broadcast dim */
        l = &m.kernels[1].loops[0];
        CHECK(strides_are(&l->operands[1], 2, D(1, 0))); /* col [2, 1] */
        CHECK(l->operands[1].slot == 0 && l->operands[2].slot == 1);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

static void test_fused_program(void) {
    IrGraph *g = ir_graph_new("fused", "fused.json", ".");
    int x = IN(g, "x", 4), y = IN(g, "y", 2, 4);
    ir_output_add(g, cgt_op(g, IR_OP_FUSED_ELEMENTWISE, "f", (int[]){x, y}, 2));
    /* r2 = r0 * r1; r3 = r2 + r0; r4 = r3 ^ constants[0] */
    ir_attr_set_ints(g, 0, "program",
                     D(IR_SCALAR_MUL, 0, 1, IR_SCALAR_ADD, 2, 0, IR_SCALAR_POW, 3, 0), 9);
    ir_attr_set_floats(g, 0, "constants", (const double[]){2.5}, 1);
    CgModule m;
    if (lower(g, &m)) {
        const CgLoop *l = &m.kernels[0].loops[0];
        CHECK(m.kernels[0].kind == CG_KERNEL_LOOP && l->body == CG_BODY_PROGRAM);
        CHECK(l->rank == 2 && l->n_operands == 3 && l->n_instrs == 3);
        CHECK(strides_are(&l->operands[1], 2, D(0, 1)) && strides_are(&l->operands[2], 2, D(4, 1)));
        CHECK(l->program[0].fn == IR_SCALAR_MUL && l->program[0].a == 0 && l->program[0].b == 1);
        CHECK(l->program[1].fn == IR_SCALAR_ADD && l->program[1].a == 2 && l->program[1].b == 0);
        CHECK(l->program[2].fn == IR_SCALAR_POW && l->program[2].a == 3 && l->program[2].b == -1);
        CHECK(l->program[2].params[0] == 2.5);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

static void test_transpose(void) {
    IrGraph *g = ir_graph_new("tr", "tr.json", ".");
    int x = IN(g, "x", 2, 3, 4);
    ir_output_add(g, cgt_op(g, IR_OP_TRANSPOSE, "t", (int[]){x}, 1));
    ir_attr_set_ints(g, 0, "perm", D(2, 0, 1), 3);
    CgModule m;
    if (lower(g, &m)) {
        const CgLoop *l = &m.kernels[0].loops[0];
        CHECK(m.kernels[0].kind == CG_KERNEL_LOOP && l->body == CG_BODY_COPY);
        CHECK(l->rank == 3 && l->dims[0] == 4 && l->dims[1] == 2 && l->dims[2] == 3);
        CHECK(strides_are(&l->operands[0], 3, D(6, 3, 1)));
        CHECK(strides_are(&l->operands[1], 3, D(1, 12, 4)));
        CHECK(l->operands[0].base == 0 && l->operands[1].base == 0);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

/* Reduce over dims 0 and 2 of x[2, 3, 4] (keepdims 0: y[3]) and CumSum along dim 1: the
 * REDUCE loop runs over the keepdims shape [1, 3, 1] and the SCAN loop over [2, 1, 4]. */
static void test_reduce(void) {
    IrGraph *g = ir_graph_new("red", "red.json", ".");
    int x = IN(g, "x", 2, 3, 4);
    ir_output_add(g, cgt_op(g, IR_OP_REDUCE, "mean", (int[]){x}, 1));
    ir_attr_set_string(g, 0, "fn", "mean");
    ir_attr_set_ints(g, 0, "axes", D(0, -1), 2);
    ir_attr_set_int(g, 0, "keepdims", 0);
    ir_output_add(g, cgt_op(g, IR_OP_CUMSUM, "cumsum", (int[]){x}, 1));
    ir_attr_set_int(g, 1, "axis", 1);
    ir_attr_set_int(g, 1, "reverse", 1);
    CgModule m;
    if (lower(g, &m)) {
        const CgLoop *l = &m.kernels[0].loops[0];
        CHECK(m.kernels[0].kind == CG_KERNEL_LOOP && l->body == CG_BODY_REDUCE);
        CHECK(l->rank == 3 && l->dims[0] == 1 && l->dims[1] == 3 && l->dims[2] == 1);
        CHECK(strides_are(&l->operands[0], 3, D(0, 1, 0)));
        CHECK(strides_are(&l->operands[1], 3, D(0, 4, 0)));
        const CgReduce *r = &l->reduce;
        CHECK(r->fn == CG_REDUCE_MEAN && r->rank == 2 && r->count == 8);
        CHECK(r->dims[0] == 2 && r->dims[1] == 4 && r->strides[0] == 12 && r->strides[1] == 1);
        l = &m.kernels[1].loops[0];
        CHECK(l->body == CG_BODY_SCAN && l->reduce.fn == CG_REDUCE_CUMSUM);
        CHECK(l->rank == 3 && l->dims[0] == 2 && l->dims[1] == 1 && l->dims[2] == 4);
        CHECK(strides_are(&l->operands[0], 3, D(12, 0, 1)));
        CHECK(strides_are(&l->operands[1], 3, D(12, 0, 1)));
        CHECK(l->reduce.rank == 1 && l->reduce.dims[0] == 3 && l->reduce.strides[0] == 4);
        CHECK(l->reduce.reverse && !l->reduce.exclusive);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

/* Trilu of x[2, 3, 4, 5] with k = 9 (clamped to rows + cols = 9) and k = -20 (clamped to -9):
 * an OP loop over [6, 4, 5] carrying k and upper. */
static void test_trilu(void) {
    IrGraph *g = ir_graph_new("tri", "tri.json", ".");
    int x = IN(g, "x", 2, 3, 4, 5);
    ir_output_add(g, cgt_op(g, IR_OP_TRILU, "upper", (int[]){x}, 1));
    ir_attr_set_int(g, 0, "k", 20);
    ir_attr_set_int(g, 0, "upper", 1);
    ir_output_add(g, cgt_op(g, IR_OP_TRILU, "lower", (int[]){x}, 1));
    ir_attr_set_int(g, 1, "k", -20);
    ir_attr_set_int(g, 1, "upper", 0);
    CgModule m;
    if (lower(g, &m)) {
        const CgLoop *l = &m.kernels[0].loops[0];
        CHECK(m.kernels[0].kind == CG_KERNEL_LOOP && l->body == CG_BODY_OP);
        CHECK(l->rank == 3 && l->dims[0] == 6 && l->dims[1] == 4 && l->dims[2] == 5);
        CHECK(strides_are(&l->operands[0], 3, D(20, 5, 1)) && l->operands[0].output);
        CHECK(strides_are(&l->operands[1], 3, D(20, 5, 1)) && !l->operands[1].output);
        CHECK(l->params[0] == 9 && l->params[1] == 1);
        l = &m.kernels[1].loops[0];
        CHECK(l->params[0] == -9 && l->params[1] == 0);
        cg_module_free(&m);
    }
    ir_graph_free(g);
}

/* A Linear whose weights have rank 3 (built without shape inference, which would refuse it):
 * cg_lower reports the node by name instead of asserting. */
static void test_malformed(void) {
    IrGraph *g = ir_graph_new("bad", "bad.json", ".");
    int x = IN(g, "x", 3, 4), w = IN(g, "w", 2, 4, 5);
    IrType yt = {IR_DTYPE_F32, 2, {{0}}};
    yt.dims[0] = ir_dim_const(3);
    yt.dims[1] = ir_dim_const(5);
    int y = ir_value_add(g, "y", &yt);
    ir_node_add(g, IR_OP_LINEAR, "bad_linear", (int[]){x, w}, 2, &y, 1);
    ir_output_add(g, y);
    CgModule m;
    Diag d;
    diag_init(&d);
    CHECK(!cg_lower(g, &m, &d));
    CHECK(d.count == 1 && d.count > 0 && strstr(d.messages[0], "bad_linear") &&
          strstr(d.messages[0], "w of rank 2"));
    diag_free(&d);
    cg_module_free(&m);
    ir_graph_free(g);
}

/* The ops docs/architecture.md lists as having no record: the backticked names on the lines
 * after "Ops without a kernel record" up to the next blank line. */
static bool doc_lists(const char *text, const char *op) {
    const char *at = strstr(text, "Ops without a kernel record");
    if (!at) return false;
    const char *end = strstr(at, "\n\n");
    char want[64];
    snprintf(want, sizeof want, "`%s`", op);
    const char *hit = strstr(at, want);
    return hit && (!end || hit < end);
}

static void test_every_op_has_a_record_or_is_listed(void) {
    const char *src = getenv("KILN_SOURCE_DIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/docs/architecture.md", src ? src : ".");
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return;
    static char text[1 << 17];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    int listed = 0;
    for (int op = 0; op < IR_OP_COUNT; op++) {
        const char *name = ir_op_info((IrOp)op)->name;
        bool on_list = doc_lists(text, name);
        listed += on_list;
        if (cg_op_has_kernel((IrOp)op) == on_list)
            fprintf(stderr, "op %s: %s\n", name,
                    on_list
                        ? "has a kernel record: take it off the list in docs/architecture.md"
                        : "has no kernel record and is not on the list of docs/architecture.md");
        CHECK(cg_op_has_kernel((IrOp)op) != on_list);
    }
    printf("%d of %d ops without a kernel record\n", listed, IR_OP_COUNT);
}

int main(void) {
    test_matmul();
    test_linear();
    test_broadcast_add();
    test_fused_program();
    test_transpose();
    test_reduce();
    test_trilu();
    test_malformed();
    test_every_op_has_a_record_or_is_listed();
    return test_finish();
}
