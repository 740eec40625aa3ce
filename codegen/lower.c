/* Lowering: the planned graph becomes the backend-neutral module of codegen/module.h. Every
 * backend renders the same module, so the payload layout, the workspace size, the KV layout
 * the entries' node lists and each node's kernel record are decided here once. */
#include "module.h"

#include <stdlib.h>
#include <string.h>

void cg_weights_layout(const IrGraph *g, CgWeightsLayout *w); /* lower_weights.c */

static int *cg_ints(int n) {
    int *p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    KILN_ASSERT(p != NULL);
    return p;
}

/* Fills e from entry ie of the graph, or (ie NULL) as the implicit entry "run" over every
 * input, output and node. */
static void cg_entry(const IrGraph *g, const IrEntry *ie, CgEntry *e) {
    e->name = ie ? ie->name : "run";
    e->n_inputs = ie ? ie->n_inputs : g->n_inputs;
    e->n_outputs = ie ? ie->n_outputs : g->n_outputs;
    e->input_slots = cg_ints(e->n_inputs);
    e->output_slots = cg_ints(e->n_outputs);
    /* the verifier checked that entries take graph inputs and return graph outputs */
    for (int i = 0; i < e->n_inputs; i++)
        e->input_slots[i] = ie ? ir_input_slot(g, ie->inputs[i]) : i;
    for (int i = 0; i < e->n_outputs; i++)
        e->output_slots[i] = ie ? ir_output_slot(g, ie->outputs[i]) : i;
    bool *need = calloc((size_t)g->n_nodes + 1, sizeof *need);
    KILN_ASSERT(need != NULL);
    if (ie)
        ir_entry_nodes(g, ie, need);
    else
        memset(need, 1, (size_t)g->n_nodes);
    e->nodes = cg_ints(g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++)
        if (need[i]) e->nodes[e->n_nodes++] = i;
    free(need);
}

/* Appends a 64-byte aligned region of bytes to the workspace; its offset into *offset. False
 * when the workspace size overflows. */
static bool cg_workspace_region(CgModule *m, int64_t bytes, int64_t *offset) {
    if (m->workspace_bytes > INT64_MAX - 63) return false;
    int64_t at = (m->workspace_bytes + 63) / 64 * 64;
    if (bytes < 0 || at > INT64_MAX - bytes) return false;
    *offset = at;
    m->workspace_bytes = at + bytes;
    return true;
}

/* A decoder's prefill staging after the memory plan's arena: the logits f32[P, vocab] the
 * prefill entry writes before the host copies the caller's n rows out, and the padded token
 * ids and positions i64[P] the host fills (runtime/krt_model.h). */
static bool cg_decoder_staging(CgModule *m, Diag *d) {
    int64_t p = m->decoder.max_prefill, v = m->decoder.vocab;
    bool ok = p > 0 && v > 0 && p <= INT64_MAX / 4 / v && p <= INT64_MAX / 8;
    ok = ok && cg_workspace_region(m, p * v * 4, &m->scratch_offset);
    ok = ok && cg_workspace_region(m, p * 8, &m->prefill_ids_offset);
    ok = ok && cg_workspace_region(m, p * 8, &m->prefill_positions_offset);
    if (!ok) {
        diag_at(d, m->g->source_path, NULL, NULL, "the workspace size overflows");
        return false;
    }
    m->scratch_bytes = p * v * 4;
    return true;
}

/* One kernel record per node (lower_kernels.c); a node none describes is an error naming it. */
static bool cg_lower_kernels(const IrGraph *g, CgModule *m, Diag *d) {
    m->kernels = calloc((size_t)(g->n_nodes > 0 ? g->n_nodes : 1), sizeof *m->kernels);
    KILN_ASSERT(m->kernels != NULL);
    bool ok = true;
    for (int i = 0; i < g->n_nodes; i++) {
        char why[256];
        if (cg_lower_kernel(g, i, &m->kernels[i], why, sizeof why)) continue;
        ir_node_error(d, g, &g->nodes[i], "%s", why);
        ok = false;
    }
    return ok;
}

bool cg_lower(const IrGraph *g, CgModule *m, Diag *d) {
    memset(m, 0, sizeof *m);
    m->g = g;
    if (g->n_states > 0) {
        if (!ir_decoder_layout(g, &m->decoder, d)) return false;
        m->is_decoder = true;
        const IrDecoder *dec = &m->decoder;
        CgKvLayout *kv = &m->kv;
        kv->layers = dec->layers;
        kv->capacity = dec->max_context;
        kv->kv_heads = dec->kv_heads;
        kv->head_dim = dec->head_dim;
        kv->dtype = dec->kv_dtype;
        /* ir_decoder_layout checked that both fit int64 */
        kv->bytes_per_token = (uint64_t)dec->kv_bytes_per_token;
        kv->bytes = (uint64_t)dec->kv_bytes;
    }
    m->workspace_bytes = g->arena_bytes;
    if (m->is_decoder && !cg_decoder_staging(m, d)) return false;

    m->n_entries = m->is_decoder ? 2 : 1;
    m->entries = calloc((size_t)m->n_entries, sizeof *m->entries);
    KILN_ASSERT(m->entries != NULL);
    if (m->is_decoder) {
        cg_entry(g, m->decoder.prefill, &m->entries[0]);
        cg_entry(g, m->decoder.decode, &m->entries[1]);
    } else {
        cg_entry(g, NULL, &m->entries[0]);
    }
    cg_weights_layout(g, &m->weights);
    return cg_lower_kernels(g, m, d);
}

void cg_module_free(CgModule *m) {
    for (int i = 0; i < m->n_entries; i++) {
        free(m->entries[i].input_slots);
        free(m->entries[i].output_slots);
        free(m->entries[i].nodes);
    }
    free(m->entries);
    for (int i = 0; m->kernels && i < m->g->n_nodes; i++) cg_kernel_free(&m->kernels[i]);
    free(m->kernels);
    free(m->weights.offsets);
    memset(m, 0, sizeof *m);
}
