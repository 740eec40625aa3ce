/* kiln-onnx-test's work for one test: import, interpret, compile, run, compare. */
#include "onnx_test_run.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "codegen/backend.h"
#include "frontend/onnx/onnx_frontend.h"
#include "onnx.pb-c.h"

#define OTR_MAX_IO 64
#define OTR_NAME_CAP 256
/* Specialization binds an input to its test data only when it is this small. */
#define OTR_SPEC_MAX_NUMEL 64
#define OTR_SPEC_MSG                                                                               \
    "must be a compile-time constant, but it is computed from the model's input data"

bool otr_build_runtime(const char *work_dir, char *out, size_t cap) {
    Diag d;
    diag_init(&d);
    const CgBackend *b = cg_backend_for_target(NULL, &d);
    bool ok = b && b->build_runtime(work_dir, out, cap, &d);
    if (!ok) diag_print(&d, stderr);
    diag_free(&d);
    return ok;
}

/* rtol/atol from the test's data.json when it sets them. */
static void otr_tolerances(const char *dir, double *rtol, double *atol) {
    char path[4200];
    snprintf(path, sizeof path, "%s/data.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p;
    if ((p = strstr(buf, "\"rtol\"")) && (p = strchr(p, ':'))) *rtol = strtod(p + 1, NULL);
    if ((p = strstr(buf, "\"atol\"")) && (p = strchr(p, ':'))) *atol = strtod(p + 1, NULL);
}

static bool otr_close(double a, double b, double rtol, double atol) {
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b)) return a == b;
    return fabs(a - b) <= atol + rtol * fabs(b);
}

/* Compares got with want; writes the first mismatch into why. */
static bool otr_compare(const char *what, const IrTensor *got, const IrTensor *want, double rtol,
                        double atol, char *why, size_t cap) {
    if (got->dtype != want->dtype || got->rank != want->rank ||
        memcmp(got->dims, want->dims, sizeof(int64_t) * (size_t)got->rank) != 0) {
        snprintf(why, cap, "%s: type or shape differs from the expected output", what);
        return false;
    }
    bool exact = !ir_dtype_is_float(got->dtype);
    int64_t n = ir_tensor_numel(got);
    for (int64_t i = 0; i < n; i++) {
        double a = ir_tensor_get(got, i), b = ir_tensor_get(want, i);
        if (exact ? a != b : !otr_close(a, b, rtol, atol)) {
            snprintf(why, cap, "%s: element %lld is %g, expected %g", what, (long long)i, a, b);
            return false;
        }
    }
    return true;
}

/* Reads dir/prefix_N.pb for N = 0.. into ts; returns the count (-1 on error). */
static int otr_read_set(const char *set, const char *prefix, IrTensor *ts, char *why, size_t cap) {
    int n = 0;
    for (; n < OTR_MAX_IO; n++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s_%d.pb", set, prefix, n);
        if (access(path, F_OK) != 0) break;
        Diag d;
        diag_init(&d);
        bool ok = onnx_tensor_read_file(path, &ts[n], &d);
        /* Sequences and optionals are not TensorProto files: kiln does not model them. */
        if (!ok) snprintf(why, cap, "test data: %s", d.count ? d.messages[0] : "cannot read");
        diag_free(&d);
        if (!ok) return -1;
    }
    return n;
}

static void otr_model_ops(const char *model, char *ops, size_t cap) {
    ops[0] = '\0';
    FILE *f = fopen(model, "rb");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = len > 0 ? malloc((size_t)len) : NULL;
    bool ok = buf && fread(buf, 1, (size_t)len, f) == (size_t)len;
    fclose(f);
    KilnOnnx__ModelProto *m = ok ? kiln_onnx__model_proto__unpack(NULL, (size_t)len, buf) : NULL;
    free(buf);
    if (!m) return;
    size_t used = 0;
    for (size_t i = 0; m->graph && i < m->graph->n_node; i++) {
        const char *op = m->graph->node[i]->op_type ? m->graph->node[i]->op_type : "";
        char key[256];
        snprintf(key, sizeof key, ",%s,", op);
        char wrapped[4200];
        snprintf(wrapped, sizeof wrapped, ",%s,", ops);
        if (strstr(wrapped, key)) continue;
        int w = snprintf(ops + used, cap - used, "%s%s", used ? "," : "", op);
        if (w > 0 && (size_t)w < cap - used) used += (size_t)w;
    }
    kiln_onnx__model_proto__free_unpacked(m, NULL);
}

/* The names of model's graph inputs that are not initializers, in order (the order of the
 * test's input_N.pb files); returns their count, -1 when the model cannot be read. */
static int otr_input_names(const char *model, char names[][OTR_NAME_CAP], int cap) {
    FILE *f = fopen(model, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = len > 0 ? malloc((size_t)len) : NULL;
    bool ok = buf && fread(buf, 1, (size_t)len, f) == (size_t)len;
    fclose(f);
    KilnOnnx__ModelProto *m = ok ? kiln_onnx__model_proto__unpack(NULL, (size_t)len, buf) : NULL;
    free(buf);
    if (!m || !m->graph) {
        if (m) kiln_onnx__model_proto__free_unpacked(m, NULL);
        return -1;
    }
    const KilnOnnx__GraphProto *gp = m->graph;
    int n = 0;
    for (size_t i = 0; i < gp->n_input && n < cap; i++) {
        const char *name = gp->input[i]->name ? gp->input[i]->name : "";
        bool init = false;
        for (size_t k = 0; k < gp->n_initializer && !init; k++)
            init = gp->initializer[k]->name && strcmp(gp->initializer[k]->name, name) == 0;
        if (!init) snprintf(names[n++], OTR_NAME_CAP, "%s", name);
    }
    kiln_onnx__model_proto__free_unpacked(m, NULL);
    return n;
}

static bool otr_unsupported_msg(const char *msg) {
    return strstr(msg, "unsupported") || strstr(msg, "not supported") ||
           strstr(msg, "does not support") || strstr(msg, "must be a compile-time constant") ||
           strstr(msg, "test data: ");
}

/* What one import attempt uses: symbol bindings from the data's shapes and the inputs fixed
 * to constants. */
typedef struct OtrLoad {
    char names[OTR_MAX_IO][OTR_NAME_CAP]; /* graph input names, in the data's order */
    int n_names;                          /* -1 when unknown */
    bool fixed[OTR_MAX_IO];               /* input i is specialized to its data */
    OnnxConstInput consts[OTR_MAX_IO];
    int n_consts;
    IrBinding binds[64];
    char bind_names[64][128];
    FeOptions opt;
} OtrLoad;

/* Imports model with ld's constants, then again with its symbols bound from the shapes of the
 * inputs that stay inputs. */
static IrGraph *otr_load(const char *model, const IrTensor *ins, int n_in, OtrLoad *ld, Diag *d) {
    memset(&ld->opt, 0, sizeof ld->opt);
    IrGraph *g = fe_onnx_load_spec(model, &ld->opt, ld->consts, ld->n_consts, d);
    int n_binds = 0, k_in = 0;
    for (int i = 0; g && i < n_in && k_in < g->n_inputs; i++) {
        if (ld->fixed[i]) continue;
        const IrType *t = &ir_value(g, g->inputs[k_in++])->type;
        for (int k = 0; k < t->rank && k < ins[i].rank && n_binds < 64; k++) {
            if (t->dims[k].sym < 0) continue;
            snprintf(ld->bind_names[n_binds], 128, "%s", g->symbols[t->dims[k].sym].name);
            ld->binds[n_binds].name = ld->bind_names[n_binds];
            ld->binds[n_binds].value = ins[i].dims[k];
            n_binds++;
        }
    }
    if (g && n_binds) {
        ir_graph_free(g);
        ld->opt.bindings = ld->binds;
        ld->opt.n_bindings = n_binds;
        g = fe_onnx_load_spec(model, &ld->opt, ld->consts, ld->n_consts, d);
    }
    return g;
}

static bool otr_fix_input(OtrLoad *ld, const IrTensor *ins, int i) {
    if (ld->fixed[i] || ir_tensor_numel(&ins[i]) > OTR_SPEC_MAX_NUMEL) return false;
    ld->fixed[i] = true;
    ld->consts[ld->n_consts].name = ld->names[i];
    ld->consts[ld->n_consts++].value = &ins[i];
    return true;
}

/* Picks the inputs to fix after the import failed with msg ("... input 'NAME' (the scales)
 * must be a compile-time constant ..."): NAME itself when it is a small graph input that is
 * integer (or float and Resize's scales); otherwise, when NAME is computed from graph inputs,
 * every small integer graph input not fixed yet. False when there is nothing new to fix. */
static bool otr_specialize(OtrLoad *ld, const IrTensor *ins, int n_in, const char *msg) {
    if (ld->n_names != n_in) return false;
    const char *p = strstr(msg, "input '");
    if (!p) return false;
    p += 7;
    const char *e = strchr(p, '\'');
    if (!e) return false;
    for (int i = 0; i < n_in; i++) {
        if (strlen(ld->names[i]) != (size_t)(e - p) ||
            strncmp(ld->names[i], p, (size_t)(e - p)) != 0)
            continue;
        bool ok = !ir_dtype_is_float(ins[i].dtype) || strncmp(e, "' (the scales)", 14) == 0;
        return ok && otr_fix_input(ld, ins, i);
    }
    bool any = false;
    for (int i = 0; i < n_in; i++)
        if (!ir_dtype_is_float(ins[i].dtype) && ins[i].dtype != IR_DTYPE_BOOL)
            any |= otr_fix_input(ld, ins, i);
    return any;
}

OtrStatus otr_run_test(const char *dir, const char *work_dir, const char *rt_lib, bool specialize,
                       char *why, size_t cap, char *ops, size_t ops_cap) {
    char model[4200], set[4200];
    snprintf(model, sizeof model, "%s/model.onnx", dir);
    snprintf(set, sizeof set, "%s/test_data_set_0", dir);
    otr_model_ops(model, ops, ops_cap);
    IrTensor ins[OTR_MAX_IO], want[OTR_MAX_IO], got[OTR_MAX_IO];
    memset(ins, 0, sizeof ins);
    memset(want, 0, sizeof want);
    memset(got, 0, sizeof got);
    OtrStatus st = OTR_FAIL;
    int n_in = otr_read_set(set, "input", ins, why, cap);
    int n_out = n_in < 0 ? -1 : otr_read_set(set, "output", want, why, cap);
    if (n_in < 0 || n_out < 0) {
        st = otr_unsupported_msg(why) ? OTR_UNSUPPORTED : OTR_FAIL;
        return st;
    }
    Diag d;
    diag_init(&d);
    OtrLoad ld;
    memset(&ld, 0, sizeof ld);
    ld.n_names = otr_input_names(model, ld.names, OTR_MAX_IO);
    IrGraph *g = otr_load(model, ins, n_in, &ld, &d);
    /* Specialization: while the import fails because a value it needs at compile time is a
     * graph input, fix that input (when it is small and integer, or Resize's float scales) to
     * the test's data and import again. */
    for (int round = 0; !g && specialize && round < OTR_MAX_IO; round++) {
        if (!d.count || !strstr(d.messages[0], OTR_SPEC_MSG) ||
            !otr_specialize(&ld, ins, n_in, d.messages[0]))
            break;
        diag_free(&d);
        diag_init(&d);
        g = otr_load(model, ins, n_in, &ld, &d);
    }
    /* The inputs left for the interpreter and the compiled model, in order. */
    IrTensor run_ins[OTR_MAX_IO];
    int n_run = 0;
    for (int i = 0; i < n_in; i++)
        if (!ld.fixed[i]) run_ins[n_run++] = ins[i];
    FeOptions opt = ld.opt;
    double rtol = 1e-3, atol = 1e-7;
    otr_tolerances(dir, &rtol, &atol);
    if (!g) {
        snprintf(why, cap, "%s", d.count ? d.messages[0] : "import failed");
        st = otr_unsupported_msg(why) ? OTR_UNSUPPORTED : OTR_FAIL;
        goto done;
    }
    if (g->n_inputs != n_run || g->n_outputs != n_out) {
        snprintf(why, cap, "the model has %d inputs and %d outputs; the data has %d and %d",
                 g->n_inputs, g->n_outputs, n_run, n_out);
        goto done;
    }
    if (!interp_run(g, run_ins, got, &d)) {
        snprintf(why, cap, "interpreter: %s", d.count ? d.messages[0] : "failed");
        goto done;
    }
    for (int i = 0; i < n_out; i++) {
        char what[64];
        snprintf(what, sizeof what, "interpreter output %d", i);
        if (!otr_compare(what, &got[i], &want[i], rtol, atol, why, cap)) goto done;
        ir_tensor_free(&got[i]);
    }
    char out_dir[4200], prefix[128], so[4500];
    snprintf(out_dir, sizeof out_dir, "%s/out", work_dir);
    mkdir(out_dir, 0755);
    CliBuildOptions bo = {0};
    bo.bindings = opt.bindings;
    bo.n_bindings = opt.n_bindings;
    bo.prefix = "m";
    bo.embed_weights = true;
    bo.emit_so = true;
    bo.quick = true;
    bo.runtime_library = rt_lib;
    if (!cli_build_model(g, out_dir, &bo, prefix, sizeof prefix, &d)) {
        snprintf(why, cap, "C backend: %s", d.count ? d.messages[0] : "failed");
        /* a build failure is a failure whatever the compiler's message says */
        bool built_nothing = d.count && strstr(d.messages[0], "failed (exit status") != NULL;
        st = !built_nothing && otr_unsupported_msg(why) ? OTR_UNSUPPORTED : OTR_FAIL;
        goto done;
    }
    snprintf(so, sizeof so, "%s/lib%s.so", out_dir, prefix);
    void *h = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    const KilnModel *km = h ? dlsym(h, "kiln_model") : NULL;
    void *ctx = NULL;
    if (!km || km->n_inputs != n_run || km->n_outputs != n_out || km->create(&ctx, NULL) != 0) {
        snprintf(why, cap, "cannot load or create the compiled model");
        if (h) dlclose(h);
        goto done;
    }
    const void *in_ptrs[OTR_MAX_IO];
    void *out_ptrs[OTR_MAX_IO];
    for (int i = 0; i < n_run; i++) in_ptrs[i] = run_ins[i].data;
    for (int i = 0; i < n_out; i++) {
        ir_tensor_alloc(&got[i], want[i].dtype, want[i].rank, want[i].dims);
        out_ptrs[i] = got[i].data;
    }
    int rc = km->run(ctx, in_ptrs, out_ptrs);
    km->destroy(ctx);
    dlclose(h);
    if (rc != 0) {
        snprintf(why, cap, "compiled model: run returned %d", rc);
        goto done;
    }
    for (int i = 0; i < n_out; i++) {
        char what[64];
        snprintf(what, sizeof what, "compiled output %d", i);
        if (!otr_compare(what, &got[i], &want[i], rtol, atol, why, cap)) goto done;
    }
    st = OTR_PASS;
    if (ld.n_consts) snprintf(why, cap, "specialized");
done:
    for (int i = 0; i < OTR_MAX_IO; i++) {
        ir_tensor_free(&ins[i]);
        ir_tensor_free(&want[i]);
        ir_tensor_free(&got[i]);
    }
    if (g) ir_graph_free(g);
    diag_free(&d);
    return st;
}
