/* Shape rules of the "llm" op family (ir/ops_llm.h). */
#include "shape_internal.h"

#include <inttypes.h>

/* KvAttention(q[S, Hq, D], k[S, Hkv, D], v[S, Hkv, D]) -> [S, Hq, D], all f32. */
bool ir_shape_kv_attention(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                           Diag *d) {
    for (int i = 0; i < 3; i++) {
        if (in[i].dtype != IR_DTYPE_F32 || in[i].rank != 3) {
            char buf[SHP_TYPE_BUF];
            ir_node_error(d, g, n, "input %d must be an f32 tensor [S, heads, dim], got %s", i,
                          SHP_STR(g, &in[i], buf));
            return false;
        }
    }
    const IrType *q = &in[0], *k = &in[1], *v = &in[2];
    if (!shp_dims_match(g, n, q->dims[0], k->dims[0], "q and k rows", d) ||
        !shp_dims_match(g, n, q->dims[0], v->dims[0], "q and v rows", d) ||
        !shp_dims_match(g, n, q->dims[2], k->dims[2], "q and k head sizes", d) ||
        !shp_dims_match(g, n, k->dims[2], v->dims[2], "k and v head sizes", d) ||
        !shp_dims_match(g, n, k->dims[1], v->dims[1], "k and v heads", d))
        return false;
    for (int i = 1; i < 3; i++) {
        if (!ir_dim_is_const(q->dims[i]) || !ir_dim_is_const(k->dims[i])) {
            ir_node_error(d, g, n, "head counts and head sizes must be constants");
            return false;
        }
    }
    int64_t hq = q->dims[1].size, hkv = k->dims[1].size;
    if (hkv < 1 || hq % hkv != 0) {
        ir_node_error(d, g, n, "%" PRId64 " query heads are not a multiple of %" PRId64 " kv heads",
                      hq, hkv);
        return false;
    }
    if (ir_attr_int(n, "layer") < 0 || ir_attr_int(n, "max_context") < 1) {
        ir_node_error(d, g, n, "attribute 'layer' must be >= 0 and 'max_context' >= 1");
        return false;
    }
    out[0] = *q;
    return true;
}
