/* The "index" op family (ir/ops_index.h) in the C backend, generated inline as loops with the
 * shapes as constants. Every index is checked before it is used: an index out of range zeroes
 * the node's outputs and makes its function return KILN_ERR_INDEX, which the entry points pass
 * to the caller (they are flagged IR_OPF_STATUS in the op table). */
#include "cgc.h"

#include <string.h>

/* Whether node functions of the index ops return int (KILN_OK / KILN_ERR_INDEX): always, as
 * the backend's one predicate says; every emitter below ends each path with a return. */
static bool cgc_index_status(const IrNode *n) {
    return cgc_node_returns_status(n);
}

/* Writes a comma-separated list of count integers. */
static void cgc_put_ints(FILE *f, const int64_t *v, int count) {
    for (int i = 0; i < count; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)v[i]);
}

/* Writes the end of a node function whose loops jump to `bad` on an index out of range: the
 * normal return, then the error path, which zeroes every output. */
static void cgc_index_end(CgcEmitter *e, const IrNode *n) {
    bool status = cgc_index_status(n);
    fputs(status ? "    return KILN_OK;\nbad:\n" : "    return;\nbad:\n", e->f);
    for (int j = 0; j < n->n_outputs; j++) {
        size_t bytes = 0;
        KILN_ASSERT(ir_type_nbytes(cgc_out_type(e, n, j), &bytes));
        if (bytes > 0) fprintf(e->f, "    memset(y%d, 0, %zu);\n", j, bytes);
    }
    fputs(status ? "    return KILN_ERR_INDEX;\n" : "    ;\n", e->f);
}

/* Writes the statements that resolve index expression `expr` against a dim of size `len` into
 * the int64_t variable `var`, jumping to bad when out of range. */
static void cgc_index_resolve(CgcEmitter *e, const char *indent, const char *var, const char *expr,
                              const char *len) {
    fprintf(e->f,
            "%s%s = (int64_t)%s;\n%sif (%s < 0) %s += %s;\n%sif (%s < 0 || %s >= %s) goto bad;\n",
            indent, var, expr, indent, var, var, len, indent, var, var, len);
}

static bool cgc_index_dtype_ok(const CgcEmitter *e, const IrNode *n, int slot) {
    IrDtype t = cgc_in_type(e, n, slot)->dtype;
    if (t == IR_DTYPE_I32 || t == IR_DTYPE_I64) return true;
    return cgc_unsupported_dtype(e, n, t);
}

/* The no-op body for a node whose output is empty. */
static bool cgc_index_empty(CgcEmitter *e, const IrNode *n) {
    for (int j = 0; j < n->n_outputs; j++)
        if (cgc_numel(cgc_out_type(e, n, j)) != 0) return false;
    for (int j = 0; j < n->n_inputs; j++) fprintf(e->f, "    (void)x%d;\n", j);
    for (int j = 0; j < n->n_outputs; j++) fprintf(e->f, "    (void)y%d;\n", j);
    if (cgc_index_status(n)) fputs("    return KILN_OK;\n", e->f);
    return true;
}

bool cgc_emit_gather_elements(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *ind = cgc_in_type(e, n, 1);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    if (!cgc_index_dtype_ok(e, n, 1)) return false;
    if (cgc_index_empty(e, n)) return true;
    int64_t dims[IR_MAX_RANK], xs[IR_MAX_RANK];
    char len[32];
    for (int d = 0; d < ind->rank; d++) dims[d] = ind->dims[d].size;
    cgc_strides(x, xs);
    snprintf(len, sizeof len, "%lld", (long long)x->dims[axis].size);
    FILE *f = e->f;
    fprintf(f,
            "    /* indices dims, data strides; axis %d */\n    static const int64_t dims[%d] = {",
            axis, ind->rank);
    cgc_put_ints(f, dims, ind->rank);
    fprintf(f, "};\n    static const int64_t xs[%d] = {", ind->rank);
    cgc_put_ints(f, xs, ind->rank);
    fprintf(f,
            "};\n    for (int64_t p = 0; p < %lld; p++) {\n"
            "        int64_t r = p, off = 0, c;\n"
            "        for (int d = %d; d >= 0; d--) {\n"
            "            c = r %% dims[d];\n            r /= dims[d];\n"
            "            if (d == %d) {\n",
            (long long)cgc_numel(ind), ind->rank - 1, axis);
    cgc_index_resolve(e, "                ", "c", "x1[p]", len);
    fputs("            }\n            off += c * xs[d];\n        }\n        y0[p] = x0[off];\n"
          "    }\n",
          f);
    cgc_index_end(e, n);
    return true;
}

bool cgc_emit_gather_nd(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *ind = cgc_in_type(e, n, 1);
    if (!cgc_index_dtype_ok(e, n, 1)) return false;
    if (cgc_index_empty(e, n)) return true;
    int b = (int)ir_attr_int(n, "batch_dims");
    int k = (int)ind->dims[ind->rank - 1].size;
    int64_t xs[IR_MAX_RANK], xd[IR_MAX_RANK], batches = 1, per_batch = 1, slice = 1;
    cgc_strides(x, xs);
    for (int d = 0; d < x->rank; d++) xd[d] = x->dims[d].size;
    for (int d = 0; d < b; d++) batches *= xd[d];
    for (int d = b; d < ind->rank - 1; d++) per_batch *= ind->dims[d].size;
    for (int d = b + k; d < x->rank; d++) slice *= xd[d];
    int64_t batch_size = b > 0 ? xs[b - 1] : cgc_numel(x);
    FILE *f = e->f;
    fprintf(f,
            "    /* data as [%lld batches][...]; %lld tuples of %d indices per batch, each "
            "selecting %lld elements */\n    static const int64_t xd[%d] = {",
            (long long)batches, (long long)per_batch, k, (long long)slice, k);
    cgc_put_ints(f, xd + b, k);
    fprintf(f, "};\n    static const int64_t xs[%d] = {", k);
    cgc_put_ints(f, xs + b, k);
    fprintf(f,
            "};\n    for (int64_t t = 0; t < %lld; t++) {\n"
            "        int64_t off = t / %lld * %lld, c;\n"
            "        for (int j = 0; j < %d; j++) {\n",
            (long long)(batches * per_batch), (long long)per_batch, (long long)batch_size, k);
    char expr[64];
    snprintf(expr, sizeof expr, "x1[t * %d + j]", k);
    cgc_index_resolve(e, "            ", "c", expr, "xd[j]");
    fprintf(f,
            "            off += c * xs[j];\n        }\n"
            "        memcpy(y0 + t * %lld, x0 + off, %lld * sizeof *x0);\n    }\n",
            (long long)slice, (long long)slice);
    cgc_index_end(e, n);
    return true;
}

/* The statement "y0[OFF] (op)= UPD;" for reduction r over dtype t, into buf; false when the
 * dtype cannot take that reduction here. */
static bool cgc_reduce_stmt(IrIndexReduction r, IrDtype t, const char *off, const char *upd,
                            char *buf, size_t cap) {
    const char *wrap = t == IR_DTYPE_I64                      ? "uint64_t"
                       : t == IR_DTYPE_I32                    ? "uint32_t"
                       : t == IR_DTYPE_I8 || t == IR_DTYPE_U8 ? "uint8_t"
                                                              : NULL;
    bool is_float = t == IR_DTYPE_F32 || t == IR_DTYPE_F64;
    const char *T = cgc_ctype(t);
    if (r == IR_INDEX_RED_NONE) {
        snprintf(buf, cap, "y0[%s] = %s;", off, upd);
        return true;
    }
    if (!is_float && !wrap) return false;
    switch (r) {
    case IR_INDEX_RED_ADD:
    case IR_INDEX_RED_MUL: {
        char op = r == IR_INDEX_RED_ADD ? '+' : '*';
        if (wrap)
            snprintf(buf, cap, "y0[%s] = (%s)((%s)y0[%s] %c (%s)%s);", off, T, wrap, off, op, wrap,
                     upd);
        else
            snprintf(buf, cap, "y0[%s] = y0[%s] %c %s;", off, off, op, upd);
        return true;
    }
    case IR_INDEX_RED_MAX:
    case IR_INDEX_RED_MIN: {
        char op = r == IR_INDEX_RED_MAX ? '>' : '<';
        snprintf(buf, cap, "{ const %s v = %s; if (v %c y0[%s]%s) y0[%s] = v; }", T, upd, op, off,
                 is_float ? " || v != v" : "", off);
        return true;
    }
    case IR_INDEX_RED_NONE:
        break;
    }
    return false;
}

/* Copies data (x0) into the output unless the memory plan gave both the same bytes. */
static void cgc_copy_data(CgcEmitter *e, const IrNode *n) {
    const IrValue *in = ir_value(e->g, n->inputs[0]), *out = ir_value(e->g, n->outputs[0]);
    size_t bytes = 0;
    KILN_ASSERT(ir_type_nbytes(&out->type, &bytes));
    if (in->arena_offset >= 0 && in->arena_offset == out->arena_offset) return;
    if (bytes > 0) fprintf(e->f, "    memmove(y0, x0, %zu);\n", bytes);
}

bool cgc_emit_scatter_elements(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *ind = cgc_in_type(e, n, 1);
    IrIndexReduction r = (IrIndexReduction)ir_index_reduction(ir_attr_string(n, "reduction"));
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    if (!cgc_index_dtype_ok(e, n, 1)) return false;
    char stmt[256], len[32];
    if (!cgc_reduce_stmt(r, x->dtype, "off", "x2[p]", stmt, sizeof stmt))
        return cgc_unsupported_dtype(e, n, x->dtype);
    if (cgc_index_empty(e, n)) return true;
    FILE *f = e->f;
    fputs("    (void)x0;\n", f);
    cgc_copy_data(e, n);
    if (cgc_numel(ind) == 0) {
        fputs("    (void)x1;\n    (void)x2;\n", f);
        if (cgc_index_status(n)) fputs("    return KILN_OK;\n", f);
        return true;
    }
    int64_t dims[IR_MAX_RANK], xs[IR_MAX_RANK];
    for (int d = 0; d < ind->rank; d++) dims[d] = ind->dims[d].size;
    cgc_strides(x, xs);
    snprintf(len, sizeof len, "%lld", (long long)x->dims[axis].size);
    fprintf(f,
            "    /* indices dims, data strides; axis %d */\n    static const int64_t dims[%d] = {",
            axis, ind->rank);
    cgc_put_ints(f, dims, ind->rank);
    fprintf(f, "};\n    static const int64_t xs[%d] = {", ind->rank);
    cgc_put_ints(f, xs, ind->rank);
    fprintf(f, "};\n    int64_t c;\n    for (int64_t p = 0; p < %lld; p++) {\n",
            (long long)cgc_numel(ind));
    cgc_index_resolve(e, "        ", "c", "x1[p]", len);
    fprintf(f,
            "    }\n    for (int64_t p = 0; p < %lld; p++) {\n"
            "        int64_t r = p, off = 0;\n"
            "        for (int d = %d; d >= 0; d--) {\n"
            "            c = r %% dims[d];\n            r /= dims[d];\n"
            "            if (d == %d) {\n                c = (int64_t)x1[p];\n"
            "                if (c < 0) c += %s;\n            }\n"
            "            off += c * xs[d];\n        }\n        %s\n    }\n",
            (long long)cgc_numel(ind), ind->rank - 1, axis, len, stmt);
    cgc_index_end(e, n);
    return true;
}

bool cgc_emit_scatter_nd(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0), *ind = cgc_in_type(e, n, 1);
    IrIndexReduction r = (IrIndexReduction)ir_index_reduction(ir_attr_string(n, "reduction"));
    if (!cgc_index_dtype_ok(e, n, 1)) return false;
    char stmt[256];
    if (!cgc_reduce_stmt(r, x->dtype, "off + j", "x2[t * SLICE + j]", stmt, sizeof stmt))
        return cgc_unsupported_dtype(e, n, x->dtype);
    if (cgc_index_empty(e, n)) return true;
    int k = (int)ind->dims[ind->rank - 1].size;
    int64_t xs[IR_MAX_RANK], xd[IR_MAX_RANK], tuples = cgc_numel(ind) / k, slice = 1;
    cgc_strides(x, xs);
    for (int d = 0; d < x->rank; d++) xd[d] = x->dims[d].size;
    for (int d = k; d < x->rank; d++) slice *= xd[d];
    FILE *f = e->f;
    fputs("    (void)x0;\n", f);
    cgc_copy_data(e, n);
    if (tuples == 0) {
        fputs("    (void)x1;\n    (void)x2;\n", f);
        if (cgc_index_status(n)) fputs("    return KILN_OK;\n", f);
        return true;
    }
    fprintf(f, "    /* %lld tuples of %d indices, each updating %lld elements */\n",
            (long long)tuples, k, (long long)slice);
    fprintf(f, "    enum { SLICE = %lld };\n    static const int64_t xd[%d] = {", (long long)slice,
            k);
    cgc_put_ints(f, xd, k);
    fprintf(f, "};\n    static const int64_t xs[%d] = {", k);
    cgc_put_ints(f, xs, k);
    fprintf(f,
            "};\n    int64_t c;\n    for (int64_t t = 0; t < %lld; t++) {\n"
            "        for (int j = 0; j < %d; j++) {\n",
            (long long)tuples, k);
    char expr[64];
    snprintf(expr, sizeof expr, "x1[t * %d + j]", k);
    cgc_index_resolve(e, "            ", "c", expr, "xd[j]");
    fprintf(f,
            "        }\n    }\n    for (int64_t t = 0; t < %lld; t++) {\n        int64_t off = 0;\n"
            "        for (int j = 0; j < %d; j++) {\n            c = (int64_t)x1[t * %d + j];\n"
            "            off += (c < 0 ? c + xd[j] : c) * xs[j];\n        }\n"
            "        for (int64_t j = 0; j < SLICE; j++) %s\n    }\n",
            (long long)tuples, k, k, stmt);
    cgc_index_end(e, n);
    return true;
}

bool cgc_emit_one_hot(CgcEmitter *e, const IrNode *n) {
    const IrType *out = cgc_out_type(e, n, 0);
    if (!cgc_index_dtype_ok(e, n, 0)) return false;
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), out->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    if (cgc_numel(out) == 0) {
        fputs("    (void)x0;\n    (void)x1;\n    (void)y0;\n", e->f);
        if (cgc_index_status(n)) fputs("    return KILN_OK;\n", e->f);
        return true;
    }
    int64_t outer = 1, inner = 1, depth = out->dims[axis].size;
    for (int d = 0; d < axis; d++) outer *= out->dims[d].size;
    for (int d = axis + 1; d < out->rank; d++) inner *= out->dims[d].size;
    fprintf(e->f,
            "    /* indices [%lld, %lld] -> out [%lld, depth %lld, %lld]; an index outside "
            "[-depth, depth) gives a row of off values */\n"
            "    for (int64_t o = 0; o < %lld; o++) {\n"
            "        for (int64_t i = 0; i < %lld; i++) {\n"
            "            int64_t v = (int64_t)x0[o * %lld + i];\n"
            "            if (v < 0) v += %lld;\n"
            "            for (int64_t j = 0; j < %lld; j++) y0[(o * %lld + j) * %lld + i] = "
            "x1[j == v];\n        }\n    }\n",
            (long long)outer, (long long)inner, (long long)outer, (long long)depth,
            (long long)inner, (long long)outer, (long long)inner, (long long)inner,
            (long long)depth, (long long)depth, (long long)depth, (long long)inner);
    if (cgc_index_status(n)) fputs("    return KILN_OK;\n", e->f);
    return true;
}

/* Writes into buf the condition "candidate (av, ai) comes before (bv, bi)" in TopK's order:
 * larger (largest) or smaller first, NaN as the largest value for floats, ties by lower index. */
static void cgc_topk_before(bool largest, bool is_float, const char *av, const char *ai,
                            const char *bv, const char *bi, char *buf, size_t cap) {
    char op = largest ? '>' : '<';
    if (!is_float)
        snprintf(buf, cap, "(%s %c %s || (%s == %s && %s < %s))", av, op, bv, av, bv, ai, bi);
    else if (largest)
        snprintf(buf, cap,
                 "(%s != %s ? (%s == %s || %s < %s) : (%s == %s && (%s > %s || (%s == %s && %s < "
                 "%s))))",
                 av, av, bv, bv, ai, bi, bv, bv, av, bv, av, bv, ai, bi);
    else
        snprintf(buf, cap,
                 "(%s != %s ? (%s != %s && %s < %s) : (%s != %s || %s < %s || (%s == %s && %s < "
                 "%s)))",
                 av, av, bv, bv, ai, bi, bv, bv, av, bv, av, bv, ai, bi);
}

bool cgc_emit_topk(CgcEmitter *e, const IrNode *n) {
    const IrType *x = cgc_in_type(e, n, 0);
    if (x->dtype == IR_DTYPE_F16 || x->dtype == IR_DTYPE_BF16 || x->dtype == IR_DTYPE_BOOL)
        return cgc_unsupported_dtype(e, n, x->dtype);
    int axis;
    if (!cgc_axis(ir_attr_int(n, "axis"), x->rank, &axis))
        return cgc_node_fail(e, n, "axis is out of range");
    if (cgc_numel(cgc_out_type(e, n, 0)) == 0) {
        fputs("    (void)x0;\n    (void)y0;\n    (void)y1;\n", e->f);
        if (cgc_index_status(n)) fputs("    return KILN_OK;\n", e->f);
        return true;
    }
    int64_t outer = 1, inner = 1, len = x->dims[axis].size, k = ir_attr_int(n, "k");
    for (int d = 0; d < axis; d++) outer *= x->dims[d].size;
    for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d].size;
    bool largest = ir_attr_int(n, "largest") != 0, is_float = ir_dtype_is_float(x->dtype);
    char after_prev[512], better[512];
    cgc_topk_before(largest, is_float, "pv", "pi", "cv", "c", after_prev, sizeof after_prev);
    cgc_topk_before(largest, is_float, "cv", "c", "bv", "bi", better, sizeof better);
    const char *T = cgc_ctype(x->dtype);
    fprintf(e->f,
            "    /* x as [%lld, %lld, %lld]; pick j is the best candidate that comes after pick "
            "j-1 in the order (value, then lower index first) */\n"
            "    for (int64_t o = 0; o < %lld; o++) {\n"
            "        for (int64_t i = 0; i < %lld; i++) {\n"
            "            const %s *row = x0 + o * %lld + i;\n"
            "            %s pv = 0;\n            int64_t pi = -1;\n"
            "            for (int64_t j = 0; j < %lld; j++) {\n"
            "                %s bv = 0;\n                int64_t bi = -1;\n"
            "                for (int64_t c = 0; c < %lld; c++) {\n"
            "                    const %s cv = row[c * %lld];\n"
            "                    if (pi >= 0 && !%s) continue;\n"
            "                    if (bi < 0 || %s) {\n"
            "                        bv = cv;\n                        bi = c;\n"
            "                    }\n                }\n"
            "                y0[(o * %lld + j) * %lld + i] = bv;\n"
            "                y1[(o * %lld + j) * %lld + i] = bi;\n"
            "                pv = bv;\n                pi = bi;\n"
            "            }\n        }\n    }\n",
            (long long)outer, (long long)len, (long long)inner, (long long)outer, (long long)inner,
            T, (long long)(len * inner), T, (long long)k, T, (long long)len, T, (long long)inner,
            after_prev, better, (long long)k, (long long)inner, (long long)k, (long long)inner);
    if (cgc_index_status(n)) fputs("    return KILN_OK;\n", e->f);
    return true;
}
