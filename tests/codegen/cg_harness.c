/* See cg_harness.h. */
#include "cg_harness.h"

#include <dlfcn.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../ir/interp.h"
#include "../../passes/pass.h"

int cgt_input(IrGraph *g, const char *name, IrDtype t, int rank, const int64_t *dims) {
    IrType ty = {t, rank, {{0}}};
    for (int i = 0; i < rank; i++) ty.dims[i] = ir_dim_const(dims[i]);
    return ir_input_add(g, name, &ty);
}

/* Fills n elements of dtype t with random values. */
static void cgt_fill(TestRng *r, IrDtype t, void *data, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        double f = test_rng_uniform(r, -1.0, 1.0);
        int64_t k = (int64_t)(test_rng_next(r) % 7) - 3;
        switch (t) {
        case IR_DTYPE_F32:
            ((float *)data)[i] = (float)f;
            break;
        case IR_DTYPE_F64:
            ((double *)data)[i] = f;
            break;
        case IR_DTYPE_F16:
            ((uint16_t *)data)[i] = ir_f32_to_f16((float)f);
            break;
        case IR_DTYPE_BF16:
            ((uint16_t *)data)[i] = ir_f32_to_bf16((float)f);
            break;
        case IR_DTYPE_I8:
            ((int8_t *)data)[i] = (int8_t)k;
            break;
        case IR_DTYPE_U8:
            ((uint8_t *)data)[i] = (uint8_t)(k + 3);
            break;
        case IR_DTYPE_I32:
            ((int32_t *)data)[i] = (int32_t)k;
            break;
        case IR_DTYPE_I64:
            ((int64_t *)data)[i] = k;
            break;
        case IR_DTYPE_BOOL:
            ((uint8_t *)data)[i] = (uint8_t)(k > 0);
            break;
        case IR_DTYPE_COUNT:
            break;
        }
    }
}

int cgt_const(IrGraph *g, TestRng *r, const char *name, IrDtype t, int rank, const int64_t *dims) {
    IrType ty = {t, rank, {{0}}};
    for (int i = 0; i < rank; i++) ty.dims[i] = ir_dim_const(dims[i]);
    size_t bytes = 0;
    int64_t n = 0;
    KILN_ASSERT(ir_type_nbytes(&ty, &bytes) && ir_type_numel(&ty, &n));
    void *data = malloc(bytes ? bytes : 1);
    KILN_ASSERT(data != NULL);
    cgt_fill(r, t, data, n);
    int v = ir_const_add(g, name, &ty, data, bytes, true);
    free(data);
    return v;
}

int cgt_node(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in, int *outs,
             int n_out) {
    IrType placeholder = {IR_DTYPE_F32, 0, {{0}}};
    for (int i = 0; i < n_out; i++) {
        char vname[512];
        snprintf(vname, sizeof vname, "%s.out%d", name, i);
        outs[i] = ir_value_add(g, vname, &placeholder);
    }
    return ir_node_add(g, op, name, ins, n_in, outs, n_out);
}

int cgt_op(IrGraph *g, IrOp op, const char *name, const int *ins, int n_in) {
    int out;
    cgt_node(g, op, name, ins, n_in, &out, 1);
    return out;
}

bool cgt_plan(IrGraph *g) {
    Diag d;
    diag_init(&d);
    PassOptions opt = {.bindings = NULL, .n_bindings = 0, .verify_each = true};
    bool ok = ir_infer_shapes(g, &d) && pass_bind(g, &opt, &d) && pass_plan_memory(g, &opt, &d) &&
              ir_verify(g, &d);
    if (!ok) diag_print(&d, stderr);
    diag_free(&d);
    return CHECK(ok);
}

/* One tally per registered backend, by registry index. */
#define CGT_MAX_BACKENDS 16
static CgtTally cgt_tallies[CGT_MAX_BACKENDS];

static CgtTally *cgt_tally_of(const CgBackend *b) {
    for (int i = 0; i < cg_backend_count() && i < CGT_MAX_BACKENDS; i++)
        if (cg_backend_at(i) == b) return &cgt_tallies[i];
    KILN_ASSERT(!"a backend outside the registry");
    return NULL;
}

CgtTally cgt_tally(const CgBackend *b) {
    return *cgt_tally_of(b);
}

void cgt_report(void) {
    KILN_ASSERT(cg_backend_count() <= CGT_MAX_BACKENDS);
    int compared = 0;
    for (int i = 0; i < cg_backend_count(); i++) {
        const CgtTally *t = &cgt_tallies[i];
        printf("backend '%s': %d passed, %d failed, %d skipped\n", cg_backend_at(i)->name,
               t->passed, t->failed, t->skipped);
        compared += t->passed + t->failed;
    }
    CHECK(compared > 0); /* a suite that ran nothing on any backend tests nothing */
}

bool cgt_supported(const CgBackend *b, const IrGraph *g) {
    bool ok = true;
    for (int i = 0; i < g->n_nodes; i++) {
        char reason[512] = "";
        if (b->supports(g, &g->nodes[i], reason, sizeof reason)) continue;
        printf("skip: backend '%s': graph '%s': node '%s' (%s): %s\n", b->name, g->name,
               g->nodes[i].name, ir_op_info(g->nodes[i].op)->name, reason);
        ok = false;
    }
    if (!ok) cgt_tally_of(b)->skipped++;
    return ok;
}

bool cgt_sh(const char *fmt, ...) {
    char cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
    return rc == 0;
}

bool cgt_build(const CgBackend *b, const IrGraph *g, const char *prefix, bool embed_weights,
               CgtLib *lib) {
    memset(lib, 0, sizeof *lib);
    lib->backend = b;
    if (!cgt_supported(b, g)) return false;
    const char *dir = test_tmpdir(prefix);
    bool ok = CHECK(dir != NULL);
    if (ok) {
        snprintf(lib->dir, sizeof lib->dir, "%s", dir);
        snprintf(lib->prefix, sizeof lib->prefix, "%s", prefix);
        Diag d;
        diag_init(&d);
        CgOptions opt = {.out_dir = lib->dir, .prefix = prefix, .embed_weights = embed_weights};
        /* The generated folder builds with nothing else, under strict flags. (The build step
         * takes $CC, not the sanitizer flags of the test binary.) */
        CgBuildOptions bopt = {.prefix = prefix, .strict = true};
        ok = CHECK(cg_emit(b, g, &opt, &d) && b->build(lib->dir, &bopt, &d));
        if (!ok) diag_print(&d, stderr);
        diag_free(&d);
    }
    if (ok) {
        char so[4200];
        snprintf(so, sizeof so, "%s/lib%s.so", lib->dir, prefix);
        lib->handle = dlopen(so, RTLD_NOW | RTLD_LOCAL);
        if (!CHECK(lib->handle != NULL)) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            ok = false;
        }
    }
    if (ok) {
        lib->model = dlsym(lib->handle, "kiln_model");
        ok = CHECK(lib->model != NULL);
    }
    if (ok) {
        /* a device backend on a machine without the device: built, loaded, not runnable */
        void *ctx = NULL;
        char wpath[4200];
        int st = lib->model->create(
            &ctx, lib->model->weights_embedded ? NULL : cgt_weights_path(lib, wpath, sizeof wpath));
        if (ctx) lib->model->destroy(ctx);
        if (st == KILN_ERR_DEVICE) {
            printf("skip: backend '%s': '%s' built, but no device runs it here\n", b->name, prefix);
            cgt_tally_of(b)->skipped++;
            lib->no_device = true;
            return false;
        }
    }
    if (!ok) {
        fprintf(stderr, "backend '%s': building '%s' failed\n", b->name, prefix);
        cgt_tally_of(b)->failed++;
    }
    return ok;
}

void cgt_run_all(IrGraph *g, const char *prefix, const uint64_t *seeds, int n_seeds, double tol) {
    if (cgt_plan(g)) {
        for (int i = 0; i < cg_backend_count(); i++) {
            CgtLib lib;
            if (cgt_build(cg_backend_at(i), g, prefix, false, &lib))
                for (int k = 0; k < n_seeds; k++) cgt_compare(g, &lib, seeds[k], tol);
            cgt_unload(&lib);
        }
    }
    ir_graph_free(g);
}

void cgt_unload(CgtLib *lib) {
    if (lib->handle) dlclose(lib->handle);
    lib->handle = NULL;
    lib->model = NULL;
}

const char *cgt_weights_path(const CgtLib *lib, char *buf, size_t cap) {
    snprintf(buf, cap, "%s/%s.weights", lib->dir, lib->prefix);
    return buf;
}

/* Element i of a packed tensor as double. */
static double cgt_get(IrDtype t, const void *data, int64_t i) {
    switch (t) {
    case IR_DTYPE_F32:
        return ((const float *)data)[i];
    case IR_DTYPE_F64:
        return ((const double *)data)[i];
    case IR_DTYPE_F16:
        return ir_f16_to_f32(((const uint16_t *)data)[i]);
    case IR_DTYPE_BF16:
        return ir_bf16_to_f32(((const uint16_t *)data)[i]);
    case IR_DTYPE_I8:
        return ((const int8_t *)data)[i];
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        return ((const uint8_t *)data)[i];
    case IR_DTYPE_I32:
        return ((const int32_t *)data)[i];
    case IR_DTYPE_I64:
        return (double)((const int64_t *)data)[i];
    case IR_DTYPE_COUNT:
        break;
    }
    return NAN;
}

/* The tolerance of a dtype: the 16-bit formats round their results. */
static double cgt_tol(IrDtype t, double tol) {
    if (t == IR_DTYPE_F16) return 2e-3;
    if (t == IR_DTYPE_BF16) return 1.6e-2;
    if (!ir_dtype_is_float(t)) return 0.0;
    return tol;
}

bool cgt_compare(const IrGraph *g, const CgtLib *lib, uint64_t seed, double tol) {
    const KilnModel *m = lib->model;
    if (!CHECK(m && m->n_inputs == g->n_inputs && m->n_outputs == g->n_outputs)) {
        cgt_tally_of(lib->backend)->failed++;
        return false;
    }
    TestRng r = {seed};
    IrTensor *ins = calloc((size_t)g->n_inputs + 1, sizeof *ins);
    IrTensor *refs = calloc((size_t)g->n_outputs + 1, sizeof *refs);
    const void **in_ptrs = calloc((size_t)g->n_inputs + 1, sizeof *in_ptrs);
    void **out_ptrs = calloc((size_t)g->n_outputs + 1, sizeof *out_ptrs);
    KILN_ASSERT(ins && refs && in_ptrs && out_ptrs);
    for (int i = 0; i < g->n_inputs; i++) {
        const IrType *t = &ir_value(g, g->inputs[i])->type;
        int64_t dims[IR_MAX_RANK];
        for (int k = 0; k < t->rank; k++) dims[k] = t->dims[k].size;
        KILN_ASSERT(ir_tensor_alloc(&ins[i], t->dtype, t->rank, dims));
        cgt_fill(&r, t->dtype, ins[i].data, ir_tensor_numel(&ins[i]));
        in_ptrs[i] = ins[i].data;
    }
    for (int i = 0; i < g->n_outputs; i++) {
        out_ptrs[i] = calloc(m->outputs[i].bytes + 1, 1);
        KILN_ASSERT(out_ptrs[i] != NULL);
    }
    bool ok = true;
    Diag d;
    diag_init(&d);
    if (!interp_run(g, ins, refs, &d)) {
        diag_print(&d, stderr);
        ok = CHECK(!"the interpreter failed");
    }
    diag_free(&d);
    void *ctx = NULL;
    char wpath[4200];
    if (ok) {
        int st = m->create(&ctx,
                           m->weights_embedded ? NULL : cgt_weights_path(lib, wpath, sizeof wpath));
        ok = CHECK(st == KILN_OK);
    }
    if (ok) ok = CHECK(m->run(ctx, in_ptrs, out_ptrs) == KILN_OK);
    if (ctx) m->destroy(ctx);
    for (int i = 0; ok && i < g->n_outputs; i++) {
        const IrTensor *ref = &refs[i];
        const KilnTensorInfo *info = &m->outputs[i];
        if (!CHECK(info->dtype == (int)ref->dtype && info->bytes == ref->nbytes)) {
            ok = false;
            break;
        }
        double bound = cgt_tol(ref->dtype, tol);
        int shown = 0;
        int64_t n = ir_tensor_numel(ref);
        bool good = true;
        for (int64_t k = 0; k < n; k++) {
            double want = cgt_get(ref->dtype, ref->data, k),
                   got = cgt_get(ref->dtype, out_ptrs[i], k);
            double err = fabs(got - want);
            if (!(err <= bound * (fabs(want) > 1.0 ? fabs(want) : 1.0)) &&
                !(isnan(got) && isnan(want))) {
                good = false;
                if (shown++ < 4)
                    fprintf(stderr, "  %s: output '%s'[%lld]: got %.9g want %.9g\n", lib->prefix,
                            info->name, (long long)k, got, want);
            }
        }
        ok &= good;
    }
    if (!CHECK(ok))
        fprintf(stderr, "backend '%s': '%s' differs from the interpreter (seed %llu)\n",
                lib->backend->name, lib->prefix, (unsigned long long)seed);
    if (ok)
        cgt_tally_of(lib->backend)->passed++;
    else
        cgt_tally_of(lib->backend)->failed++;
    for (int i = 0; i < g->n_inputs; i++) ir_tensor_free(&ins[i]);
    for (int i = 0; i < g->n_outputs; i++) {
        ir_tensor_free(&refs[i]);
        free(out_ptrs[i]);
    }
    free(ins);
    free(refs);
    free(in_ptrs);
    free(out_ptrs);
    return ok;
}
