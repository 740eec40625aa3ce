/* pass quantize: stores projection weights in the weight formats the user asked for
 * (docs/quantization.md), round to nearest per output channel (i8) or per group along the input
 * dimension (i4), with the format table of ir/wformat.h.
 *
 * A candidate is a constant f32[R, C] (dense or already packed) that some Linear/FusedLinear
 * reads as its weight (every Linear of a decoder, lm_head included), or a MatMul as its
 * right-hand side b[K, N] (with a left-hand side of rank >= 2: then MatMul(x, b) is
 * Linear(x, b, transpose_w=0) and becomes one), or that an override names.
 * Its format is the first --weights-override pattern (fnmatch glob on the tensor's name) that
 * matches, else --weights for weights some Linear reads, else it stays as it is (the stored
 * type a frontend kept: a bf16 checkpoint stays bf16). An embedding table read only by Gather
 * keeps its stored format unless an override names it or --weights is a float format (f32,
 * f16, bf16: a storage type); one tied to lm_head follows lm_head.
 * Packed rows run along the input dimension, so a weight read with transpose_w=0 (w[K, N]) is
 * transposed to [N, K] and its readers switched to transpose_w=1. A weight another op reads
 * stays dense (an error when an override names it), and K not a multiple of the format's
 * group is an error naming the tensor. */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pass_util.h"

#define QZ_MAX_OVERRIDES 64

typedef struct QzOverride {
    char pattern[256];
    IrWFormat format;
    bool used;
} QzOverride;

/* Parses "PATTERN=TYPE,..." into o[]; false with a message. */
static int qz_parse_overrides(const char *spec, QzOverride *o, Diag *d) {
    int n = 0;
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        char type[32];
        size_t plen = eq ? (size_t)(eq - p) : 0, tlen = eq ? len - plen - 1 : 0;
        if (!eq || plen == 0 || plen >= sizeof o[0].pattern || tlen == 0 || tlen >= sizeof type) {
            diag_error(d, "--weights-override: '%.*s' must be PATTERN=TYPE", (int)len, p);
            return -1;
        }
        if (n == QZ_MAX_OVERRIDES) {
            diag_error(d, "--weights-override: more than %d patterns", QZ_MAX_OVERRIDES);
            return -1;
        }
        memcpy(o[n].pattern, p, plen);
        o[n].pattern[plen] = '\0';
        memcpy(type, eq + 1, tlen);
        type[tlen] = '\0';
        if (!ir_wformat_parse(type, &o[n].format)) {
            diag_error(d,
                       "--weights-override: unknown type '%s' for '%s' (f32 f16 bf16 i8 i4g32 "
                       "i4g64 i4g128 i4g32a i4g64a i4g128a)",
                       type, o[n].pattern);
            return -1;
        }
        o[n].used = false;
        n++;
        p += len;
        if (*p == ',') p++;
    }
    return n;
}

/* How constant v is read: by Linear weights with transpose_w 1 / 0, by Gather tables, by
 * anything else (the first such node in *other). */
typedef struct QzUse {
    int linear_t, linear_n, gather, other_node;
} QzUse;

/* MatMul(x, b) with x of rank >= 2 and b the constant [K, N] in slot 1: Linear's product. */
static bool qz_is_matmul_weight(const IrGraph *g, const IrNode *n, int slot) {
    return n->op == IR_OP_MATMUL && slot == 1 && n->inputs[0] >= 0 &&
           g->values[n->inputs[0]].type.rank >= 2 && g->values[n->inputs[1]].type.rank == 2;
}

static QzUse qz_uses(const IrGraph *g, int v) {
    QzUse u = {0, 0, 0, -1};
    for (int ni = 0; ni < g->n_nodes; ni++) {
        const IrNode *n = &g->nodes[ni];
        for (int i = 0; i < n->n_inputs; i++) {
            if (n->inputs[i] != v) continue;
            bool lin = (n->op == IR_OP_LINEAR || n->op == IR_OP_FUSED_LINEAR) && i == 1;
            if (qz_is_matmul_weight(g, n, i))
                u.linear_n++;
            else if (lin && ir_attr_int(n, "transpose_w") == 1)
                u.linear_t++;
            else if (lin && ir_attr_int(n, "transpose_w") == 0)
                u.linear_n++;
            else if (n->op == IR_OP_GATHER && i == 0 && ir_attr_int(n, "axis") == 0)
                u.gather++;
            else if (u.other_node < 0)
                u.other_node = ni;
        }
    }
    return u;
}

/* Rewrites constant v (f32[R, C], dense or packed) into format f, as rows [N, K]: transposed
 * when `transpose` (the readers then get transpose_w=1). */
static void qz_convert(IrGraph *g, int v, IrWFormat f, bool transpose) {
    IrValue *val = ir_value(g, v);
    int64_t r = val->type.dims[0].size, c = val->type.dims[1].size;
    int64_t n = transpose ? c : r, k = transpose ? r : c;
    /* the current contents as dense f32 [r, c] */
    float *dense = malloc(((size_t)(r * c) + 1) * sizeof *dense);
    KILN_ASSERT(dense != NULL);
    if (ir_wformat_is_packed(val->wformat)) {
        size_t row_bytes = 0;
        KILN_ASSERT(ir_wformat_row_bytes(val->wformat, c, &row_bytes));
        for (int64_t i = 0; i < r; i++)
            ir_wformat_dequantize_row(
                val->wformat, (const unsigned char *)val->data + i * row_bytes, c, dense + i * c);
    } else {
        memcpy(dense, val->data, (size_t)(r * c) * sizeof *dense);
    }
    if (transpose) {
        float *t = malloc(((size_t)(r * c) + 1) * sizeof *t);
        KILN_ASSERT(t != NULL);
        for (int64_t i = 0; i < r; i++)
            for (int64_t j = 0; j < c; j++) t[j * r + i] = dense[i * c + j];
        free(dense);
        dense = t;
    }
    size_t bytes = 0, row_bytes = 0;
    KILN_ASSERT(ir_wformat_bytes(f, n, k, &bytes) && ir_wformat_row_bytes(f, k, &row_bytes));
    unsigned char *out = ir_alloc(g, bytes ? bytes : 1);
    for (int64_t i = 0; i < n; i++)
        ir_wformat_quantize_row(f, dense + i * k, k, out + (size_t)i * row_bytes);
    free(dense);
    val->type.dims[0] = ir_dim_const(n);
    val->type.dims[1] = ir_dim_const(k);
    val->data = out;
    val->nbytes = bytes;
    val->wformat = f;
    val->data_file = val->data_key = NULL;
    if (!transpose) return;
    for (int ni = 0; ni < g->n_nodes; ni++) {
        IrNode *nd = &g->nodes[ni];
        if (nd->n_inputs < 2 || nd->inputs[1] != v) continue;
        if (qz_is_matmul_weight(g, nd, 1)) nd->op = IR_OP_LINEAR; /* takes no attributes */
        if (nd->op == IR_OP_LINEAR || nd->op == IR_OP_FUSED_LINEAR)
            ir_attr_set_int(g, ni, "transpose_w", 1);
    }
}

/* The format constant v gets, or false to leave it; *named when an override chose it. */
static bool qz_target(const IrValue *val, const QzUse *u, QzOverride *o, int n_o,
                      const IrWFormat *dflt, IrWFormat *f, bool *named) {
    *named = false;
    for (int i = 0; i < n_o; i++)
        if (fnmatch(o[i].pattern, val->name, 0) == 0) {
            o[i].used = true;
            *f = o[i].format;
            *named = true;
            return true;
        }
    if (dflt && u->linear_t + u->linear_n > 0) {
        *f = *dflt;
        return true;
    }
    /* a float --weights (f32, f16, bf16) is a storage type, not a quantization: embedding
     * tables take it too, so --weights f32 widens a bf16 checkpoint entirely */
    bool float_format =
        dflt && (*dflt == IR_WFMT_DENSE || *dflt == IR_WFMT_F16 || *dflt == IR_WFMT_BF16);
    if (float_format && u->gather > 0 && u->other_node < 0) {
        *f = *dflt;
        return true;
    }
    return false;
}

bool pass_quantize(IrGraph *g, const PassOptions *opt, Diag *d) {
    IrWFormat dflt = IR_WFMT_DENSE;
    bool have_dflt = opt->weights != NULL;
    if (have_dflt && !ir_wformat_parse(opt->weights, &dflt)) {
        diag_error(d,
                   "--weights: unknown type '%s' (f32 f16 bf16 i8 i4g32 i4g64 i4g128, 'a' "
                   "appended for asymmetric int4: i4g32a i4g64a i4g128a)",
                   opt->weights);
        return false;
    }
    QzOverride *o = calloc(QZ_MAX_OVERRIDES, sizeof *o);
    KILN_ASSERT(o != NULL);
    int n_o = opt->weights_override ? qz_parse_overrides(opt->weights_override, o, d) : 0;
    bool ok = n_o >= 0, changed = false;
    for (int v = 0; ok && v < g->n_values; v++) {
        IrValue *val = &g->values[v];
        if (!pu_is_const(g, v) || val->type.dtype != IR_DTYPE_F32 || val->type.rank != 2 ||
            !ir_type_is_static(&val->type))
            continue;
        QzUse u = qz_uses(g, v);
        if (u.linear_t + u.linear_n + u.gather == 0 && u.other_node < 0) continue;
        IrWFormat f;
        bool named;
        if (!qz_target(val, &u, o, n_o, have_dflt ? &dflt : NULL, &f, &named)) continue;
        bool transpose = u.linear_n > 0;
        if (u.other_node >= 0 || (transpose && (u.linear_t > 0 || u.gather > 0))) {
            if (named && ir_wformat_is_packed(f)) {
                const IrNode *n = &g->nodes[u.other_node >= 0 ? u.other_node : 0];
                if (u.other_node >= 0)
                    ir_node_error(d, g, n,
                                  "--weights-override: tensor '%s' is read by this node, which "
                                  "cannot read a weight stored as %s",
                                  val->name, ir_wformat_name(f));
                else
                    diag_error(d,
                               "--weights-override: tensor '%s' is read both as w[K, N] and as "
                               "rows; it cannot be stored as %s",
                               val->name, ir_wformat_name(f));
                ok = false;
            }
            continue;
        }
        if (f == val->wformat && !transpose) continue;
        if (f == IR_WFMT_DENSE && !ir_wformat_is_packed(val->wformat) && !transpose) continue;
        if (!ir_wformat_is_packed(f) && transpose) continue; /* dense stays [K, N] */
        int64_t k = transpose ? val->type.dims[0].size : val->type.dims[1].size;
        int64_t n = transpose ? val->type.dims[1].size : val->type.dims[0].size;
        size_t bytes;
        if (!ir_wformat_bytes(f, n, k, &bytes)) {
            int64_t blk = ir_wformat_info(f)->block;
            diag_at(d, g->source_path, NULL, NULL,
                    "tensor '%s' cannot be stored as %s: its input dimension K = %lld is not a "
                    "multiple of the group size %lld (use --weights-override '%s=i8' or a smaller "
                    "group)",
                    val->name, ir_wformat_name(f), (long long)k, (long long)blk, val->name);
            ok = false;
            continue;
        }
        qz_convert(g, v, f, transpose);
        changed = true;
    }
    for (int i = 0; ok && i < n_o; i++)
        if (!o[i].used)
            diag_warn_at(d, g->source_path, NULL, NULL,
                         "--weights-override: pattern '%s' matches no weight", o[i].pattern);
    free(o);
    if (ok && changed) ok = ir_infer_shapes(g, d) && ir_verify(g, d);
    return ok;
}
