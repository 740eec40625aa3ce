/* gpu_compare: runs one model compiled by two backends (a reference library, e.g. the C
 * backend's, and a CUDA library) on the same inputs and reports how far apart they are.
 *
 *   gpu_compare REF.so REF.weights GPU.so GPU.weights TOL [STEPS]
 *
 * A plain model: seeded random inputs (floats in [-1, 1), integers in [0, 3)), every output
 * compared as max |a - b| / max(1, |a|). A decoder: a prefill of min(8, max_prefill) seeded
 * tokens, then STEPS (default 8) greedy decode steps on each library; logits compared at every
 * step and the greedy tokens must be equal. Prints one line per comparison and exits 1 when an
 * error passes TOL or a token differs, 2 when a library cannot be used. Uses only the generic
 * descriptor (kiln_model.h), so it needs nothing of kiln to build. */
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_model.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static const KilnModel *load(const char *path, void **ctx, const char *weights) {
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "%s: %s\n", path, dlerror());
        return NULL;
    }
    const KilnModel *m = dlsym(h, "kiln_model");
    if (!m) {
        fprintf(stderr, "%s: no kiln_model\n", path);
        return NULL;
    }
    int st = m->create(ctx, weights);
    if (st != KILN_OK) {
        fprintf(stderr, "%s: create: %s\n", path, m->status_string(st));
        return NULL;
    }
    return m;
}

/* max |a - b| / max(1, |a|) over n floats */
static double rel_err(const float *a, const float *b, int64_t n) {
    double worst = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]) / (fabs(a[i]) > 1 ? fabs(a[i]) : 1);
        if (!(d <= worst)) worst = isnan(d) ? INFINITY : d;
    }
    return worst;
}

static int64_t argmax(const float *x, int64_t n) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

static int plain(const KilnModel *a, void *ca, const KilnModel *b, void *cb, double tol) {
    int bad = 0;
    void **in = calloc((size_t)a->n_inputs + 1, sizeof *in);
    void **oa = calloc((size_t)a->n_outputs + 1, sizeof *oa), **ob = calloc((size_t)a->n_outputs + 1, sizeof *ob);
    for (int i = 0; i < a->n_inputs; i++) {
        const KilnTensorInfo *t = &a->inputs[i];
        in[i] = calloc(t->bytes + 8, 1);
        if (t->dtype == KILN_DTYPE_F32)
            for (uint64_t k = 0; k < t->bytes / 4; k++)
                ((float *)in[i])[k] = (float)((double)(next() >> 11) / 9007199254740992.0 * 2 - 1);
        else if (t->dtype == KILN_DTYPE_I64)
            for (uint64_t k = 0; k < t->bytes / 8; k++) ((int64_t *)in[i])[k] = (int64_t)(next() % 3);
    }
    for (int i = 0; i < a->n_outputs; i++) {
        oa[i] = calloc(a->outputs[i].bytes + 8, 1);
        ob[i] = calloc(a->outputs[i].bytes + 8, 1);
    }
    int sa = a->run(ca, (const void *const *)in, oa), sb = b->run(cb, (const void *const *)in, ob);
    if (sa != KILN_OK || sb != KILN_OK) {
        printf("run: reference %s, gpu %s\n", a->status_string(sa), b->status_string(sb));
        return 1;
    }
    for (int i = 0; i < a->n_outputs; i++) {
        if (a->outputs[i].dtype != KILN_DTYPE_F32) continue;
        double e = rel_err(oa[i], ob[i], (int64_t)(a->outputs[i].bytes / 4));
        printf("output '%s': max rel error %.3g%s\n", a->outputs[i].name, e, e <= tol ? "" : "  FAIL");
        bad |= !(e <= tol);
    }
    return bad;
}

static int decoder(const KilnModel *a, void *ca, const KilnModel *b, void *cb, double tol,
                   int steps) {
    const KilnDecoder *da = a->decoder, *db = b->decoder;
    int64_t v = da->vocab_size, n = da->max_prefill < 8 ? da->max_prefill : 8;
    int64_t toks[8];
    for (int64_t i = 0; i < n; i++) toks[i] = (int64_t)(next() % (uint64_t)v);
    float *la = malloc((size_t)(n * v) * 4), *lb = malloc((size_t)(n * v) * 4);
    int sa = da->prefill(ca, toks, n, la), sb = db->prefill(cb, toks, n, lb);
    if (sa != KILN_OK || sb != KILN_OK) {
        printf("prefill: reference %s, gpu %s\n", a->status_string(sa), b->status_string(sb));
        return 1;
    }
    double worst = rel_err(la, lb, n * v);
    printf("prefill of %lld tokens: max rel error of the logits %.3g\n", (long long)n, worst);
    int bad = !(worst <= tol);
    int64_t ta = argmax(la + (n - 1) * v, v), tb = argmax(lb + (n - 1) * v, v);
    printf("greedy tokens: reference %lld", (long long)ta);
    char gpu_line[4096];
    int len = snprintf(gpu_line, sizeof gpu_line, "greedy tokens: gpu       %lld", (long long)tb);
    double dworst = 0;
    for (int s = 0; s < steps && ta == tb; s++) {
        sa = da->decode(ca, ta, la);
        sb = db->decode(cb, tb, lb);
        if (sa != KILN_OK || sb != KILN_OK) {
            printf("\ndecode: reference %s, gpu %s\n", a->status_string(sa), b->status_string(sb));
            return 1;
        }
        double e = rel_err(la, lb, v);
        if (e > dworst) dworst = e;
        ta = argmax(la, v);
        tb = argmax(lb, v);
        printf(" %lld", (long long)ta);
        len += snprintf(gpu_line + len, sizeof gpu_line - (size_t)len, " %lld", (long long)tb);
    }
    printf("\n%s\n", gpu_line);
    printf("decode: max rel error of the logits %.3g over %d steps\n", dworst, steps);
    bad |= !(dworst <= tol) || ta != tb;
    if (ta != tb) printf("FAIL: the greedy tokens differ\n");
    return bad;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: gpu_compare REF.so REF.weights GPU.so GPU.weights TOL [STEPS]\n");
        return 2;
    }
    double tol = atof(argv[5]);
    int steps = argc > 6 ? atoi(argv[6]) : 8;
    void *ca = NULL, *cb = NULL;
    const KilnModel *a = load(argv[1], &ca, argv[2]), *b = load(argv[3], &cb, argv[4]);
    if (!a || !b) return 2;
    int bad = a->decoder ? decoder(a, ca, b, cb, tol, steps) : plain(a, ca, b, cb, tol);
    a->destroy(ca);
    b->destroy(cb);
    return bad ? 1 : 0;
}
