/* Op family "llm": Decoder-LLM ops: KV cache reads and writes for prefill and decode.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_llm.c; shape rules:
 * ir/shape_llm.c.
 *
 *   KvAttention(q[S, Hq, D], k[S, Hkv, D], v[S, Hkv, D]) -> [S, Hq, D]
 *       Causal attention over a KV cache that is run state, not a graph value. A call runs with
 *       a cache position `pos` (tokens already cached) and a row count `rows` (1 <= rows <= S;
 *       the real rows of this call, the rest of the S rows are padding). It writes k[s] and
 *       v[s] for s < rows into rows pos + s of layer `layer`'s cache (each layer holds
 *       [max_context, Hkv, D] keys and as many values), then for s < rows computes
 *       softmax(q[s] K^T * scale) V over cache rows 0 .. pos + s, query head h reading kv head
 *       h / (Hq / Hkv). Output rows s >= rows are zero and padding K/V are never written.
 *       pos + rows > max_context is a run-time error (the cache is full) and writes nothing.
 *       Attributes: layer (>= 0, the cache slot), max_context (>= 1, cache capacity in
 *       tokens), scale (0 means 1/sqrt(D)). The interpreter runs it through
 *       interp_run_decoder (ir/interp.h); the C backend passes the context's cache.
 */
#ifndef KILN_OPS_LLM_H
#define KILN_OPS_LLM_H

#define IR_OPS_LLM(X)                                                                              \
    X(KV_ATTENTION, "KvAttention", kv_attention, 3, 3, 1, 1, IR_OPF_STATUS | IR_OPF_STATEFUL)

#endif
