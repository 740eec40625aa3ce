/* Run-time index errors of the "index" family in the backends: an index out of range makes the
 * descriptor's run return KILN_ERR_INDEX and zeroes the node's output. (The differential cases
 * of these ops, against the interpreter, are in tests/codegen/cases_index.c.) */
#include "codegen/cg_harness.h"

#define D(...) ((const int64_t[]){__VA_ARGS__})
#define RANK(...) (int)(sizeof D(__VA_ARGS__) / sizeof(int64_t))
#define IN(name, t, ...) cgt_input(g, name, t, RANK(__VA_ARGS__), D(__VA_ARGS__))
#define LAST (g->n_nodes - 1)

static int idx_op(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in) {
    int v = cgt_op(g, op, name, ins, n_in);
    ir_output_add(g, v);
    return v;
}

/* Index tensors given at run time: in range, the library matches the interpreter; one index out
 * of range in GatherElements or in ScatterND makes the descriptor's run return KILN_ERR_INDEX
 * and zeroes that node's output. On backend b. */
static void test_run_time_index_errors(const CgBackend *b) {
    IrGraph *g = ir_graph_new("bad_index", "bad_index.json", ".");
    int x = IN("x", IR_DTYPE_F32, 4, 4), ind = IN("ind", IR_DTYPE_I64, 3, 4);
    int nd_ind = IN("nd_ind", IR_DTYPE_I64, 3, 1), upd = IN("upd", IR_DTYPE_F32, 3, 4);
    idx_op(g, IR_OP_GATHER_ELEMENTS, "ge", (int[]){x, ind}, 2);
    ir_attr_set_int(g, LAST, "axis", 0);
    idx_op(g, IR_OP_SCATTER_ND, "snd", (int[]){x, nd_ind, upd}, 3);
    CgtLib lib = {0};
    if (cgt_plan(g) && cgt_build(b, g, "bad_index", false, &lib)) {
        CHECK(cgt_compare(g, &lib, 31, 1e-6));
        const KilnModel *m = lib.model;
        char wpath[4200];
        void *ctx = NULL;
        if (CHECK(m->create(&ctx, cgt_weights_path(&lib, wpath, sizeof wpath)) == KILN_OK)) {
            float xs[16], upds[12], ge[12], sn[16];
            int64_t inds[12], nds[3] = {0, -4, 3};
            for (int i = 0; i < 16; i++) xs[i] = (float)i + 1.0f;
            for (int i = 0; i < 12; i++) {
                upds[i] = -(float)i;
                inds[i] = i % 4 - 2;
            }
            const void *ins[4] = {xs, inds, nds, upds};
            void *outs[2] = {ge, sn};
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            CHECK(ge[0] == 9.0f && ge[1] == 14.0f); /* rows -2 and -1 of column 0 and 1 */
            inds[5] = 4;                            /* one past the end of axis 0 */
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            bool zero = true;
            for (int i = 0; i < 12; i++) zero &= ge[i] == 0.0f;
            CHECK(zero);
            inds[5] = -4; /* the lowest valid index again */
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            nds[1] = -5;
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            nds[1] = 4;
            CHECK(m->run(ctx, ins, outs) == KILN_ERR_INDEX);
            nds[1] = 1;
            CHECK(m->run(ctx, ins, outs) == KILN_OK);
            CHECK(sn[4] == -4.0f && sn[0] == -0.0f && sn[12] == -8.0f);
            m->destroy(ctx);
        }
    }
    cgt_unload(&lib);
    ir_graph_free(g);
}

int main(void) {
    for (int i = 0; i < cg_backend_count(); i++) test_run_time_index_errors(cg_backend_at(i));
    cgt_report();
    return test_finish();
}
