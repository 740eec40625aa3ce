/* Tests of pass_bind, pass_plan_memory and the pipeline runner. */
#include <math.h>
#include <string.h>

#include "ir/interp.h"
#include "passes/pass.h"
#include "test_util.h"

/* x[batch, 4] -> relu -> a -> neg -> b -> exp -> c -> add(c, a) -> y */
static IrGraph *chain_graph(void) {
    IrGraph *g = ir_graph_new("chain", "chain.json", ".");
    int batch = ir_symbol_get(g, "batch");
    IrType t = {IR_DTYPE_F32, 2, {ir_dim_sym(batch), ir_dim_const(4)}};
    int x = ir_input_add(g, "x", &t);
    int a = ir_value_add(g, "a", &t), b = ir_value_add(g, "b", &t);
    int c = ir_value_add(g, "c", &t), y = ir_value_add(g, "y", &t);
    ir_node_add(g, IR_OP_RELU, "relu", &x, 1, &a, 1);
    ir_node_add(g, IR_OP_NEG, "neg", &a, 1, &b, 1);
    ir_node_add(g, IR_OP_EXP, "exp", &b, 1, &c, 1);
    ir_node_add(g, IR_OP_ADD, "add", (int[]){c, a}, 2, &y, 1);
    ir_output_add(g, y);
    return g;
}

static bool has(const Diag *d, const char *s) {
    for (int i = 0; i < d->count; i++)
        if (strstr(d->messages[i], s)) return true;
    fprintf(stderr, "  missing message '%s'\n", s);
    diag_print(d, stderr);
    return false;
}

int main(void) {
    Diag d;
    /* binding makes every dim static and keeps the graph valid */
    {
        IrGraph *g = chain_graph();
        IrBinding b = {"batch", 3};
        PassOptions opt = {.bindings = &b, .n_bindings = 1, .verify_each = true};
        diag_init(&d);
        CHECK(pass_run_pipeline(g, "bind,plan_memory", &opt, &d));
        CHECK(d.count == 0);
        for (int v = 0; v < g->n_values; v++) CHECK(ir_type_is_static(&g->values[v].type));
        /* a (48 bytes) lives until add; b dies at exp, so c can reuse b's slot: two slots of 64 */
        int a = ir_value_find(g, "a"), b2 = ir_value_find(g, "b"), c = ir_value_find(g, "c");
        CHECK(g->values[a].arena_offset == 0);
        CHECK(g->values[b2].arena_offset == 64);
        CHECK(g->values[c].arena_offset == 128 || g->values[c].arena_offset == 64);
        CHECK(g->values[c].arena_offset != g->values[a].arena_offset);
        CHECK(g->values[ir_value_find(g, "x")].arena_offset == -1);
        CHECK(g->values[ir_value_find(g, "y")].arena_offset == -1);
        CHECK(g->arena_bytes >= 128 && g->arena_bytes <= 192);
        diag_free(&d);
        ir_graph_free(g);
    }
    /* an unbound symbol is a clear error naming it */
    {
        IrGraph *g = chain_graph();
        PassOptions opt = {.bindings = NULL, .n_bindings = 0, .verify_each = true};
        diag_init(&d);
        CHECK(!pass_bind(g, &opt, &d));
        CHECK(has(&d, "symbol 'batch' is unbound (it sizes value 'x')"));
        CHECK(has(&d, "--bind batch=N"));
        diag_free(&d);
        ir_graph_free(g);
    }
    /* binding a symbol the model lacks, and a bad value */
    {
        IrGraph *g = chain_graph();
        IrBinding b[] = {{"bacth", 2}};
        PassOptions opt = {.bindings = b, .n_bindings = 1, .verify_each = true};
        diag_init(&d);
        CHECK(!pass_bind(g, &opt, &d));
        CHECK(has(&d, "the model has no symbol 'bacth' (its symbols: batch)"));
        diag_free(&d);
        IrBinding z[] = {{"batch", 0}};
        PassOptions opt0 = {.bindings = z, .n_bindings = 1, .verify_each = true};
        diag_init(&d);
        CHECK(!pass_bind(g, &opt0, &d));
        CHECK(has(&d, "at least 1"));
        diag_free(&d);
        ir_graph_free(g);
    }
    /* unknown pass names list the known ones */
    {
        IrGraph *g = chain_graph();
        PassOptions opt = {.bindings = NULL, .n_bindings = 0, .verify_each = true};
        diag_init(&d);
        CHECK(!pass_run_pipeline(g, "nope", &opt, &d));
        CHECK(has(&d, "unknown pass 'nope' (known passes: bind, fold, simplify"));
        diag_free(&d);
        ir_graph_free(g);
    }
    /* planning never lets a node's output overlap a live value: check all pairs */
    {
        IrGraph *g = chain_graph();
        IrBinding b = {"batch", 5};
        PassOptions opt = {.bindings = &b, .n_bindings = 1, .verify_each = true};
        diag_init(&d);
        CHECK(pass_run_pipeline(g, "bind,plan_memory", &opt, &d));
        int a = ir_value_find(g, "a"), c = ir_value_find(g, "c");
        int64_t sz = 5 * 4 * 4;
        CHECK(g->values[a].arena_offset + sz <= g->values[c].arena_offset ||
              g->values[c].arena_offset + sz <= g->values[a].arena_offset);
        diag_free(&d);
        ir_graph_free(g);
    }
    /* every level's pipeline keeps the outputs; -O2 fuses the chain into one node */
    for (int level = 0; level <= 2; level++) {
        IrGraph *ref = chain_graph(), *g = chain_graph();
        IrBinding b = {"batch", 3};
        PassStats st = {0};
        PassOptions opt = {.bindings = &b, .n_bindings = 1, .verify_each = true};
        opt.stats = &st;
        diag_init(&d);
        CHECK(pass_run_pipeline(g, pass_pipeline_for_level(level, false), &opt, &d));
        IrTensor x, y0, y1;
        CHECK(ir_tensor_alloc(&x, IR_DTYPE_F32, 2, (int64_t[]){3, 4}));
        for (int i = 0; i < 12; i++) ((float *)x.data)[i] = (float)(i - 5) * 0.25f;
        CHECK(interp_run(ref, &x, &y0, &d) && interp_run(g, &x, &y1, &d));
        for (int i = 0; i < 12; i++)
            CHECK(fabs(ir_tensor_get(&y0, i) - ir_tensor_get(&y1, i)) <=
                  1e-5 * fmax(1.0, fabs(ir_tensor_get(&y0, i))));
        if (level == 2) {
            /* a has two readers, so Relu stays alone; neg, exp and add fuse */
            CHECK(g->n_nodes == 2 && g->nodes[1].op == IR_OP_FUSED_ELEMENTWISE);
            CHECK(st.fused_ops == 3);
            CHECK(st.arena_naive > 0);
        } else {
            CHECK(g->n_nodes == 4);
        }
        ir_tensor_free(&x);
        ir_tensor_free(&y0);
        ir_tensor_free(&y1);
        diag_free(&d);
        ir_graph_free(g);
        ir_graph_free(ref);
    }
    return test_finish();
}
