/* Interpreter: Rotary (rotary position embedding) and Attention (scaled dot-product attention
 * with grouped query heads and a bottom-right aligned causal mask). */
#include "interp_internal.h"

#include <math.h>
#include <stdlib.h>

/* Rotary(x[..., S, H, D], [positions[S]]): in each head, the first rotary_dim channels are
 * rotated in pairs; pair i turns by angle pos * theta^(-2i/rotary_dim), where pos is
 * positions[s] or position_offset + s. Pairs are (2i, 2i+1) when interleaved, else
 * (i, i + rotary_dim/2). The remaining channels pass through. */
bool interp_rotary(const InterpArgs *a) {
    const InterpValue *x = a->in[0];
    const InterpValue *positions = a->n_in > 1 ? a->in[1] : NULL;
    InterpValue *out = a->out[0];
    const IrType *t = &x->type;
    int r = t->rank;
    int64_t batch = interp_dims_product(t, 0, r - 3);
    int64_t seq = interp_dim(t, r - 3), heads = interp_dim(t, r - 2), dim = interp_dim(t, r - 1);
    int64_t rdim = ir_attr_int(a->n, "rotary_dim");
    if (rdim == 0) rdim = dim;
    KILN_ASSERT(rdim >= 2 && rdim <= dim && rdim % 2 == 0); /* checked by the shape rule */
    double theta = ir_attr_float(a->n, "theta");
    bool interleaved = ir_attr_int(a->n, "interleaved") != 0;
    int64_t offset = ir_attr_int(a->n, "position_offset");
    int64_t half = rdim / 2;

    for (int64_t b = 0; b < batch; b++) {
        for (int64_t s = 0; s < seq; s++) {
            double pos = positions ? positions->data[s] : (double)offset + (double)s;
            for (int64_t h = 0; h < heads; h++) {
                int64_t base = ((b * seq + s) * heads + h) * dim;
                const double *xs = x->data + base;
                double *ys = out->data + base;
                for (int64_t c = rdim; c < dim; c++) ys[c] = xs[c];
                for (int64_t i = 0; i < half; i++) {
                    double angle = pos * pow(theta, -2.0 * (double)i / (double)rdim);
                    double cs = cos(angle), sn = sin(angle);
                    int64_t p = interleaved ? 2 * i : i, q = interleaved ? 2 * i + 1 : i + half;
                    ys[p] = xs[p] * cs - xs[q] * sn;
                    ys[q] = xs[p] * sn + xs[q] * cs;
                }
            }
        }
    }
    return true;
}

/* Attention(q[..., Sq, Hq, D], k[..., Skv, Hkv, D], v[..., Skv, Hkv, Dv]) -> [..., Sq, Hq, Dv]:
 * per batch and query head h (reading kv head h / (Hq / Hkv)), out = softmax(q k^T * scale) v.
 * With causal=1, query i sees keys j <= i + (Skv - Sq). A query that sees no key at all (only
 * possible when Sq > Skv) gets a zero output row. */
bool interp_attention(const InterpArgs *a) {
    const InterpValue *q = a->in[0], *k = a->in[1], *v = a->in[2];
    InterpValue *out = a->out[0];
    int r = q->type.rank;
    int64_t batch = interp_dims_product(&q->type, 0, r - 3);
    int64_t sq = interp_dim(&q->type, r - 3), hq = interp_dim(&q->type, r - 2);
    int64_t d = interp_dim(&q->type, r - 1);
    int64_t skv = interp_dim(&k->type, r - 3), hkv = interp_dim(&k->type, r - 2);
    int64_t dv = interp_dim(&v->type, r - 1);
    KILN_ASSERT(hkv > 0 && hq % hkv == 0); /* checked by the shape rule */
    int64_t group = hq / hkv;
    bool causal = ir_attr_int(a->n, "causal") != 0;
    double scale = ir_attr_float(a->n, "scale");
    if (scale == 0.0) scale = 1.0 / sqrt((double)d);

    double *p = calloc(skv ? (size_t)skv : 1, sizeof *p); /* one query's scores, then weights */
    if (!p) {
        ir_node_error(a->d, a->g, a->n, "cannot allocate %lld attention scores", (long long)skv);
        return false;
    }
    for (int64_t b = 0; b < batch; b++) {
        for (int64_t h = 0; h < hq; h++) {
            int64_t kh = h / group;
            for (int64_t i = 0; i < sq; i++) {
                const double *qi = q->data + ((b * sq + i) * hq + h) * d;
                double *oi = out->data + ((b * sq + i) * hq + h) * dv;
                /* keys 0 .. visible-1 are seen */
                int64_t visible = causal ? i + (skv - sq) + 1 : skv;
                if (visible > skv) visible = skv;
                if (visible <= 0) continue;        /* the output row stays zero */
                int64_t base = b * skv * hkv + kh; /* row j of head kh: base + j * hkv */
                interp_attend_row(qi, k->data + base * d, hkv * d, v->data + base * dv, hkv * dv,
                                  visible, d, dv, scale, p, oi);
            }
        }
    }
    free(p);
    return true;
}
