/* Data movement, generated inline from the copy loops of the kernel records (Reshape,
 * Transpose, Concat, Split, Slice) or as a call to the byte-moving gather kernel. Every dtype
 * works: the loops copy elements of the value's C type. */
#include "cgc.h"

#include <string.h>

/* Renders copy loop l: "y<o>[$0] = x<i>[$1];". */
static void cgc_emit_copy(CgcEmitter *e, const CgLoop *l) {
    char stmt[64];
    snprintf(stmt, sizeof stmt, "y%d[$0] = x%d[$1];", l->operands[0].slot, l->operands[1].slot);
    cgc_emit_loop(e, l, stmt);
}

/* Every loop of node n's record, in order (Concat: one per input; Split: one per output). */
static bool cgc_emit_copies(CgcEmitter *e, const IrNode *n) {
    const CgKernel *k = cgc_kernel(e, n);
    for (int i = 0; i < k->n_loops; i++) cgc_emit_copy(e, &k->loops[i]);
    return true;
}

bool cgc_emit_reshape(CgcEmitter *e, const IrNode *n) {
    const CgKernel *k = cgc_kernel(e, n);
    size_t bytes =
        k->n_loops ? (size_t)k->loops[0].dims[0] * ir_dtype_size(cgc_in_type(e, n, 0)->dtype) : 0;
    if (k->n_loops == 0) {
        fputs("    /* the memory plan gave the output the input's bytes: nothing to move */\n"
              "    (void)x0;\n    (void)y0;\n",
              e->f);
    } else if (bytes > 0) {
        /* memmove: the planner may let the bytes overlap */
        fprintf(e->f, "    memmove(y0, x0, %zu);\n", bytes);
    }
    return true;
}

bool cgc_emit_transpose(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_copies(e, n);
}
bool cgc_emit_concat(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_copies(e, n);
}
bool cgc_emit_split(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_copies(e, n);
}
bool cgc_emit_slice(CgcEmitter *e, const IrNode *n) {
    return cgc_emit_copies(e, n);
}

bool cgc_emit_gather(CgcEmitter *e, const IrNode *n) {
    const IrType *idx = cgc_in_type(e, n, 1);
    if (idx->dtype != IR_DTYPE_I32 && idx->dtype != IR_DTYPE_I64)
        return cgc_unsupported_dtype(e, n, idx->dtype);
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* outer axis_len n_indices row */
    if (c->id == CG_KRT_GATHER_WF) {
        /* p: axis_len n_indices row format */
        fprintf(e->f,
                "    /* table [%lld, %lld] stored as %s, %lld rows read */\n"
                "    return %s(x0, x1, y0, %lld, %lld, %lld, %d) ? KILN_OK : KILN_ERR_INDEX;\n",
                (long long)p[0], (long long)p[2], ir_wformat_name((IrWFormat)p[3]), (long long)p[1],
                c->symbol, (long long)p[0], (long long)p[1], (long long)p[2], (int)p[3]);
        return true;
    }
    fprintf(e->f,
            "    /* data [%lld, %lld, %lld] along its middle dim, %lld indices */\n"
            "    return %s(x0, x1, y0, %lld, %lld, %lld, %lld * sizeof *x0) ? KILN_OK "
            ": KILN_ERR_INDEX;\n",
            (long long)p[0], (long long)p[1], (long long)p[3], (long long)p[2], c->symbol,
            (long long)p[0], (long long)p[1], (long long)p[2], (long long)p[3]);
    return true;
}
