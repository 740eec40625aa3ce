/* pass bind: specializes symbolic dims to the sizes given with --bind. */
#include "pass.h"

#include <inttypes.h>
#include <string.h>

/* Lists the graph's symbol names into buf for messages. */
static const char *bind_symbol_list(const IrGraph *g, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < g->n_symbols && len < cap; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", g->symbols[i].name);
    if (g->n_symbols == 0) snprintf(buf, cap, "none");
    return buf;
}

bool pass_bind(IrGraph *g, const PassOptions *opt, Diag *d) {
    char list[512];
    for (int i = 0; i < opt->n_bindings; i++) {
        const IrBinding *b = &opt->bindings[i];
        int sym = ir_symbol_find(g, b->name);
        if (sym < 0) {
            diag_at(d, g->source_path, NULL, NULL,
                    "--bind %s: the model has no symbol '%s' (its symbols: %s)", b->name, b->name,
                    bind_symbol_list(g, list, sizeof list));
            return false;
        }
        if (b->value < 1) {
            diag_at(d, g->source_path, NULL, NULL,
                    "--bind %s=%" PRId64 ": a dimension must be at least 1", b->name, b->value);
            return false;
        }
        g->symbols[sym].value = b->value;
    }
    /* Every dim of every value whose symbol is bound becomes a constant. */
    for (int v = 0; v < g->n_values; v++) {
        IrType *t = &g->values[v].type;
        for (int k = 0; k < t->rank; k++) {
            int64_t size;
            if (t->dims[k].sym >= 0 && ir_dim_value(g, t->dims[k], &size))
                t->dims[k] = ir_dim_const(size);
        }
    }
    for (int v = 0; v < g->n_values; v++) {
        const IrType *t = &g->values[v].type;
        for (int k = 0; k < t->rank; k++) {
            if (t->dims[k].sym >= 0) {
                const char *s = g->symbols[t->dims[k].sym].name;
                diag_at(d, g->source_path, NULL, NULL,
                        "symbol '%s' is unbound (it sizes value '%s'); code generation needs "
                        "static shapes: pass --bind %s=N",
                        s, g->values[v].name, s);
                return false;
            }
        }
    }
    return ir_infer_shapes(g, d);
}
