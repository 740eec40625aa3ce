/* The llvm backend (docs/llvm.md): checks that a planned graph can be rendered, then builds the
 * model as an LLVM module through LLVM's C API, links the runtime's embedded bitcode in,
 * optimizes for the target machine and writes <prefix>.o (or <prefix>.ll with
 * CgOptions.emit_ir_only), the C backend's header <prefix>.h (the exported API is the same) and
 * the weights file, or embeds the weights in the object as a 64-byte aligned constant in a
 * read-only section. build() links the object into lib<prefix>.so with a linker (cgl_link.c).
 * Nothing is written unless the whole model renders. */
#include "cgl.h"
#include "../c_shared.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const CgBackend *cgl_backend_get(void); /* below; codegen/backend.c lists it */

static bool cgl_supports(const IrGraph *g, const IrNode *n, char *reason, size_t cap) {
    CgKernel k;
    if (!cg_lower_kernel(g, (int)(n - g->nodes), &k, reason, cap)) return false;
    reason[0] = '\0';
    bool ok = cgl_node_supported(g, n, &k, reason, cap);
    cg_kernel_free(&k);
    return ok;
}

/* The prefix names every exported symbol: a C identifier outside the runtime's namespace. */
static bool cgl_prefix_ok(const char *p, Diag *d) {
    bool ok = p && (isalpha((unsigned char)*p) || *p == '_');
    for (const char *s = p; ok && *s; s++) ok = isalnum((unsigned char)*s) || *s == '_';
    if (!ok) {
        diag_error(d, "prefix '%s' is not a C identifier", p ? p : "");
        return false;
    }
    if (cg_prefix_reserved(p)) {
        diag_error(d,
                   "prefix '%s' is reserved: the runtime's symbols begin with krt_ and kiln_ "
                   "(pass another --prefix)",
                   p);
        return false;
    }
    return true;
}

/* The run parameters need static shapes; a decoder's KV cache must be f32 (the kernel's). */
static bool cgl_check_model(const CgModule *m, Diag *d) {
    const IrGraph *g = m->g;
    bool ok = true;
    for (int io = 0; io < 2; io++) {
        int count = io ? g->n_outputs : g->n_inputs;
        for (int i = 0; i < count; i++) {
            const IrValue *v = ir_value(g, io ? g->outputs[i] : g->inputs[i]);
            size_t bytes = 0;
            if (ir_type_is_static(&v->type) && ir_type_nbytes(&v->type, &bytes)) continue;
            diag_at(d, g->source_path, NULL, NULL,
                    "value '%s' has no static shape (bind every symbol first)", v->name);
            ok = false;
        }
    }
    if (m->is_decoder && m->kv.dtype != IR_DTYPE_F32) {
        diag_at(d, g->source_path, NULL, NULL,
                "the llvm backend cannot compile this decoder: its KV cache is not f32");
        ok = false;
    }
    return ok;
}

static bool cgl_path(char *buf, size_t cap, const char *dir, const char *prefix, const char *ext,
                     Diag *d) {
    if ((size_t)snprintf(buf, cap, "%s/%s%s", dir, prefix, ext) < cap) return true;
    diag_error(d, "%s: output path too long", dir);
    return false;
}

/* The embedded weights: a constant [N x i8], 64-byte aligned, in a read-only data section. */
static LLVMValueRef cgl_blob_global(CglEmitter *e, size_t bytes) {
    LLVMValueRef gv = LLVMAddGlobal(e->mod, LLVMArrayType(e->i8, (unsigned)bytes), "kiln_weights");
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetAlignment(gv, CG_WEIGHTS_ALIGN);
    return gv;
}

static bool cgl_emit(const CgModule *m, const CgOptions *opt, Diag *d) {
    if (!cgl_prefix_ok(opt->prefix, d) || !cgl_check_model(m, d)) return false;
    if (opt->opt_level < 0 || opt->opt_level > 3) {
        diag_error(d, "the llvm backend's -O level must be 0 to 3, not %d", opt->opt_level);
        return false;
    }
    char hpath[4096], wpath[4096], opath[4096];
    if (!cgl_path(hpath, sizeof hpath, opt->out_dir, opt->prefix, ".h", d) ||
        !cgl_path(wpath, sizeof wpath, opt->out_dir, opt->prefix, ".weights", d) ||
        !cgl_path(opath, sizeof opath, opt->out_dir, opt->prefix, opt->emit_ir_only ? ".ll" : ".o",
                  d))
        return false;
    uint64_t wbytes = cg_weights_file_bytes(&m->weights);
    if (opt->embed_weights && wbytes > (uint64_t)UINT32_MAX) {
        diag_at(d, m->g->source_path, NULL, NULL,
                "the weights (%llu bytes) are too large to embed; leave out --embed-weights",
                (unsigned long long)wbytes);
        return false;
    }
    CglEmitter e = {0};
    e.m = m;
    e.g = m->g;
    e.opt = opt;
    e.d = d;
    bool ok = cgl_module_begin(&e);
    e.node_fns = calloc((size_t)m->g->n_nodes + 1, sizeof *e.node_fns);
    KILN_ASSERT(e.node_fns != NULL);
    for (int i = 0; ok && i < m->g->n_nodes; i++) ok = cgl_node_define(&e, i);
    LLVMValueRef blob = NULL;
    if (ok && opt->embed_weights) blob = cgl_blob_global(&e, (size_t)wbytes);
    if (ok) ok = cgl_api_define(&e, blob);
    if (ok && opt->emit_ir_only) {
        /* the .ll is for reading: the blob stays a declaration there, its bytes go only into
         * an object */
        ok = cgl_module_write_ir(&e, opath);
    } else if (ok) {
        if (blob) {
            size_t n = 0;
            unsigned char *bytes = cg_c_weights_blob(m, &n);
            LLVMSetInitializer(blob,
                               LLVMConstStringInContext(e.cx, (const char *)bytes, (unsigned)n, 1));
            free(bytes);
            LLVMSetLinkage(blob, LLVMInternalLinkage);
            LLVMSetSection(blob, ".rodata.kiln_weights");
        }
        ok = cgl_module_write_object(&e, opath);
    }
    free(e.node_fns);
    cgl_module_end(&e);
    if (ok) {
        FILE *f = fopen(hpath, "w");
        if (f) cg_c_write_header(f, m, opt);
        if (!f || fclose(f) != 0) {
            diag_error(d, "%s: cannot write the file", hpath);
            ok = false;
        }
    }
    if (ok && !opt->embed_weights) ok = cg_c_write_weights_file(m, wpath, d);
    if (ok && opt->stats) opt->stats->kernels = m->g->n_nodes;
    return ok;
}

static bool cgl_build(const char *dir, const CgBuildOptions *opt, Diag *d) {
    return cgl_link_shared(dir, opt->prefix, d);
}

static bool cgl_build_runtime(const char *work_dir, char *out, size_t cap, Diag *d) {
    (void)out;
    (void)cap;
    diag_error(d,
               "%s: the llvm backend links the runtime into each model's object; it has no "
               "separate runtime library",
               work_dir);
    return false;
}

static const CgBackend cgl_backend = {
    "llvm",
    "LLVM 14 through its C API: an object file (runtime included) and lib<prefix>.so linked "
    "with ld.lld-14 or ld, no C compiler",
    cgl_supports,
    cgl_emit,
    cgl_build,
    cgl_build_runtime,
};

/* The llvm backend (see codegen/backend.h). */
const CgBackend *cgl_backend_get(void) {
    return &cgl_backend;
}
