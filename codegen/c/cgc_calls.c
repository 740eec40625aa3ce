/* The calls of an entry's node functions, shared by every entry point the C backend writes
 * (run, prefill, decode): each node's operands as pointers into the caller's buffers, the
 * weights and the workspace, and the status check of the nodes that return one. */
#include "cgc.h"
#include "../module_query.h"

#include <inttypes.h>

bool cgc_node_returns_status(const IrNode *n) {
    return ir_op_has(n->op, IR_OPF_STATUS);
}

/* Writes the pointer through which node code reaches value v: a run parameter, a constant in
 * the weights, or a slot in the workspace. */
static void cgc_put_value_ptr(const CgcEmitter *e, int v) {
    const IrGraph *g = e->g;
    const IrValue *val = ir_value(g, v);
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) {
            fprintf(e->f, "in%d", i);
            return;
        }
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) {
            fprintf(e->f, "out%d", i);
            return;
        }
    if (e->m->weights.offsets[v] >= 0) {
        fprintf(e->f, "(const %s *)(w + %" PRId64 ")", cgc_ctype(val->type.dtype),
                e->m->weights.offsets[v]);
        return;
    }
    KILN_ASSERT(val->arena_offset >= 0);
    fprintf(e->f, "(%s *)(ws + %" PRId64 ")", cgc_ctype(val->type.dtype), val->arena_offset);
}

void cgc_write_node_calls(CgcEmitter *e, const CgEntry *en) {
    const IrGraph *g = e->g;
    FILE *f = e->f;
    fputs("    const unsigned char *w = ctx->weights;\n"
          "    unsigned char *ws = ctx->workspace;\n"
          "    (void)w;\n    (void)ws;\n",
          f);
    for (int k = 0; k < en->n_nodes; k++) {
        int i = en->nodes[k];
        const IrNode *n = &g->nodes[i];
        fputs("    /* ", f);
        cgc_put_node_origin(f, g, n);
        fputs(" */\n", f);
        bool fails = cgc_node_returns_status(n);
        fprintf(f, fails ? "    {\n        int status = node_%d(" : "    node_%d(", i);
        bool first = true;
        for (int j = 0; j < n->n_inputs; j++) {
            if (n->inputs[j] < 0) continue;
            fputs(first ? "" : ", ", f);
            cgc_put_value_ptr(e, n->inputs[j]);
            first = false;
        }
        for (int j = 0; j < n->n_outputs; j++) {
            fputs(first ? "" : ", ", f);
            cgc_put_value_ptr(e, n->outputs[j]);
            first = false;
        }
        if (ir_op_has(n->op, IR_OPF_STATEFUL)) fputs(", kv", f);
        fputs(", ctx->pool", f);
        fputs(fails ? ");\n        if (status != KILN_OK) return status;\n    }\n" : ");\n", f);
    }
    /* Outputs that no node writes into their own buffer: graph inputs, constants, and a value
     * listed as an output twice. */
    for (int o = 0; o < en->n_outputs; o++) {
        int i = en->output_slots[o];
        int v = g->outputs[i];
        if (!cg_output_needs_copy(e->m, i)) continue;
        size_t bytes = 0;
        KILN_ASSERT(ir_type_nbytes(&ir_value(g, v)->type, &bytes));
        fprintf(f, "    memcpy(out%d, ", i);
        cgc_put_value_ptr(e, v);
        fprintf(f, ", %zu); /* output '", bytes);
        cgc_put_comment_text(f, ir_value(g, v)->name);
        fputs("' */\n", f);
    }
}
