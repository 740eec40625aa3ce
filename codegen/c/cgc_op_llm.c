/* C emitters of the "llm" op family (ir/ops_llm.h). A KvAttention node function receives the
 * context's KV state as an extra last parameter `kv` (const KrtKvState *) and returns
 * KILN_OK or KILN_ERR_CONTEXT. */
#include "cgc.h"

#include <math.h>

bool cgc_emit_kv_attention(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < 3; i++)
        if (cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    const IrType *q = cgc_in_type(e, n, 0), *k = cgc_in_type(e, n, 1);
    int64_t s = q->dims[0].size, hq = q->dims[1].size, d = q->dims[2].size;
    int64_t hkv = k->dims[1].size;
    int64_t layer = ir_attr_int(n, "layer"), cap = ir_attr_int(n, "max_context");
    double scale = ir_attr_float(n, "scale");
    if (scale == 0.0) scale = 1.0 / sqrt((double)d);
    char lit[64];
    if (!cgc_double_literal(scale, "", lit, sizeof lit))
        return cgc_node_fail(e, n, "scale must be finite");
    /* this layer's keys, then its values, each [cap, hkv, d] (see cgc_decoder.c) */
    long long k_off = (long long)(2 * layer * cap * hkv * d), v_off = k_off + cap * hkv * d;
    fprintf(e->f,
            "    if (kv->capacity != %lld) return KILN_ERR_CONTEXT;\n"
            "    if (!krt_kv_attention_f32(x0, x1, x2, y0, kv->cache + %lld, kv->cache + %lld, "
            "%lld, kv->pos,\n        kv->rows, %lld, %lld, %lld, %lld, %s))\n"
            "        return KILN_ERR_CONTEXT;\n    return KILN_OK;\n",
            (long long)cap, k_off, v_off, (long long)cap, (long long)s, (long long)hq,
            (long long)hkv, (long long)d, lit);
    return true;
}
