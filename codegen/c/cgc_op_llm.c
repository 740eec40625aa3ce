/* C emitters of the "llm" op family (ir/ops_llm.h). A KvAttention node function receives the
 * context's KV state as an extra last parameter `kv` (const KrtKvState *) and returns
 * KILN_OK or KILN_ERR_CONTEXT. */
#include "cgc.h"

bool cgc_emit_kv_attention(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < 3; i++)
        if (cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* capacity k_offset v_offset s hq hkv d */
    char lit[64];
    if (!cgc_double_literal(c->floats[0], "", lit, sizeof lit))
        return cgc_node_fail(e, n, "scale must be finite");
    /* the cache pointer in elements of its dtype: a 16-bit cache (--kv) is uint16_t */
    const char *cache = c->id == CG_KRT_KV_ATTENTION_F32 ? "kv->cache" : "(uint16_t *)kv->cache";
    fprintf(e->f,
            "    if (kv->capacity != %lld) return KILN_ERR_CONTEXT;\n"
            "    if (!%s(x0, x1, x2, y0, %s + %lld, %s + %lld, "
            "%lld, kv->pos,\n        kv->rows, %lld, %lld, %lld, %lld, %s))\n"
            "        return KILN_ERR_CONTEXT;\n    return KILN_OK;\n",
            (long long)p[0], c->symbol, cache, (long long)p[1], cache, (long long)p[2],
            (long long)p[0], (long long)p[3], (long long)p[4], (long long)p[5], (long long)p[6],
            lit);
    return true;
}
