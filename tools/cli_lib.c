/* Driving a compiled model through its generic descriptor `kiln_model` (kiln_model.h).
 * The library is treated as input: its descriptor is checked before anything trusts it. */
#include "cli.h"
#include "codegen/jit.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln/kiln_model.h"

/* Upper bound on a descriptor's input/output count, against a corrupt descriptor. */
#define CLI_MAX_TENSORS 4096

static bool cli_check_info(const char *path, const char *kind, int idx, const KilnTensorInfo *t,
                           Diag *d) {
    if (!t->name || t->dtype < 0 || t->dtype >= IR_DTYPE_COUNT || t->rank < 0 ||
        t->rank > IR_MAX_RANK || (t->rank > 0 && !t->dims)) {
        diag_at(d, path, NULL, NULL, "kiln_model: %s %d has a malformed description", kind, idx);
        return false;
    }
    uint64_t bytes = ir_dtype_size((IrDtype)t->dtype);
    for (int k = 0; k < t->rank; k++) {
        if (t->dims[k] < 0 || (t->dims[k] != 0 && bytes > UINT64_MAX / (uint64_t)t->dims[k])) {
            diag_at(d, path, NULL, NULL, "kiln_model: %s '%s' has a bad dimension", kind, t->name);
            return false;
        }
        bytes *= (uint64_t)t->dims[k];
    }
    if (bytes != t->bytes || bytes > SIZE_MAX) {
        diag_at(d, path, NULL, NULL,
                "kiln_model: %s '%s' byte count %" PRIu64 " does not match its shape", kind,
                t->name, t->bytes);
        return false;
    }
    return true;
}

static bool cli_lib_adopt(CliLib *lib, const char *path, const KilnModel *m, Diag *d);

bool cli_lib_open(CliLib *lib, const char *path, Diag *d) {
    memset(lib, 0, sizeof *lib);
    /* dlopen searches the library path for a bare name; a file argument means the file. */
    lib->path = strchr(path, '/') ? strdup(path) : cli_path_join(".", path);
    KILN_ASSERT(lib->path != NULL);
    lib->handle = dlopen(lib->path, RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        const char *err = dlerror();
        diag_at(d, path, NULL, NULL, "cannot load the library: %s", err ? err : "unknown error");
        cli_lib_close(lib);
        return false;
    }
    const KilnModel *m = dlsym(lib->handle, "kiln_model");
    if (!m) {
        diag_at(d, path, NULL, NULL,
                "has no 'kiln_model' symbol: not a library compiled by kiln (--emit so)");
        cli_lib_close(lib);
        return false;
    }
    return cli_lib_adopt(lib, path, m, d);
}

bool cli_lib_open_jit(CliLib *lib, const char *object_path, Diag *d) {
    memset(lib, 0, sizeof *lib);
    lib->path = strdup(object_path);
    KILN_ASSERT(lib->path != NULL);
    const void *m = NULL;
    if (!cg_jit_open(object_path, &lib->jit, &m, d)) {
        cli_lib_close(lib);
        return false;
    }
    return cli_lib_adopt(lib, object_path, m, d);
}

/* Checks descriptor m of the library or object at path and fills lib's input specs; closes lib
 * on failure. */
static bool cli_lib_adopt(CliLib *lib, const char *path, const KilnModel *m, Diag *d) {
    if (m->abi_version != KILN_MODEL_ABI_VERSION) {
        diag_at(d, path, NULL, NULL,
                "kiln_model ABI version %" PRIu32 ", but this kiln reads version %d: recompile it",
                m->abi_version, KILN_MODEL_ABI_VERSION);
        cli_lib_close(lib);
        return false;
    }
    bool ok = m->n_inputs >= 0 && m->n_inputs <= CLI_MAX_TENSORS && m->n_outputs >= 0 &&
              m->n_outputs <= CLI_MAX_TENSORS && (m->n_inputs == 0 || m->inputs) &&
              (m->n_outputs == 0 || m->outputs) && m->create && m->run && m->destroy &&
              m->status_string && (m->weights_embedded || m->weights_file);
    if (!ok) diag_at(d, path, NULL, NULL, "kiln_model: malformed descriptor");
    for (int i = 0; ok && i < m->n_inputs; i++)
        ok = cli_check_info(path, "input", i, &m->inputs[i], d);
    for (int i = 0; ok && i < m->n_outputs; i++)
        ok = cli_check_info(path, "output", i, &m->outputs[i], d);
    if (ok && !m->weights_embedded &&
        (m->weights_file[0] == '\0' || strchr(m->weights_file, '/') ||
         strcmp(m->weights_file, "..") == 0)) {
        diag_at(d, path, NULL, NULL, "kiln_model: weights file name is not a plain file name");
        ok = false;
    }
    if (!ok) {
        cli_lib_close(lib);
        return false;
    }
    lib->model = m;
    int n = m->n_inputs;
    lib->inputs = calloc((size_t)(n ? n : 1), sizeof *lib->inputs);
    lib->input_names = calloc((size_t)(n ? n : 1), sizeof *lib->input_names);
    KILN_ASSERT(lib->inputs && lib->input_names);
    for (int i = 0; i < n; i++) {
        const KilnTensorInfo *t = &m->inputs[i];
        lib->inputs[i].name = t->name;
        lib->inputs[i].dtype = (IrDtype)t->dtype;
        lib->inputs[i].rank = t->rank;
        for (int k = 0; k < t->rank; k++) lib->inputs[i].dims[k] = t->dims[k];
        lib->input_names[i] = t->name;
    }
    return true;
}

void cli_lib_create_error(const CliLib *lib, int status, const char *where, Diag *d) {
    if (status == KILN_ERR_ISA) { /* the kernel tables asked for and those this CPU runs */
        cli_create_error(d, where, lib->model, status);
        return;
    }
    char detail[512] = "";
    /* a GPU library (--target cuda) says why no device can be used: lib<prefix>.so exports
     * <prefix>_device_error */
    const char *base = strrchr(lib->path, '/');
    base = base ? base + 1 : lib->path;
    size_t len = strlen(base);
    if (status == KILN_ERR_DEVICE && len > 6 && strncmp(base, "lib", 3) == 0 &&
        strcmp(base + len - 3, ".so") == 0 && len < 200) {
        char sym[256];
        snprintf(sym, sizeof sym, "%.*s_device_error", (int)(len - 6), base + 3);
        int (*why)(char *, size_t) = NULL;
        void *p = dlsym(lib->handle, sym);
        memcpy(&why, &p, sizeof p);
        if (why) {
            char msg[400] = "";
            why(msg, sizeof msg);
            snprintf(detail, sizeof detail, " (%s)", msg);
        }
    }
    diag_at(d, where, NULL, NULL, "cannot create the model: %s%s",
            lib->model->status_string(status), detail);
}

/* The weights file's path: the folder of the library plus the descriptor's file name. */
static char *cli_weights_path(const CliLib *lib) {
    const char *slash = strrchr(lib->path, '/');
    KILN_ASSERT(slash != NULL);
    size_t dir_len = (size_t)(slash - lib->path);
    size_t n = dir_len + strlen(lib->model->weights_file) + 2;
    char *p = malloc(n);
    KILN_ASSERT(p != NULL);
    snprintf(p, n, "%.*s/%s", (int)dir_len, lib->path, lib->model->weights_file);
    return p;
}

static double cli_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

bool cli_lib_run(CliLib *lib, const IrTensor *inputs, const char *output_dir, Diag *d) {
    const KilnModel *m = lib->model;
    for (int i = 0; i < m->n_inputs; i++) {
        const KilnTensorInfo *t = &m->inputs[i];
        bool same = inputs[i].dtype == (IrDtype)t->dtype && inputs[i].rank == t->rank &&
                    inputs[i].nbytes == t->bytes;
        for (int k = 0; same && k < t->rank; k++) same = inputs[i].dims[k] == t->dims[k];
        KILN_ASSERT(same); /* callers check with cli_complete_inputs first */
    }
    char *weights = m->weights_embedded ? NULL : cli_weights_path(lib);
    void *ctx = NULL;
    int st = m->create(&ctx, weights);
    if (st != KILN_OK) {
        cli_lib_create_error(lib, st, weights ? weights : lib->path, d);
        free(weights);
        return false;
    }
    free(weights);

    int n_out = m->n_outputs;
    IrTensor *outs = calloc((size_t)(n_out ? n_out : 1), sizeof *outs);
    const char **out_names = calloc((size_t)(n_out ? n_out : 1), sizeof *out_names);
    const void **in_ptrs = calloc((size_t)(m->n_inputs ? m->n_inputs : 1), sizeof *in_ptrs);
    void **out_ptrs = calloc((size_t)(n_out ? n_out : 1), sizeof *out_ptrs);
    KILN_ASSERT(outs && out_names && in_ptrs && out_ptrs);
    bool ok = true;
    for (int i = 0; i < m->n_inputs; i++) in_ptrs[i] = inputs[i].data;
    for (int i = 0; ok && i < n_out; i++) {
        const KilnTensorInfo *t = &m->outputs[i];
        out_names[i] = t->name;
        if (!ir_tensor_alloc(&outs[i], (IrDtype)t->dtype, t->rank, t->dims)) {
            diag_at(d, lib->path, NULL, NULL, "output '%s' is too large to allocate", t->name);
            ok = false;
        }
        out_ptrs[i] = outs[i].data;
    }
    double ms = 0;
    if (ok) {
        double t0 = cli_now_ms();
        st = m->run(ctx, in_ptrs, out_ptrs);
        ms = cli_now_ms() - t0;
        if (st != KILN_OK) {
            diag_at(d, lib->path, NULL, NULL, "run failed: %s", m->status_string(st));
            ok = false;
        }
    }
    m->destroy(ctx);
    if (ok) ok = cli_report_outputs(out_names, outs, n_out, output_dir, d);
    if (ok) {
        char isa[160];
        cli_isa_describe(isa, sizeof isa);
        printf("run time: %.3f ms\nkernels: %s\n", ms, isa);
    }
    for (int i = 0; i < n_out; i++) ir_tensor_free(&outs[i]);
    free(outs);
    free(out_names);
    free(in_ptrs);
    free(out_ptrs);
    return ok;
}

void cli_lib_close(CliLib *lib) {
    if (lib->handle) dlclose(lib->handle);
    cg_jit_close(lib->jit);
    free(lib->path);
    free(lib->inputs);
    free(lib->input_names);
    memset(lib, 0, sizeof *lib);
}
