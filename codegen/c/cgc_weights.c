/* The weights: where each constant goes in the payload, the layout hash, and the two ways the
 * bytes leave kiln (a weights file, or a C file with a const array). Both hold exactly the
 * same bytes: a 64-byte header (see runtime/kiln_rt.h) then the payload. */
#include "cgc.h"

#include <stdlib.h>
#include <string.h>

#define CGC_WEIGHTS_ALIGN 64

/* FNV-1a, 64 bit: small, dependency-free, and enough to tell one model's weights from
 * another's (it is not a defence against tampering). */
static uint64_t cgc_fnv(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t cgc_fnv_u64(uint64_t h, uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(v >> (8 * i));
    return cgc_fnv(h, b, 8);
}

/* used[v] = value v is read by some node or is a graph output. */
static bool *cgc_values_used(const IrGraph *g) {
    bool *used = calloc((size_t)(g->n_values > 0 ? g->n_values : 1), sizeof *used);
    KILN_ASSERT(used != NULL);
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_inputs; j++)
            if (g->nodes[i].inputs[j] >= 0) used[g->nodes[i].inputs[j]] = true;
    for (int i = 0; i < g->n_outputs; i++) used[g->outputs[i]] = true;
    return used;
}

void cgc_weights_layout(const IrGraph *g, CgcWeights *w) {
    w->offsets = malloc(sizeof *w->offsets * (size_t)(g->n_values > 0 ? g->n_values : 1));
    KILN_ASSERT(w->offsets != NULL);
    bool *used = cgc_values_used(g);
    uint64_t at = 0, h = cgc_fnv(0xcbf29ce484222325ull, "kiln-weights-v1", 15);
    for (int v = 0; v < g->n_values; v++) {
        const IrValue *val = &g->values[v];
        w->offsets[v] = -1;
        if (!val->data || !used[v]) continue;
        w->offsets[v] = (int64_t)at;
        h = cgc_fnv_u64(h, (uint64_t)v);
        h = cgc_fnv_u64(h, (uint64_t)val->type.dtype);
        h = cgc_fnv_u64(h, (uint64_t)val->type.rank);
        for (int d = 0; d < val->type.rank; d++)
            h = cgc_fnv_u64(h, (uint64_t)val->type.dims[d].size);
        h = cgc_fnv_u64(h, at);
        h = cgc_fnv_u64(h, val->nbytes);
        h = cgc_fnv(h, val->data, val->nbytes);
        at += val->nbytes;
        at = (at + CGC_WEIGHTS_ALIGN - 1) / CGC_WEIGHTS_ALIGN * CGC_WEIGHTS_ALIGN;
    }
    free(used);
    w->payload_bytes = at;
    w->hash = h;
}

void cgc_weights_free(CgcWeights *w) {
    free(w->offsets);
    w->offsets = NULL;
}

uint64_t cgc_weights_file_bytes(const CgcWeights *w) {
    return 64 + w->payload_bytes;
}

static void cgc_weights_header(const CgcWeights *w, unsigned char hdr[64]) {
    memset(hdr, 0, 64);
    memcpy(hdr, "KILNWTS1", 8);
    hdr[8] = 1; /* format version, little-endian u32 */
    for (int i = 0; i < 8; i++) {
        hdr[16 + i] = (unsigned char)(w->payload_bytes >> (8 * i));
        hdr[24 + i] = (unsigned char)(w->hash >> (8 * i));
    }
}

/* Calls put(bytes, n, user) over the whole blob: header, then every constant and its padding
 * in layout order. */
typedef bool (*CgcPut)(const void *bytes, size_t n, void *user);

static bool cgc_weights_stream(const IrGraph *g, const CgcWeights *w, CgcPut put, void *user) {
    static const unsigned char zeros[CGC_WEIGHTS_ALIGN];
    unsigned char hdr[64];
    cgc_weights_header(w, hdr);
    if (!put(hdr, sizeof hdr, user)) return false;
    uint64_t at = 0;
    for (int v = 0; v < g->n_values; v++) {
        if (w->offsets[v] < 0) continue;
        KILN_ASSERT((uint64_t)w->offsets[v] >= at);
        if (!put(zeros, (size_t)((uint64_t)w->offsets[v] - at), user)) return false;
        const IrValue *val = &g->values[v];
        if (!put(val->data, val->nbytes, user)) return false;
        at = (uint64_t)w->offsets[v] + val->nbytes;
    }
    return put(zeros, (size_t)(w->payload_bytes - at), user);
}

static bool cgc_put_file(const void *bytes, size_t n, void *user) {
    return n == 0 || fwrite(bytes, 1, n, (FILE *)user) == n;
}

bool cgc_weights_write_file(const IrGraph *g, const CgcWeights *w, const char *path, Diag *d) {
    FILE *f = fopen(path, "wb");
    if (!f) {
        diag_error(d, "%s: cannot create the weights file", path);
        return false;
    }
    bool ok = cgc_weights_stream(g, w, cgc_put_file, f);
    if (fclose(f) != 0) ok = false;
    if (!ok) diag_error(d, "%s: cannot write the weights file", path);
    return ok;
}

/* Writes bytes as hex initializers, 16 per line. */
typedef struct CgcHexOut {
    FILE *f;
    uint64_t count;
} CgcHexOut;

static bool cgc_put_hex(const void *bytes, size_t n, void *user) {
    static const char digits[] = "0123456789abcdef";
    CgcHexOut *o = user;
    const unsigned char *p = bytes;
    for (size_t i = 0; i < n; i++) {
        char cell[6] = {'0', 'x', digits[p[i] >> 4], digits[p[i] & 15], ',', '\0'};
        fputs(cell, o->f);
        if (++o->count % 16 == 0) fputc('\n', o->f);
    }
    return !ferror(o->f);
}

bool cgc_weights_write_c(const IrGraph *g, const CgcWeights *w, const char *prefix,
                         const char *path, Diag *d) {
    FILE *f = fopen(path, "w");
    if (!f) {
        diag_error(d, "%s: cannot create the file", path);
        return false;
    }
    fprintf(f, "/* The weights of model '");
    cgc_put_comment_text(f, g->name);
    fprintf(f,
            "', compiled in: the same bytes as the weights file (a 64-byte header, then every\n"
            " * constant at a 64-byte aligned offset). Generated by kiln. */\n"
            "#include <stddef.h>\n\n"
            "const unsigned char *%s_weights_blob(void);\n\n"
            "_Alignas(64) static const unsigned char %s_blob[%llu] = {\n",
            prefix, prefix, (unsigned long long)cgc_weights_file_bytes(w));
    CgcHexOut o = {f, 0};
    bool ok = cgc_weights_stream(g, w, cgc_put_hex, &o);
    fprintf(f,
            "};\n\n/* The blob; its size is the header's %s weights-bytes constant. */\n"
            "const unsigned char *%s_weights_blob(void) {\n    return %s_blob;\n}\n",
            prefix, prefix, prefix);
    if (fclose(f) != 0) ok = false;
    if (!ok) diag_error(d, "%s: cannot write the file", path);
    return ok;
}
