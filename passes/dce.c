/* pass dce: dead code and dead weight elimination. A node is live when one of its outputs is a
 * graph or entry output or is read by a live node; a constant is live when a live node reads
 * it. */
#include "pass_util.h"

#include <stdlib.h>

bool pass_dce(IrGraph *g, const PassOptions *opt, Diag *d) {
    (void)d;
    bool *needed = calloc((size_t)(g->n_values ? g->n_values : 1), sizeof *needed);
    bool *dead = calloc((size_t)(g->n_nodes ? g->n_nodes : 1), sizeof *dead);
    KILN_ASSERT(needed && dead);
    for (int i = 0; i < g->n_outputs; i++) needed[g->outputs[i]] = true;
    for (int i = 0; i < g->n_inputs; i++) needed[g->inputs[i]] = true; /* the API keeps them */
    /* Entries take graph inputs and return graph outputs, so the two lines above keep what
     * they reference; this keeps that true if an entry ever names another value. Model
     * metadata and states are not values, so no pass can drop them. */
    for (int e = 0; e < g->n_entries; e++) {
        for (int i = 0; i < g->entries[e].n_inputs; i++) needed[g->entries[e].inputs[i]] = true;
        for (int i = 0; i < g->entries[e].n_outputs; i++) needed[g->entries[e].outputs[i]] = true;
    }
    int removed = 0;
    for (int ni = g->n_nodes - 1; ni >= 0; ni--) {
        const IrNode *n = &g->nodes[ni];
        bool live = false;
        for (int i = 0; i < n->n_outputs; i++) live = live || needed[n->outputs[i]];
        if (!live) {
            dead[ni] = true;
            removed++;
            continue;
        }
        for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i] >= 0) needed[n->inputs[i]] = true;
    }
    pu_remove_nodes(g, dead);
    /* Constants nobody reads lose their data: the printer, the weight layout and the stats
     * then ignore them. */
    for (int v = 0; v < g->n_values; v++) {
        IrValue *val = &g->values[v];
        if (!needed[v] && val->data && val->producer < 0) {
            val->data = NULL;
            val->nbytes = 0;
            val->data_file = val->data_key = NULL;
        }
    }
    if (opt->stats) opt->stats->removed += removed;
    free(needed);
    free(dead);
    return true;
}
