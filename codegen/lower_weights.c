/* The weights payload layout and its checksum (codegen/module.h), shared by every backend. */
#include "module.h"

#include <stdlib.h>


/* FNV-1a, 64 bit: small, dependency-free, and enough to tell one model's weights from
 * another's (it is not a defence against tampering). */
static uint64_t cg_fnv(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t cg_fnv_u64(uint64_t h, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return cg_fnv(h, b, 8);
}

/* used[v] = value v is read by some node or is a graph output. */
static bool *cg_values_used(const IrGraph *g) {
    bool *used = calloc((size_t)(g->n_values > 0 ? g->n_values : 1), sizeof *used);
    KILN_ASSERT(used != NULL);
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_inputs; j++)
            if (g->nodes[i].inputs[j] >= 0) used[g->nodes[i].inputs[j]] = true;
    for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
    return used;
}

/* Lays out every used constant in value order and hashes layout and data. */
void cg_weights_layout(const IrGraph *g, CgWeightsLayout *w) {
    w->offsets = malloc(sizeof *w->offsets * (size_t)(g->n_values > 0 ? g->n_values : 1));
    KILN_ASSERT(w->offsets != NULL);
    bool *used = cg_values_used(g);
    uint64_t at = 0, h = cg_fnv(0xcbf29ce484222325ull, "kiln-weights-v1", 15);
    for (int v = 0; v < g->n_values; v++) {
        const IrValue *val = &g->values[v];
        w->offsets[v] = -1;
        if (!val->data || !used[v]) continue;
        w->offsets[v] = (int64_t)at;
        h = cg_fnv_u64(h, (uint64_t)v);
        h = cg_fnv_u64(h, (uint64_t)val->type.dtype);
        h = cg_fnv_u64(h, (uint64_t)val->type.rank);
        for (int d = 0; d < val->type.rank; d++)
            h = cg_fnv_u64(h, (uint64_t)val->type.dims[d].size);
        h = cg_fnv_u64(h, at);
        h = cg_fnv_u64(h, val->nbytes);
        h = cg_fnv(h, val->data, val->nbytes);
        at += val->nbytes;
        at = (at + CG_WEIGHTS_ALIGN - 1) / CG_WEIGHTS_ALIGN * CG_WEIGHTS_ALIGN;
    }
    free(used);
    w->payload_bytes = at;
    w->hash = h;
}

uint64_t cg_weights_file_bytes(const CgWeightsLayout *w) {
    return 64 + w->payload_bytes;
}
