/* The op table's property column (IrOpFlag, ir/ops.h): each flag holds exactly the ops the
 * passes and backends listed before the column existed, and the passes act on the flags: an
 * in-place op's output takes its dying input's block, an epilogue op joins a fused program with
 * its scalar row as opcode, a channel-prune-safe op lets prune look through it, and a stateful
 * op is neither folded nor merged by cse. */
#include <string.h>

#include "passes/pass.h"
#include "test_util.h"

/* The ops each flag had as a switch list (plan_memory, fuse_ops, prune, cgc_backend,
 * simplify), and KvAttention as the one stateful op. */
static const IrOp inplace_ops[] = {
    IR_OP_ADD,  IR_OP_SUB,  IR_OP_MUL,     IR_OP_DIV,  IR_OP_NEG,
    IR_OP_EXP,  IR_OP_SQRT, IR_OP_RSQRT,   IR_OP_POW,  IR_OP_RELU,
    IR_OP_GELU, IR_OP_SILU, IR_OP_SIGMOID, IR_OP_TANH, IR_OP_FUSED_ELEMENTWISE};
static const IrOp prune_ops[] = {IR_OP_RELU, IR_OP_GELU, IR_OP_SILU, IR_OP_TANH, IR_OP_NEG};
static const IrOp status_ops[] = {
    IR_OP_GATHER,           IR_OP_KV_ATTENTION, IR_OP_GATHER_ELEMENTS, IR_OP_GATHER_ND,
    IR_OP_SCATTER_ELEMENTS, IR_OP_SCATTER_ND,   IR_OP_ONE_HOT,         IR_OP_TOPK};
static const IrOp commutative_ops[] = {IR_OP_ADD, IR_OP_MUL};
static const IrOp stateful_ops[] = {IR_OP_KV_ATTENTION};

static bool listed(const IrOp *ops, size_t n, IrOp op) {
    for (size_t i = 0; i < n; i++)
        if (ops[i] == op) return true;
    return false;
}
#define LISTED(ops, op) listed(ops, sizeof ops / sizeof ops[0], op)

static void test_flags_match_lists(void) {
    for (int i = 0; i < IR_OP_COUNT; i++) {
        IrOp op = (IrOp)i;
        bool fused_in = op == IR_OP_FUSED_ELEMENTWISE;
        CHECK(ir_op_has(op, IR_OPF_INPLACE) == LISTED(inplace_ops, op));
        /* fuse-ops took every in-place op but FusedElementwise itself into its programs */
        CHECK(ir_op_has(op, IR_OPF_EPILOGUE) == (LISTED(inplace_ops, op) && !fused_in));
        CHECK(ir_op_has(op, IR_OPF_CHANNEL_PRUNE_SAFE) == LISTED(prune_ops, op));
        CHECK(ir_op_has(op, IR_OPF_STATUS) == LISTED(status_ops, op));
        CHECK(ir_op_has(op, IR_OPF_COMMUTATIVE) == LISTED(commutative_ops, op));
        CHECK(ir_op_has(op, IR_OPF_STATEFUL) == LISTED(stateful_ops, op));
        if (ir_op_has(op, IR_OPF_INPLACE) || ir_op_has(op, IR_OPF_EPILOGUE))
            CHECK(ir_op_has(op, IR_OPF_ELEMENTWISE));
        if (ir_op_has(op, IR_OPF_CHANNEL_PRUNE_SAFE)) CHECK(ir_op_has(op, IR_OPF_EPILOGUE));
        CHECK(ir_op_has(op, 0)); /* the empty set is in every op's flags */
    }
}

/* x -> Exp -> a -> op(a[, x]) -> b -> Exp -> y, f32[4, 8]. Returns the op's node index. */
static int chain(IrGraph *g, IrOp op) {
    IrType t = {IR_DTYPE_F32, 2, {ir_dim_const(4), ir_dim_const(8)}};
    int x = ir_input_add(g, "x", &t);
    int a = ir_value_add(g, "a", &t), b = ir_value_add(g, "b", &t), y = ir_value_add(g, "y", &t);
    ir_node_add(g, IR_OP_EXP, "e1", &x, 1, &a, 1);
    int ins[2] = {a, x};
    int ni = ir_node_add(g, op, "mid", ins, ir_op_info(op)->min_inputs, &b, 1);
    if (op == IR_OP_POW) ir_attr_set_float(g, ni, "exponent", 2.0);
    if (op == IR_OP_UNARY_FN) ir_attr_set_string(g, ni, "fn", "abs");
    ir_node_add(g, IR_OP_EXP, "e2", &b, 1, &y, 1);
    ir_output_add(g, y);
    return ni;
}

/* plan-memory gives b a's block exactly for in-place ops; fuse-ops makes one program of the
 * chain exactly for epilogue ops, with the op's scalar row as the middle opcode. */
static void test_passes_follow_flags(void) {
    IrOp ops[] = {IR_OP_ADD, IR_OP_MUL,     IR_OP_SIGMOID, IR_OP_GELU,
                  IR_OP_POW, IR_OP_SOFTMAX, IR_OP_UNARY_FN};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        Diag d;
        diag_init(&d);
        PassOptions opt = {.verify_each = true};
        IrGraph *g = ir_graph_new("chain", "chain.json", ".");
        chain(g, ops[i]);
        CHECK(pass_run_pipeline(g, "plan_memory", &opt, &d));
        int a = ir_value_find(g, "a"), b = ir_value_find(g, "b");
        bool shared = g->values[a].arena_offset == g->values[b].arena_offset;
        CHECK(shared == ir_op_has(ops[i], IR_OPF_INPLACE));
        ir_graph_free(g);

        g = ir_graph_new("chain", "chain.json", ".");
        int mid = chain(g, ops[i]);
        int row = ir_scalar_of_node(&g->nodes[mid]);
        CHECK((row >= 0) == ir_op_has(ops[i], IR_OPF_EPILOGUE));
        CHECK(pass_run_pipeline(g, "fuse-ops", &opt, &d));
        bool one_program = g->n_nodes == 1 && g->nodes[0].op == IR_OP_FUSED_ELEMENTWISE;
        CHECK(one_program == ir_op_has(ops[i], IR_OPF_EPILOGUE));
        if (one_program) {
            const IrAttr *prog = ir_attr_find(&g->nodes[0], "program");
            CHECK(prog->count == 9 && prog->ints[0] == IR_SCALAR_EXP && prog->ints[3] == row &&
                  prog->ints[6] == IR_SCALAR_EXP);
        }
        CHECK(d.count == 0);
        diag_free(&d);
        ir_graph_free(g);
    }
}

/* Two KvAttention nodes with the same constant inputs and attributes: cse keeps both (each is
 * a cache step) and fold evaluates neither (the interpreter would need the run's cache). */
static void test_stateful_kept(void) {
    IrGraph *g = ir_graph_new("kv", "kv.json", ".");
    IrType t = {IR_DTYPE_F32, 3, {ir_dim_const(2), ir_dim_const(1), ir_dim_const(4)}};
    float zeros[8] = {0};
    int q = ir_const_add(g, "q", &t, zeros, sizeof zeros, true);
    int outs[2];
    for (int k = 0; k < 2; k++) {
        char name[8];
        snprintf(name, sizeof name, "o%d", k);
        outs[k] = ir_value_add(g, name, &t);
        int ni = ir_node_add(g, IR_OP_KV_ATTENTION, name, (int[]){q, q, q}, 3, &outs[k], 1);
        ir_attr_set_int(g, ni, "layer", 0);
        ir_attr_set_int(g, ni, "max_context", 8);
    }
    IrState kv = {IR_STATE_KV_CACHE, 0, IR_DTYPE_F32, 8, 1, 4};
    ir_state_add(g, &kv);
    int y = ir_value_add(g, "y", &t);
    ir_node_add(g, IR_OP_ADD, "sum", outs, 2, &y, 1);
    ir_output_add(g, y);
    Diag d;
    diag_init(&d);
    PassOptions opt = {.verify_each = true};
    CHECK(pass_run_pipeline(g, "fold,cse", &opt, &d));
    int kv_nodes = 0;
    for (int ni = 0; ni < g->n_nodes; ni++) kv_nodes += g->nodes[ni].op == IR_OP_KV_ATTENTION;
    CHECK(kv_nodes == 2);
    CHECK(d.count == 0);
    diag_free(&d);
    ir_graph_free(g);
}

int main(void) {
    test_flags_match_lists();
    test_passes_follow_flags();
    test_stateful_kept();
    return test_finish();
}
