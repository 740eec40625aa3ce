/* Loop nests with constant bounds for the light ops (elementwise, data movement), from the
 * loop records of the module and the batches of its calls. */
#include "cgc.h"

#include <string.h>

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

/* The nest over dims[rank] of operands ops[0..n). */
static void cgc_nest_fill(CgcNest *nest, int rank, const int64_t *dims, int n,
                          const CgOperand *ops) {
    KILN_ASSERT(n <= CGC_MAX_OPERANDS);
    memset(nest, 0, sizeof *nest);
    nest->rank = rank;
    memcpy(nest->dims, dims, sizeof nest->dims);
    nest->n_operands = n;
    for (int k = 0; k < n; k++) {
        nest->base[k] = ops[k].base;
        memcpy(nest->strides[k], ops[k].strides, sizeof nest->strides[k]);
    }
}

void cgc_nest_of_loop(const CgLoop *l, CgcNest *nest) {
    cgc_nest_fill(nest, l->rank, l->dims, l->n_operands, l->operands);
}

void cgc_nest_of_call(const CgCall *c, CgcNest *nest) {
    cgc_nest_fill(nest, c->batch_rank, c->batch_dims, c->n_operands, c->operands);
}

void cgc_emit_loop(CgcEmitter *e, const CgLoop *l, const char *stmt) {
    CgcNest nest;
    cgc_nest_of_loop(l, &nest);
    cgc_emit_nest(e, &nest, stmt);
}

const char *cgc_operand_name(const CgOperand *o, char *buf, size_t cap) {
    if (o->absent)
        snprintf(buf, cap, "NULL");
    else
        snprintf(buf, cap, "%s%d", o->output ? "y" : "x", o->slot);
    return buf;
}
