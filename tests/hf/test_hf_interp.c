/* The reference interpreter's decoder entry (interp_run_decoder) on the graphs the Hugging Face
 * frontend builds from tests/hf/models/<type>, against transformers' logits (logits.npy for
 * input_ids.npy), within 1e-4 x max(1, |ref|):
 *   1. one prefill of all 16 ids;
 *   2. a prefill of 5 ids, a second prefill of 3 at position 5, then 8 decode steps;
 *   3. (llama) a full cache: the call that would pass max_context fails and says so;
 *   4. (llama) a bf16 / f16 KV cache (kiln compile --kv): the stored keys and values are rounded,
 *      so the logits move away from the f32 cache's (relative error above 1e-5) but stay within
 *      the bound the compiled kernels meet (tests/quant/test_hf_quant.sh). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "test_util.h"
#include "tools/npy.h"

#define TOL 1e-4

/* One model's graph and reference data. */
typedef struct Ref {
    IrGraph *g;
    int64_t prefill; /* P: rows of the prefill entry */
    int64_t vocab;
    int64_t n;       /* reference tokens */
    int64_t ids[64]; /* input_ids.npy */
    double *logits;  /* logits.npy, [n, vocab] */
} Ref;

static IrDtype ref_kv = IR_DTYPE_F32; /* the KV cache dtype load_ref asks the frontend for */

static bool load_ref(const char *type, int64_t max_context, Ref *r) {
    memset(r, 0, sizeof *r);
    char rel[256];
    snprintf(rel, sizeof rel, "tests/hf/models/%s", type);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", test_source_path(rel));
    Diag d;
    diag_init(&d);
    FeOptions fo = {NULL, 0, max_context, 16, ref_kv};
    r->g = fe_load_model(dir, &fo, &d);
    IrTensor ids, logits;
    memset(&ids, 0, sizeof ids);
    memset(&logits, 0, sizeof logits);
    char path[1100];
    snprintf(path, sizeof path, "%s/input_ids.npy", dir);
    bool ok = r->g != NULL && npy_read(path, &ids, &d);
    snprintf(path, sizeof path, "%s/logits.npy", dir);
    ok = ok && npy_read(path, &logits, &d);
    if (!ok) diag_print(&d, stderr);
    ok = CHECK(ok) && CHECK(ids.dtype == IR_DTYPE_I64 && ids.rank == 1 && ids.dims[0] <= 64) &&
         CHECK(logits.dtype == IR_DTYPE_F32 && logits.rank == 2 && logits.dims[0] == ids.dims[0]);
    if (ok) {
        const IrType *out = &ir_value(r->g, r->g->outputs[0])->type;
        r->prefill = out->dims[0].size;
        r->vocab = out->dims[1].size;
        r->n = ids.dims[0];
        ok = CHECK(r->prefill == 16 && r->vocab == logits.dims[1]);
        memcpy(r->ids, ids.data, (size_t)r->n * sizeof r->ids[0]);
        int64_t numel = ir_tensor_numel(&logits);
        r->logits = malloc((size_t)numel * sizeof *r->logits);
        for (int64_t i = 0; i < numel; i++) r->logits[i] = ir_tensor_get(&logits, i);
    }
    ir_tensor_free(&ids);
    ir_tensor_free(&logits);
    diag_free(&d);
    return ok;
}

static void free_ref(Ref *r) {
    if (r->g) ir_graph_free(r->g);
    free(r->logits);
}

/* One call of entry 0 (prefill: ids[0..n-1] at kv->pos, rows n..P-1 padding) or entry 1
 * (decode: n == 1). Writes the n real rows of logits into out[n, vocab] and advances kv->pos.
 * On failure the interpreter's messages stay in d. */
static bool run_entry(const Ref *r, int entry, const int64_t *ids, int64_t n, InterpKvCache *kv,
                      float *out, Diag *d) {
    IrTensor in[4], res[2];
    int64_t p_dims[1] = {r->prefill}, one[1] = {1};
    for (int i = 0; i < 4; i++) {
        bool ok = ir_tensor_alloc(&in[i], IR_DTYPE_I64, 1, i < 2 ? p_dims : one);
        KILN_ASSERT(ok);
    }
    int64_t *tok = in[entry ? 2 : 0].data, *pos = in[entry ? 3 : 1].data;
    int64_t rows = entry ? 1 : r->prefill;
    for (int64_t i = 0; i < rows; i++) pos[i] = kv->pos; /* padding rows: token 0 at pos */
    for (int64_t i = 0; i < n; i++) {
        tok[i] = ids[i];
        pos[i] = kv->pos + i;
    }
    kv->rows = n;
    bool ok = interp_run_decoder(r->g, in, res, entry, kv, d);
    if (ok) {
        const IrTensor *t = &res[entry];
        ok = CHECK(t->dtype == IR_DTYPE_F32 && t->rank == 2 && t->dims[1] == r->vocab);
        if (ok) memcpy(out, t->data, (size_t)(n * r->vocab) * sizeof *out);
        ir_tensor_free(&res[entry]);
        kv->pos += n;
    }
    for (int i = 0; i < 4; i++) ir_tensor_free(&in[i]);
    return ok;
}

static void check_call(const Ref *r, const char *what, int entry, int64_t first, int64_t n,
                       InterpKvCache *kv) {
    Diag d;
    diag_init(&d);
    float *got = malloc((size_t)(n * r->vocab) * sizeof *got);
    KILN_ASSERT(got != NULL);
    bool ok = run_entry(r, entry, r->ids + first, n, kv, got, &d);
    if (!ok) diag_print(&d, stderr);
    if (CHECK(ok)) test_close(what, got, r->logits + first * r->vocab, n * r->vocab, TOL);
    free(got);
    diag_free(&d);
}

static void check_model(const char *type) {
    Ref r;
    if (!load_ref(type, 64, &r)) {
        free_ref(&r);
        return;
    }
    char what[128];
    InterpKvCache kv;
    memset(&kv, 0, sizeof kv);
    snprintf(what, sizeof what, "%s: one-shot prefill", type);
    check_call(&r, what, 0, 0, r.n, &kv);
    CHECK(kv.pos == r.n);
    interp_kv_free(&kv);

    snprintf(what, sizeof what, "%s: prefill 5", type);
    check_call(&r, what, 0, 0, 5, &kv);
    snprintf(what, sizeof what, "%s: second prefill 3 at position 5", type);
    check_call(&r, what, 0, 5, 3, &kv);
    for (int64_t i = 8; i < r.n; i++) {
        snprintf(what, sizeof what, "%s: decode at position %lld", type, (long long)i);
        check_call(&r, what, 1, i, 1, &kv);
    }
    CHECK(kv.pos == r.n);
    interp_kv_free(&kv);
    free_ref(&r);
}

/* max_context 18: 16 prefilled + 2 decoded fill the cache; the next decode and a prefill of 2
 * at position 17 both fail, naming the full cache. */
static void check_full_cache(void) {
    Ref r;
    if (!load_ref("llama", 18, &r)) {
        free_ref(&r);
        return;
    }
    InterpKvCache kv;
    memset(&kv, 0, sizeof kv);
    float *got = malloc((size_t)(r.prefill * r.vocab) * sizeof *got);
    KILN_ASSERT(got != NULL);
    Diag d;
    diag_init(&d);
    bool ok = run_entry(&r, 0, r.ids, 16, &kv, got, &d) && run_entry(&r, 1, r.ids, 1, &kv, got, &d);
    CHECK(ok && kv.pos == 17);
    ok = run_entry(&r, 0, r.ids, 2, &kv, got, &d);
    CHECK(!ok && d.count > 0 && strstr(d.messages[0], "KV cache is full") != NULL);
    CHECK(kv.pos == 17);
    diag_free(&d);
    diag_init(&d);
    ok = run_entry(&r, 1, r.ids, 1, &kv, got, &d);
    CHECK(ok && kv.pos == 18);
    ok = run_entry(&r, 1, r.ids, 1, &kv, got, &d);
    CHECK(!ok && d.count > 0 && strstr(d.messages[0], "KV cache is full") != NULL);
    CHECK(kv.pos == 18);
    diag_free(&d);
    free(got);
    interp_kv_free(&kv);
    free_ref(&r);
}

static void check_kv16(IrDtype kv_dtype, double bound) {
    Ref r;
    ref_kv = kv_dtype;
    bool loaded = load_ref("llama", 64, &r);
    ref_kv = IR_DTYPE_F32;
    if (!loaded) {
        free_ref(&r);
        return;
    }
    Diag d;
    diag_init(&d);
    InterpKvCache kv;
    memset(&kv, 0, sizeof kv);
    float *got = malloc((size_t)(r.n * r.vocab) * sizeof *got);
    KILN_ASSERT(got != NULL);
    bool ok = run_entry(&r, 0, r.ids, r.n, &kv, got, &d);
    if (!ok) diag_print(&d, stderr);
    if (CHECK(ok)) {
        double num = 0, den = 0;
        for (int64_t i = 0; i < r.n * r.vocab; i++) {
            num += (got[i] - r.logits[i]) * (got[i] - r.logits[i]);
            den += r.logits[i] * r.logits[i];
        }
        double rel = sqrt(num / den);
        printf("llama, %s KV cache: logits relative error %.3e\n", ir_dtype_name(kv_dtype), rel);
        CHECK(rel > 1e-5 && rel < bound);
    }
    interp_kv_free(&kv);
    free(got);
    free_ref(&r);
    diag_free(&d);
}

int main(void) {
    check_kv16(IR_DTYPE_BF16, 2e-2);
    check_kv16(IR_DTYPE_F16, 5e-3);
    static const char *const types[] = {"glm", "glm4", "llama", "qwen2", "gpt2"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) check_model(types[i]);
    check_full_cache();
    return test_finish();
}
