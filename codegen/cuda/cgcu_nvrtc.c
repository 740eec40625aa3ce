/* NVRTC, the CUDA toolkit's runtime compiler, loaded with dlopen so that kiln builds and runs
 * where the toolkit is absent (then only --target cuda fails, naming what is missing). The
 * functions are declared here by their C ABI (nvrtcResult is an int, nvrtcProgram a pointer). */
#include "cgcu.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime_files.h"

typedef int CgcuNvrtcResult; /* NVRTC_SUCCESS is 0 */
typedef void *CgcuNvrtcProgram;

typedef struct CgcuNvrtc {
    void *lib;
    CgcuNvrtcResult (*create)(CgcuNvrtcProgram *prog, const char *src, const char *name,
                              int n_headers, const char *const *headers,
                              const char *const *include_names);
    CgcuNvrtcResult (*compile)(CgcuNvrtcProgram prog, int n_options, const char *const *options);
    CgcuNvrtcResult (*log_size)(CgcuNvrtcProgram prog, size_t *size);
    CgcuNvrtcResult (*log)(CgcuNvrtcProgram prog, char *log);
    CgcuNvrtcResult (*cubin_size)(CgcuNvrtcProgram prog, size_t *size);
    CgcuNvrtcResult (*cubin)(CgcuNvrtcProgram prog, char *cubin);
    CgcuNvrtcResult (*ptx_size)(CgcuNvrtcProgram prog, size_t *size);
    CgcuNvrtcResult (*ptx)(CgcuNvrtcProgram prog, char *ptx);
    CgcuNvrtcResult (*destroy)(CgcuNvrtcProgram *prog);
    const char *(*error_string)(CgcuNvrtcResult r);
} CgcuNvrtc;

static bool cgcu_sym(void *lib, const char *name, void *slot) {
    void *p = dlsym(lib, name);
    memcpy(slot, &p, sizeof p);
    return p != NULL;
}

/* Opens NVRTC: $KILN_NVRTC, then the library path, then the toolkit's default folder. */
static bool cgcu_nvrtc_open(CgcuNvrtc *nv, Diag *d) {
    memset(nv, 0, sizeof *nv);
    const char *env = getenv("KILN_NVRTC");
    const char *tries[] = {env && *env ? env : NULL, "libnvrtc.so", "libnvrtc.so.13",
                           "libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so"};
    char why[512] = "";
    for (size_t i = 0; i < sizeof tries / sizeof tries[0] && !nv->lib; i++) {
        if (!tries[i]) continue;
        nv->lib = dlopen(tries[i], RTLD_NOW | RTLD_LOCAL);
        if (!nv->lib && (i == 0 || !why[0])) {
            const char *e = dlerror();
            snprintf(why, sizeof why, "%s", e ? e : tries[i]);
        }
        if (env && *env && i == 0 && !nv->lib) break; /* an explicit path must work */
    }
    if (!nv->lib) {
        diag_error(d,
                   "the cuda target needs NVRTC (libnvrtc.so of the CUDA toolkit), which could not "
                   "be loaded: %s (install the toolkit or set KILN_NVRTC to the library's path)",
                   why);
        return false;
    }
    static const char *const names[] = {"nvrtcCreateProgram",     "nvrtcCompileProgram",
                                        "nvrtcGetProgramLogSize", "nvrtcGetProgramLog",
                                        "nvrtcGetCUBINSize",      "nvrtcGetCUBIN",
                                        "nvrtcGetPTXSize",        "nvrtcGetPTX",
                                        "nvrtcDestroyProgram",    "nvrtcGetErrorString"};
    void *slots[] = {&nv->create, &nv->compile,  &nv->log_size, &nv->log,     &nv->cubin_size,
                     &nv->cubin,  &nv->ptx_size, &nv->ptx,      &nv->destroy, &nv->error_string};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!cgcu_sym(nv->lib, names[i], slots[i])) {
            diag_error(d, "NVRTC lacks %s (the cuda target needs CUDA 11.1 or newer)", names[i]);
            dlclose(nv->lib);
            nv->lib = NULL;
            return false;
        }
    return true;
}

bool cgcu_arch_ok(const char *arch) {
    if (!arch || strncmp(arch, "sm_", 3) != 0) return false;
    size_t n = strlen(arch + 3);
    if (n < 2 || n > 3) return false;
    for (size_t i = 3; arch[i]; i++)
        if (!isdigit((unsigned char)arch[i])) return false;
    return true;
}

/* The device runtime header every generated .cu includes, from kiln's embedded files. */
static const CgEmbeddedFile *cgcu_runtime_header(void) {
    for (int i = 0; i < cg_cuda_runtime_file_count; i++)
        if (strcmp(cg_cuda_runtime_files[i].name, "krt_cuda_kernels.cuh") == 0)
            return &cg_cuda_runtime_files[i];
    KILN_ASSERT(!"krt_cuda_kernels.cuh is embedded");
    return NULL;
}

/* One compilation of source for `target` (sm_XX: a cubin; compute_XX: PTX) into *out and
 * *bytes (malloc'ed, a NUL after the bytes). */
static bool cgcu_compile_one(const CgcuNvrtc *nv, const char *source, const char *name,
                             const char *target, bool cubin, void **out, size_t *bytes, Diag *d) {
    const CgEmbeddedFile *h = cgcu_runtime_header();
    char *header = malloc(h->size + 1);
    KILN_ASSERT(header != NULL);
    memcpy(header, h->data, h->size);
    header[h->size] = '\0';
    const char *headers[1] = {header}, *names[1] = {h->name};
    CgcuNvrtcProgram prog = NULL;
    CgcuNvrtcResult r = nv->create(&prog, source, name, 1, headers, names);
    bool ok = r == 0;
    if (!ok) diag_error(d, "%s: nvrtcCreateProgram failed: %s", name, nv->error_string(r));
    char arch_opt[64];
    snprintf(arch_opt, sizeof arch_opt, "--gpu-architecture=%s", target);
    const char *options[] = {arch_opt, "--std=c++17"};
    CgcuNvrtcResult cr = ok ? nv->compile(prog, 2, options) : 0;
    size_t log_len = 0;
    if (ok && nv->log_size(prog, &log_len) == 0 && log_len > 1) {
        char *log = malloc(log_len + 1);
        KILN_ASSERT(log != NULL);
        if (nv->log(prog, log) == 0) {
            log[log_len] = '\0';
            /* any message fails: the generated code is meant to compile without warnings */
            diag_error(d, "%s: NVRTC (%s) %s:", name, target,
                       cr == 0 ? "warned compiling the generated CUDA"
                               : "rejected the generated CUDA");
            for (char *line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
                if (*line) diag_error(d, "  %s", line);
        }
        free(log);
        ok = false;
    }
    if (ok && cr != 0) {
        diag_error(d, "%s: nvrtcCompileProgram (%s) failed: %s", name, target,
                   nv->error_string(cr));
        ok = false;
    }
    size_t size = 0;
    if (ok) {
        r = cubin ? nv->cubin_size(prog, &size) : nv->ptx_size(prog, &size);
        ok = r == 0;
        if (!ok)
            diag_error(d, "%s: NVRTC gave no %s: %s", name, cubin ? "cubin" : "PTX",
                       nv->error_string(r));
    }
    if (ok) {
        char *buf = malloc(size + 1);
        KILN_ASSERT(buf != NULL);
        r = cubin ? nv->cubin(prog, buf) : nv->ptx(prog, buf);
        buf[size] = '\0';
        ok = r == 0;
        if (ok) {
            *out = buf;
            *bytes = size;
        } else {
            free(buf);
            diag_error(d, "%s: NVRTC gave no %s: %s", name, cubin ? "cubin" : "PTX",
                       nv->error_string(r));
        }
    }
    if (prog) nv->destroy(&prog);
    free(header);
    return ok;
}

bool cgcu_nvrtc_compile(const char *source, const char *name, const char *arch, CgcuBinary *out,
                        Diag *d) {
    memset(out, 0, sizeof *out);
    KILN_ASSERT(cgcu_arch_ok(arch));
    CgcuNvrtc nv;
    if (!cgcu_nvrtc_open(&nv, d)) return false;
    char virt[32];
    snprintf(virt, sizeof virt, "compute_%s", arch + 3);
    void *cubin = NULL, *ptx = NULL;
    bool ok = cgcu_compile_one(&nv, source, name, arch, true, &cubin, &out->cubin_bytes, d) &&
              cgcu_compile_one(&nv, source, name, virt, false, &ptx, &out->ptx_bytes, d);
    out->cubin = cubin;
    out->ptx = ptx;
    /* NVRTC stays loaded (dlopen counts references, so a later compile gets the same handle):
     * unloading it would drop its C++ runtime's allocations while they are still in use, which
     * LeakSanitizer reports as leaks of ours */
    if (!ok) cgcu_binary_free(out);
    return ok;
}

void cgcu_binary_free(CgcuBinary *b) {
    free(b->cubin);
    free(b->ptx);
    memset(b, 0, sizeof *b);
}
