/* The verifier: checks every structural invariant of a graph and that every recorded type is
 * what shape inference computes. Runs after frontends, after every pass in tests, and before
 * codegen. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

/* Per-value facts gathered in one walk. */
typedef struct VerValueInfo {
    int writers;  /* nodes listing it as an output */
    bool input;   /* a graph input */
    bool defined; /* available at the current point of the walk */
} VerValueInfo;

static void ver_graph_error(Diag *d, const IrGraph *g, const char *fmt, const char *name) {
    diag_at(d, g->source_path, NULL, NULL, fmt, name);
}

static bool ver_type(const IrGraph *g, const IrValue *v, Diag *d) {
    const IrType *t = &v->type;
    if ((unsigned)t->dtype >= IR_DTYPE_COUNT || t->rank < 0 || t->rank > IR_MAX_RANK) {
        ver_graph_error(d, g, "value '%s' has an invalid type", v->name);
        return false;
    }
    for (int i = 0; i < t->rank; i++) {
        if (t->dims[i].sym >= g->n_symbols || (t->dims[i].sym < 0 && t->dims[i].size < 0)) {
            ver_graph_error(d, g, "value '%s' has an invalid dimension", v->name);
            return false;
        }
    }
    return true;
}

static bool ver_attrs(const IrGraph *g, const IrNode *n, Diag *d) {
    for (int i = 0; i < n->n_attrs; i++) {
        const IrAttr *a = &n->attrs[i];
        const IrAttrSpec *s = ir_op_attr_spec(n->op, a->name);
        if (!s) {
            ir_node_error(d, g, n, "unknown attribute '%s'", a->name);
            return false;
        }
        if (s->kind != a->kind) {
            ir_node_error(d, g, n, "attribute '%s' must be of kind %s, got %s", a->name,
                          ir_attr_kind_name(s->kind), ir_attr_kind_name(a->kind));
            return false;
        }
        for (int j = 0; j < i; j++) {
            if (strcmp(n->attrs[j].name, a->name) == 0) {
                ir_node_error(d, g, n, "attribute '%s' is given twice", a->name);
                return false;
            }
        }
    }
    return true;
}

static int ver_cmp_names(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Node names must be unique: sort a copy of the name pointers and compare neighbours. */
static bool ver_node_names(const IrGraph *g, Diag *d) {
    if (g->n_nodes < 2) return true;
    const char **names = malloc(sizeof *names * (size_t)g->n_nodes);
    KILN_ASSERT(names != NULL);
    for (int i = 0; i < g->n_nodes; i++) names[i] = g->nodes[i].name;
    qsort(names, (size_t)g->n_nodes, sizeof *names, ver_cmp_names);
    bool ok = true;
    for (int i = 1; i < g->n_nodes && ok; i++) {
        if (strcmp(names[i - 1], names[i]) == 0) {
            ver_graph_error(d, g, "two nodes are named '%s'", names[i]);
            ok = false;
        }
    }
    free(names);
    return ok;
}

/* Checks one node's wiring, marks its outputs defined, and compares types with inference. */
static bool ver_node(const IrGraph *g, int ni, VerValueInfo *info, Diag *d) {
    const IrNode *n = &g->nodes[ni];
    const IrOpInfo *op = ir_op_info(n->op);
    if (n->n_inputs < op->min_inputs || (op->max_inputs >= 0 && n->n_inputs > op->max_inputs) ||
        n->n_outputs < op->min_outputs || n->n_outputs > op->max_outputs) {
        ir_node_error(d, g, n,
                      "has %d inputs and %d outputs; %s takes %d..%d inputs and %d..%d "
                      "outputs",
                      n->n_inputs, n->n_outputs, op->name, op->min_inputs, op->max_inputs,
                      op->min_outputs, op->max_outputs);
        return false;
    }
    if (!ver_attrs(g, n, d)) return false;
    IrType in_small[8], out_small[8];
    IrType *in = n->n_inputs <= 8 ? in_small : malloc(sizeof *in * (size_t)n->n_inputs);
    IrType *out = n->n_outputs <= 8 ? out_small : malloc(sizeof *out * (size_t)n->n_outputs);
    KILN_ASSERT(in && out);
    bool ok = true;
    for (int i = 0; i < n->n_inputs && ok; i++) {
        int v = n->inputs[i];
        if (v == -1 && i >= op->min_inputs) {
            memset(&in[i], 0, sizeof in[i]);
            in[i].rank = -1;
        } else if (v < 0 || v >= g->n_values) {
            ir_node_error(d, g, n, "input %d refers to no value", i);
            ok = false;
        } else if (!info[v].defined) {
            ir_node_error(d, g, n, "input %d ('%s') is used before it is defined", i,
                          g->values[v].name);
            ok = false;
        } else {
            in[i] = g->values[v].type;
        }
    }
    for (int i = 0; i < n->n_outputs && ok; i++) {
        int v = n->outputs[i];
        if (v < 0 || v >= g->n_values) {
            ir_node_error(d, g, n, "output %d refers to no value", i);
            ok = false;
        } else if (info[v].defined || g->values[v].producer != ni) {
            ir_node_error(d, g, n, "output '%s' is written by more than one producer",
                          g->values[v].name);
            ok = false;
        }
    }
    if (ok) ok = ir_infer_node(g, n, in, out, d);
    for (int i = 0; i < n->n_outputs && ok; i++) {
        const IrValue *v = &g->values[n->outputs[i]];
        if (!ir_type_equal(&v->type, &out[i])) {
            char have[256], want[256];
            ir_node_error(d, g, n, "output '%s' is recorded as %s but inference gives %s", v->name,
                          ir_type_str(g, &v->type, have, sizeof have),
                          ir_type_str(g, &out[i], want, sizeof want));
            ok = false;
        }
        info[n->outputs[i]].defined = true;
    }
    if (in != in_small) free(in);
    if (out != out_small) free(out);
    return ok;
}

bool ir_packed_reader_ok(const IrNode *n, int slot) {
    if ((n->op == IR_OP_LINEAR || n->op == IR_OP_FUSED_LINEAR) && slot == 1)
        return ir_attr_int(n, "transpose_w") == 1;
    return n->op == IR_OP_GATHER && slot == 0 && ir_attr_int(n, "axis") == 0;
}

/* A packed constant (ir/wformat.h) is read only where ir_packed_reader_ok allows it, and is no
 * graph output: every other op reads constants in their dtype's layout. */
static bool ver_packed_uses(const IrGraph *g, Diag *d) {
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++) {
            int v = n->inputs[i];
            if (v < 0 || !ir_wformat_is_packed(g->values[v].wformat)) continue;
            if (!ir_packed_reader_ok(n, i)) {
                ir_node_error(d, g, n,
                              "input %d reads constant '%s', stored as %s: only the weight of a "
                              "Linear with transpose_w=1 and the table of a Gather along axis 0 "
                              "may be",
                              i, g->values[v].name, ir_wformat_name(g->values[v].wformat));
                return false;
            }
        }
    }
    for (int i = 0; i < g->n_outputs; i++)
        if (ir_wformat_is_packed(g->values[g->outputs[i]].wformat)) {
            ver_graph_error(d, g, "graph output '%s' is a packed constant",
                            g->values[g->outputs[i]].name);
            return false;
        }
    return true;
}

bool ir_verify(const IrGraph *g, Diag *d) {
    VerValueInfo *info = calloc((size_t)(g->n_values ? g->n_values : 1), sizeof *info);
    KILN_ASSERT(info != NULL);
    bool ok = true;
    for (int v = 0; v < g->n_values && ok; v++) {
        const IrValue *val = &g->values[v];
        ok = ver_type(g, val, d);
        if (ok && ir_value_find(g, val->name) != v) {
            ver_graph_error(d, g, "two values are named '%s'", val->name);
            ok = false;
        }
        if (ok && val->data) {
            size_t nbytes;
            if (!ir_data_bytes(&val->type, val->wformat, &nbytes) || nbytes != val->nbytes) {
                ver_graph_error(d, g, "constant '%s' has data of the wrong size for its type",
                                val->name);
                ok = false;
            }
            info[v].defined = true;
        }
    }
    for (int i = 0; i < g->n_inputs && ok; i++) {
        int v = g->inputs[i];
        if (v < 0 || v >= g->n_values || info[v].input || g->values[v].data) {
            ver_graph_error(d, g, "graph input %s is invalid, repeated or a constant",
                            v >= 0 && v < g->n_values ? g->values[v].name : "?");
            ok = false;
        } else {
            info[v].input = info[v].defined = true;
        }
    }
    for (int ni = 0; ni < g->n_nodes && ok; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_outputs; i++) {
            int v = n->outputs[i];
            if (v >= 0 && v < g->n_values && ++info[v].writers > 1) {
                ir_node_error(d, g, n, "output '%s' is written by more than one node",
                              g->values[v].name);
                ok = false;
            }
        }
    }
    for (int ni = 0; ni < g->n_nodes && ok; ni++) ok = ver_node(g, ni, info, d);
    if (ok && g->n_outputs == 0) {
        diag_at(d, g->source_path, NULL, NULL, "the graph has no outputs");
        ok = false;
    }
    for (int i = 0; i < g->n_outputs && ok; i++) {
        int v = g->outputs[i];
        if (v < 0 || v >= g->n_values || !info[v].defined) {
            ver_graph_error(d, g, "graph output '%s' is never defined",
                            v >= 0 && v < g->n_values ? g->values[v].name : "?");
            ok = false;
        }
    }
    if (ok) ok = ver_node_names(g, d);
    if (ok) ok = ver_packed_uses(g, d);
    if (ok) ok = ir_verify_facts(g, d);
    free(info);
    return ok;
}
