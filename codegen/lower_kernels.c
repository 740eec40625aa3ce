/* Kernel records: what each node of the planned graph computes, decided once for every
 * backend (codegen/module.h). The per-op lowerers live by family in lower_kernels_<family>.c;
 * an op without one lowers to CG_KERNEL_NONE and is on the list of docs/architecture.md,
 * "Kernel records", which tests/codegen/test_lower_kernels.c holds to this table. */
#include "lower_kernels_internal.h"

#include <stdlib.h>
#include <string.h>

typedef bool (*CgLkFn)(CgLk *c);

static const CgLkFn cg_lk_table[IR_OP_COUNT] = {
#define CG_LK_ROW(E, fn) [IR_OP_##E] = cg_lk_##fn,
    CG_LK_OPS(CG_LK_ROW)
#undef CG_LK_ROW
};

/* The lowerer of op, or NULL when it has no record. */
static CgLkFn cg_lk_of(IrOp op) {
    if (cg_lk_table[op]) return cg_lk_table[op];
    return ir_op_has(op, IR_OPF_EPILOGUE) ? cg_lk_core : NULL;
}

bool cg_op_has_kernel(IrOp op) {
    return (unsigned)op < IR_OP_COUNT && cg_lk_of(op) != NULL;
}

/* Every operand must have a static shape whose bytes fit: the lowerers then compute sizes
 * from dims without re-checking each product of a whole shape. */
static bool cg_lk_operands_ok(CgLk *c) {
    for (int io = 0; io < 2; io++) {
        int count = io ? c->n->n_outputs : c->n->n_inputs;
        for (int j = 0; j < count; j++) {
            int v = io ? c->n->outputs[j] : c->n->inputs[j];
            if (v < 0) continue;
            const IrType *t = &ir_value(c->g, v)->type;
            size_t bytes = 0;
            if (!ir_type_is_static(t) || !ir_type_nbytes(t, &bytes)) {
                snprintf(c->why, c->cap, "value '%s' has no static shape", ir_value(c->g, v)->name);
                return false;
            }
        }
    }
    return true;
}

bool cg_lower_kernel(const IrGraph *g, int node, CgKernel *k, char *why, size_t cap) {
    memset(k, 0, sizeof *k);
    CgLk c = {g, &g->nodes[node], k, why, cap, false};
    CgLkFn fn = cg_lk_of(c.n->op);
    if (!fn) return true;
    bool ok = cg_lk_operands_ok(&c) && fn(&c);
    if (ok && c.overflow) ok = cg_lk_fail(&c, "a size overflows int64");
    if (!ok) cg_kernel_free(k);
    KILN_ASSERT(!ok || k->kind != CG_KERNEL_NONE); /* a lowerer always fills its record */
    return ok;
}

static void cg_loop_free(CgLoop *l) {
    free(l->operands);
    free(l->program);
}

void cg_kernel_free(CgKernel *k) {
    for (int i = 0; i < k->n_loops; i++) cg_loop_free(&k->loops[i]);
    free(k->loops);
    if (k->call.epilogue) cg_loop_free(k->call.epilogue);
    free(k->call.epilogue);
    memset(k, 0, sizeof *k);
}
