/* The verifier's part for model facts (ir.h: IrMetadata, IrState, IrEntry): that states match
 * the KvAttention nodes that use them and that each entry is a closed function of its inputs.
 * Called by ir_verify once the nodes are known to be well formed. */
#include "ir.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool vf_fail(Diag *d, const IrGraph *g, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool vf_fail(Diag *d, const IrGraph *g, const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_at(d, g->source_path, NULL, NULL, "%s", buf);
    return false;
}

static bool vf_meta(const IrGraph *g, Diag *d) {
    const IrMetadata *m = &g->meta;
    const char *names[] = {"bos_token_id", "eos_token_id", "pad_token_id"};
    const int64_t ids[] = {m->bos_token_id, m->eos_token_id, m->pad_token_id};
    for (int i = 0; i < 3; i++)
        if (ids[i] < -1)
            return vf_fail(d, g, "metadata %s is %" PRId64 " (must be >= 0, or -1 for none)",
                           names[i], ids[i]);
    return true;
}

static bool vf_states(const IrGraph *g, Diag *d) {
    for (int i = 0; i < g->n_states; i++) {
        const IrState *s = &g->states[i];
        if (s->kind != IR_STATE_KV_CACHE || s->layer < 0 || s->capacity < 1 || s->kv_heads < 1 ||
            s->head_dim < 1 || (unsigned)s->dtype >= IR_DTYPE_COUNT || !ir_dtype_is_float(s->dtype))
            return vf_fail(d, g,
                           "KV cache state of layer %" PRId64 " is malformed (needs layer >= 0, a "
                           "float dtype, capacity, kv_heads and head_dim >= 1)",
                           s->layer);
        if (ir_state_find(g, s->layer) != i)
            return vf_fail(d, g, "KV cache state of layer %" PRId64 " is declared twice", s->layer);
        int64_t bytes; /* keys and values: 2 x capacity x kv_heads x head_dim elements */
        if (__builtin_mul_overflow(s->capacity, s->kv_heads, &bytes) ||
            __builtin_mul_overflow(bytes, s->head_dim, &bytes) ||
            __builtin_mul_overflow(bytes, (int64_t)(2 * ir_dtype_size(s->dtype)), &bytes))
            return vf_fail(d, g,
                           "KV cache state of layer %" PRId64 " (%" PRId64 " tokens x %" PRId64
                           " heads x %" PRId64 " of %s) does not fit in 2^63 bytes",
                           s->layer, s->capacity, s->kv_heads, s->head_dim,
                           ir_dtype_name(s->dtype));
    }
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        if (n->op != IR_OP_KV_ATTENTION) continue;
        int si = ir_state_find(g, ir_attr_int(n, "layer"));
        if (si < 0) {
            ir_node_error(d, g, n, "no KV cache state is declared for layer %" PRId64,
                          ir_attr_int(n, "layer"));
            return false;
        }
        const IrState *s = &g->states[si];
        const IrType *k = &ir_value(g, n->inputs[1])->type;
        if (s->capacity != ir_attr_int(n, "max_context") || k->rank != 3 ||
            !ir_dim_equal(k->dims[1], ir_dim_const(s->kv_heads)) ||
            !ir_dim_equal(k->dims[2], ir_dim_const(s->head_dim))) {
            ir_node_error(d, g, n,
                          "its keys or max_context do not match the KV cache state of layer "
                          "%" PRId64 " (capacity %" PRId64 ", %" PRId64 " heads of %" PRId64 ")",
                          s->layer, s->capacity, s->kv_heads, s->head_dim);
            return false;
        }
    }
    return true;
}

/* Entry names become parts of C identifiers in generated code. */
static bool vf_entry_name_ok(const char *s) {
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

static int vf_index_of(const int *list, int n, int v) {
    for (int i = 0; i < n; i++)
        if (list[i] == v) return i;
    return -1;
}

/* Each entry: a valid unique name, graph inputs and outputs without repeats, and a node set
 * that reads no graph input the entry does not take. */
static bool vf_entry(const IrGraph *g, int ei, bool *need, int *covered, Diag *d) {
    const IrEntry *e = &g->entries[ei];
    if (!vf_entry_name_ok(e->name))
        return vf_fail(d, g, "entry name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
                       e->name);
    if (ir_entry_find(g, e->name) != ei)
        return vf_fail(d, g, "entry '%s' is declared twice", e->name);
    if (e->n_outputs < 1) return vf_fail(d, g, "entry '%s' has no outputs", e->name);
    for (int i = 0; i < e->n_inputs; i++) {
        int v = e->inputs[i];
        if (ir_input_slot(g, v) < 0 || vf_index_of(e->inputs, i, v) >= 0)
            return vf_fail(d, g, "entry '%s': input %d is not a graph input or repeats one",
                           e->name, i);
    }
    for (int i = 0; i < e->n_outputs; i++) {
        int v = e->outputs[i];
        int at = ir_output_slot(g, v);
        if (at < 0 || vf_index_of(e->outputs, i, v) >= 0)
            return vf_fail(d, g, "entry '%s': output %d is not a graph output or repeats one",
                           e->name, i);
        covered[at] = 1;
        if (ir_input_slot(g, v) >= 0 && vf_index_of(e->inputs, e->n_inputs, v) < 0)
            return vf_fail(d, g, "entry '%s' returns a graph input it does not take", e->name);
    }
    ir_entry_nodes(g, e, need);
    for (int ni = 0; ni < g->n_nodes; ni++) {
        if (!need[ni]) continue;
        const IrNode *n = &g->nodes[ni];
        for (int k = 0; k < n->n_inputs; k++) {
            int v = n->inputs[k];
            if (v >= 0 && ir_input_slot(g, v) >= 0 && vf_index_of(e->inputs, e->n_inputs, v) < 0) {
                ir_node_error(d, g, n,
                              "it belongs to entry '%s' but reads graph input '%s', "
                              "which that entry does not take",
                              e->name, ir_value(g, v)->name);
                return false;
            }
        }
    }
    return true;
}

bool ir_verify_facts(const IrGraph *g, Diag *d) {
    if (!vf_meta(g, d) || !vf_states(g, d)) return false;
    if (g->n_entries == 0) return true;
    bool *need = calloc((size_t)g->n_nodes + 1, sizeof *need);
    int *covered = calloc((size_t)g->n_outputs + 1, sizeof *covered);
    KILN_ASSERT(need && covered);
    bool ok = true;
    for (int ei = 0; ei < g->n_entries && ok; ei++) ok = vf_entry(g, ei, need, covered, d);
    for (int i = 0; i < g->n_outputs && ok; i++)
        if (!covered[i])
            ok = vf_fail(d, g, "graph output '%s' belongs to no entry",
                         ir_value(g, g->outputs[i])->name);
    free(need);
    free(covered);
    return ok;
}
