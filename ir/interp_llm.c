/* Interpreter: the "llm" op family (ir/ops_llm.h). KvAttention keeps its cache in the
 * InterpKvCache interp_run_decoder puts in InterpArgs.kv; run through plain interp_run it has no
 * cache and reports that. */
#include "interp_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

/* Layer `layer`'s key and value caches, [cap, hkv, dim] each, allocated on first use. */
static bool interp_kv_layer(const InterpArgs *a, InterpKvCache *kv, int64_t layer, int64_t doubles,
                            double **k, double **v) {
    if (layer >= kv->n_layers) {
        int n = (int)layer + 1;
        double **nk = realloc(kv->k, sizeof *nk * (size_t)n);
        if (nk) kv->k = nk;
        double **nv = realloc(kv->v, sizeof *nv * (size_t)n);
        if (nv) kv->v = nv;
        int64_t *nb = realloc(kv->layer_bytes, sizeof *nb * (size_t)n);
        if (nb) kv->layer_bytes = nb;
        if (!nk || !nv || !nb) {
            ir_node_error(a->d, a->g, a->n, "cannot allocate the KV cache table");
            return false;
        }
        for (int i = kv->n_layers; i < n; i++) {
            kv->k[i] = kv->v[i] = NULL;
            kv->layer_bytes[i] = 0;
        }
        kv->n_layers = n;
    }
    if (!kv->k[layer]) {
        kv->k[layer] = calloc((size_t)doubles, sizeof(double));
        kv->v[layer] = calloc((size_t)doubles, sizeof(double));
        kv->layer_bytes[layer] = doubles;
        if (!kv->k[layer] || !kv->v[layer]) {
            ir_node_error(a->d, a->g, a->n, "cannot allocate the KV cache of layer %" PRId64,
                          layer);
            return false;
        }
    } else if (kv->layer_bytes[layer] != doubles) {
        ir_node_error(a->d, a->g, a->n,
                      "two nodes use KV cache layer %" PRId64 " with different "
                      "sizes",
                      layer);
        return false;
    }
    *k = kv->k[layer];
    *v = kv->v[layer];
    return true;
}

/* See ops_llm.h: writes this call's rows into the cache, then attends causally over it. */
bool interp_kv_attention(const InterpArgs *a) {
    InterpKvCache *kv = a->kv;
    if (!kv) {
        ir_node_error(a->d, a->g, a->n, "needs a KV cache: run the graph with interp_run_decoder");
        return false;
    }
    const InterpValue *q = a->in[0], *k = a->in[1], *v = a->in[2];
    InterpValue *out = a->out[0];
    int64_t s = interp_dim(&q->type, 0), hq = interp_dim(&q->type, 1);
    int64_t dim = interp_dim(&q->type, 2), hkv = interp_dim(&k->type, 1);
    int64_t layer = ir_attr_int(a->n, "layer"), cap = ir_attr_int(a->n, "max_context");
    double scale = ir_attr_float(a->n, "scale");
    if (scale == 0.0) scale = 1.0 / sqrt((double)dim);
    if (kv->rows < 1 || kv->rows > s || kv->pos < 0) {
        ir_node_error(a->d, a->g, a->n,
                      "%" PRId64 " rows at position %" PRId64 " do not fit this call's %" PRId64
                      " rows",
                      kv->rows, kv->pos, s);
        return false;
    }
    if (kv->pos > cap - kv->rows) {
        ir_node_error(a->d, a->g, a->n,
                      "the KV cache is full: %" PRId64 " + %" PRId64
                      " tokens exceed max_context %" PRId64,
                      kv->pos, kv->rows, cap);
        return false;
    }
    double *kc, *vc;
    int64_t doubles;
    if (__builtin_mul_overflow(cap, hkv, &doubles) ||
        __builtin_mul_overflow(doubles, dim, &doubles)) {
        ir_node_error(a->d, a->g, a->n,
                      "its KV cache of %" PRId64 " tokens x %" PRId64 " heads x %" PRId64
                      " does not fit int64 elements",
                      cap, hkv, dim);
        return false;
    }
    if (!interp_kv_layer(a, kv, layer, doubles, &kc, &vc)) return false;
    int64_t row = hkv * dim;
    /* the cache stores its state's dtype: an f16/bf16 cache keeps the rounded values */
    int st = ir_state_find(a->g, layer);
    IrDtype cdt = st >= 0 ? a->g->states[st].dtype : IR_DTYPE_F32;
    for (int64_t i = 0; i < kv->rows * row; i++) {
        kc[kv->pos * row + i] = interp_round(cdt, k->data[i]);
        vc[kv->pos * row + i] = interp_round(cdt, v->data[i]);
    }
    int64_t group = hq / hkv;
    double *p = calloc((size_t)(kv->pos + kv->rows), sizeof *p);
    if (!p) {
        ir_node_error(a->d, a->g, a->n, "cannot allocate attention scores");
        return false;
    }
    for (int64_t i = 0; i < kv->rows; i++) {
        int64_t visible = kv->pos + i + 1;
        for (int64_t h = 0; h < hq; h++) {
            const double *qi = q->data + (i * hq + h) * dim;
            double *oi = out->data + (i * hq + h) * dim;
            int64_t kh = h / group;
            interp_attend_row(qi, kc + kh * dim, row, vc + kh * dim, row, visible, dim, dim, scale,
                              p, oi);
        }
    }
    free(p);
    return true; /* rows >= kv->rows stay zero (outputs start zeroed) */
}
