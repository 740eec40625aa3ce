/* Backend-neutral questions about a planned graph and its module (codegen/module_query.h). */
#include "module_query.h"

#include <stdio.h>

bool cg_value_has_home(const IrGraph *g, int v, char *reason, size_t cap) {
    const IrValue *val = ir_value(g, v);
    size_t bytes = 0;
    if (!ir_type_is_static(&val->type) || !ir_type_nbytes(&val->type, &bytes)) {
        snprintf(reason, cap, "value '%s' has no static shape (bind every symbol first)",
                 val->name);
        return false;
    }
    bool is_io = false;
    for (int i = 0; i < g->n_inputs; i++) is_io |= g->inputs[i] == v;
    for (int i = 0; i < g->n_outputs; i++) is_io |= g->outputs[i] == v;
    if (is_io || val->data) return true;
    if (val->arena_offset < 0 || val->arena_offset % (int64_t)ir_dtype_size(val->type.dtype) != 0 ||
        (uint64_t)val->arena_offset + bytes > (uint64_t)g->arena_bytes) {
        snprintf(reason, cap, "value '%s' has no valid place in the workspace (%s)", val->name,
                 "run plan_memory first");
        return false;
    }
    return true;
}

bool cg_output_needs_copy(const CgModule *m, int slot) {
    const IrGraph *g = m->g;
    int v = g->outputs[slot];
    for (int k = 0; k < g->n_inputs; k++)
        if (g->inputs[k] == v) return true;
    for (int k = 0; k < slot; k++)
        if (g->outputs[k] == v) return true;
    return ir_value(g, v)->producer < 0 && m->weights.offsets[v] >= 0;
}
