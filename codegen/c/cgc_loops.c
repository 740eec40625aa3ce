/* Loop nests with constant bounds for the light ops (elementwise, data movement). */
#include "cgc.h"

#include <string.h>

void cgc_broadcast_strides(const IrType *in, const IrType *out, int64_t *strides) {
    int64_t own[IR_MAX_RANK];
    cgc_strides(in, own);
    int lead = out->rank - in->rank;
    for (int d = 0; d < out->rank; d++) {
        int k = d - lead;
        strides[d] = (k < 0 || in->dims[k].size == 1) ? 0 : own[k];
    }
}

/* Drops dims of size 1 and merges neighbours that are contiguous for every operand. */
static void cgc_nest_simplify(const CgcNest *in, CgcNest *out) {
    *out = *in;
    out->rank = 0;
    for (int d = 0; d < in->rank; d++) {
        if (in->dims[d] == 1) continue;
        int r = out->rank;
        bool merge = r > 0;
        for (int k = 0; k < in->n_operands && merge; k++)
            if (out->strides[k][r - 1] != in->strides[k][d] * in->dims[d]) merge = false;
        if (merge) {
            out->dims[r - 1] *= in->dims[d];
            for (int k = 0; k < in->n_operands; k++) out->strides[k][r - 1] = in->strides[k][d];
        } else {
            out->dims[r] = in->dims[d];
            for (int k = 0; k < in->n_operands; k++) out->strides[k][r] = in->strides[k][d];
            out->rank++;
        }
    }
}

/* Writes the element index of operand k: base + i0 * s0 + i1 * s1 + ... */
static void cgc_put_index(FILE *f, const CgcNest *n, int k) {
    bool any = false;
    if (n->base[k] != 0) {
        fprintf(f, "%lld", (long long)n->base[k]);
        any = true;
    }
    for (int d = 0; d < n->rank; d++) {
        int64_t s = n->strides[k][d];
        if (s == 0) continue;
        if (any) fputs(" + ", f);
        if (s == 1)
            fprintf(f, "i%d", d);
        else
            fprintf(f, "i%d * %lld", d, (long long)s);
        any = true;
    }
    if (!any) fputs("0", f);
}

void cgc_emit_nest(CgcEmitter *e, const CgcNest *nest, const char *stmt) {
    for (int d = 0; d < nest->rank; d++)
        if (nest->dims[d] == 0) return;
    CgcNest n;
    cgc_nest_simplify(nest, &n);
    FILE *f = e->f;
    for (int d = 0; d < n.rank; d++)
        fprintf(f, "%*sfor (ptrdiff_t i%d = 0; i%d < %lld; i%d++) {\n", 4 * (d + 1), "", d, d,
                (long long)n.dims[d], d);
    fprintf(f, "%*s", 4 * (n.rank + 1), "");
    for (const char *p = stmt; *p; p++) {
        if (*p == '$' && p[1] >= '0' && p[1] < '0' + n.n_operands) {
            cgc_put_index(f, &n, p[1] - '0');
            p++;
        } else {
            fputc(*p, f);
        }
    }
    fputc('\n', f);
    for (int d = n.rank - 1; d >= 0; d--) fprintf(f, "%*s}\n", 4 * (d + 1), "");
}
