/* pass fold: constant folding. A node whose inputs are all constants is evaluated once, now,
 * by the reference interpreter on a graph holding just that node, and its outputs become
 * constants. Nodes writing graph outputs are left alone (the API must still produce them), and
 * so are nodes whose shapes are not static yet, whose results would be very large, or whose op
 * is stateful (IR_OPF_STATEFUL: its result depends on run state, not only on its inputs). */
#include "pass_util.h"

#include <stdlib.h>
#include <string.h>

#include "../ir/interp.h"

#define FOLD_MAX_BYTES ((size_t)64 << 20)

static bool fold_candidate(const IrGraph *g, const IrNode *n) {
    if (ir_op_has(n->op, IR_OPF_STATEFUL)) return false;
    bool any_input = false;
    for (int i = 0; i < n->n_inputs; i++) {
        if (n->inputs[i] < 0) continue;
        if (!pu_is_const(g, n->inputs[i])) return false;
        /* a packed weight (ir/wformat.h) is only read in place by its kernels */
        if (ir_wformat_is_packed(g->values[n->inputs[i]].wformat)) return false;
        any_input = true;
    }
    if (!any_input) return false;
    for (int i = 0; i < n->n_outputs; i++) {
        size_t bytes;
        const IrValue *v = &g->values[n->outputs[i]];
        if (pu_is_graph_output(g, n->outputs[i]) || !ir_type_nbytes(&v->type, &bytes) ||
            bytes > FOLD_MAX_BYTES)
            return false;
    }
    return true;
}

/* Evaluates node ni of g and turns its outputs into constants. False (with d's messages) when
 * the interpreter fails, which means the model itself fails on every input. */
static bool fold_node(IrGraph *g, int ni, Diag *d) {
    const IrNode *n = &g->nodes[ni];
    IrGraph *one = ir_graph_new(g->name, g->source_path, g->base_dir);
    /* Variadic ops (Concat) take any number of inputs; outputs are bounded by the op table. */
    int *in = malloc(sizeof *in * (size_t)(n->n_inputs ? n->n_inputs : 1)), out[64];
    KILN_ASSERT(in != NULL && n->n_outputs <= 64);
    for (int i = 0; i < n->n_inputs; i++) {
        in[i] = -1;
        if (n->inputs[i] < 0) continue;
        const IrValue *v = &g->values[n->inputs[i]];
        in[i] = ir_const_add(one, v->name, &v->type, v->data, v->nbytes, false);
    }
    for (int i = 0; i < n->n_outputs; i++) {
        const IrValue *v = &g->values[n->outputs[i]];
        out[i] = ir_value_add(one, v->name, &v->type);
        ir_output_add(one, out[i]);
    }
    int idx = ir_node_add(one, n->op, n->name, in, n->n_inputs, out, n->n_outputs);
    free(in);
    one->nodes[idx].attrs = n->attrs; /* borrowed: `one` dies first */
    one->nodes[idx].n_attrs = n->n_attrs;
    one->nodes[idx].loc = n->loc;
    IrTensor results[64];
    memset(results, 0, sizeof results);
    bool ok = interp_run(one, NULL, results, d);
    if (ok) {
        for (int i = 0; i < n->n_outputs; i++) {
            IrValue *v = &g->values[n->outputs[i]];
            void *data = ir_alloc(g, results[i].nbytes ? results[i].nbytes : 1);
            memcpy(data, results[i].data, results[i].nbytes);
            v->data = data;
            v->nbytes = results[i].nbytes;
            v->data_file = v->data_key = NULL;
            ir_tensor_free(&results[i]);
        }
    }
    ir_graph_free(one);
    return ok;
}

bool pass_fold(IrGraph *g, const PassOptions *opt, Diag *d) {
    bool *dead = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *dead);
    KILN_ASSERT(dead != NULL);
    bool ok = true;
    int folded = 0;
    for (int ni = 0; ni < g->n_nodes && ok; ni++) {
        if (!fold_candidate(g, &g->nodes[ni])) continue;
        ok = fold_node(g, ni, d);
        /* The outputs now have data; once the node is gone they are plain constants. */
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_outputs && ok; i++) g->values[n->outputs[i]].producer = -1;
        dead[ni] = ok;
        folded += ok;
    }
    if (ok) {
        /* pu_remove_nodes would reset producers of dead nodes' outputs: already -1. */
        pu_remove_nodes(g, dead);
        if (opt->stats) opt->stats->folded += folded;
    }
    free(dead);
    return ok;
}
