/* The C backend: checks that a planned graph can be compiled, then writes <prefix>.h,
 * <prefix>.c, <prefix>_model.c, the weights (a file or <prefix>_weights.c) and the runtime
 * sources into the output folder. Nothing is written unless the whole model compiles. */
#include "cgc.h"
#include "../c_shared.h"
#include "../module_query.h"
#include "../runtime_files.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const CgBackend *cgc_backend_get(void); /* below; codegen/backend.c lists it */

typedef bool (*CgcEmitFn)(CgcEmitter *e, const IrNode *n);

static const CgcEmitFn cgc_emit_table[] = {
#define CGC_X(E, name, fn, a, b, c, d, flags) cgc_emit_##fn,
    IR_OPS(CGC_X)
#undef CGC_X
};
_Static_assert(sizeof cgc_emit_table / sizeof cgc_emit_table[0] == IR_OP_COUNT,
               "one emitter per op");

/* A prefix becomes part of every exported name: it must be a C identifier. */
bool cgc_prefix_ok(const char *p) {
    if (!p || !(isalpha((unsigned char)*p) || *p == '_')) return false;
    for (; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_')) return false;
    return true;
}

/* Every value a node or the API touches must have a static shape and a home
 * (codegen/module_query.h). */
bool cgc_value_ok(const IrGraph *g, int v, char *reason, size_t cap) {
    return cg_value_has_home(g, v, reason, cap);
}

/* The graph's own inputs and outputs (the run() parameters) need static shapes too, even
 * when no node touches them. */
bool cgc_check_io(const IrGraph *g, Diag *d) {
    bool ok = true;
    for (int io = 0; io < 2; io++) {
        int count = io ? g->n_outputs : g->n_inputs;
        for (int i = 0; i < count; i++) {
            char reason[512];
            if (cgc_value_ok(g, io ? g->outputs[i] : g->inputs[i], reason, sizeof reason)) continue;
            diag_at(d, g->source_path, NULL, NULL, "%s", reason);
            ok = false;
        }
    }
    return ok;
}

/* The C backend supports a node when its operands have static shapes and homes and the op's
 * emitter accepts it. The emitter is run as a trial into a scratch stream, so this answer and
 * what emit() does can never disagree (the dtype checks live in the emitters today). Emitters
 * read neither the options nor the weights layout, so the trial passes neither; it passes the
 * node's kernel record, lowered alone. */
bool cgc_node_values_ok(const IrGraph *g, const IrNode *n, char *reason, size_t cap) {
    for (int io = 0; io < 2; io++) {
        int count = io ? n->n_outputs : n->n_inputs;
        for (int j = 0; j < count; j++) {
            int v = io ? n->outputs[j] : n->inputs[j];
            if (v >= 0 && !cgc_value_ok(g, v, reason, cap)) return false;
        }
    }
    return true;
}

static bool cgc_supports(const IrGraph *g, const IrNode *n, char *reason, size_t cap) {
    if (!cgc_node_values_ok(g, n, reason, cap)) return false;
    /* the node's kernel record, as cg_lower will compute it */
    CgKernel k;
    if (!cg_lower_kernel(g, (int)(n - g->nodes), &k, reason, cap)) return false;
    char *text = NULL;
    size_t len = 0;
    CgcEmitter e = {g, NULL, NULL, open_memstream(&text, &len), NULL, reason, cap, &k};
    KILN_ASSERT(e.f != NULL);
    reason[0] = '\0';
    bool ok = cgc_emit_table[n->op](&e, n);
    KILN_ASSERT(fclose(e.f) == 0);
    free(text);
    cg_kernel_free(&k);
    if (!ok && !reason[0]) snprintf(reason, cap, "its emitter failed");
    return ok;
}

/* The signature and comment of node i's function, then its body from the op's emitter. */
/* A node with a zero-size operand may touch none of its pointers (a Concat skips the empty
 * input, a Slice to nothing writes nothing); each is marked used so the node compiles warning
 * free under -Wall -Wextra -Werror. */
static void cgc_void_empty_operands(const IrGraph *g, const IrNode *n, FILE *f) {
    bool empty = false;
    for (int io = 0; io < 2 && !empty; io++) {
        int count = io ? n->n_outputs : n->n_inputs;
        for (int j = 0; j < count && !empty; j++) {
            int v = io ? n->outputs[j] : n->inputs[j];
            int64_t numel;
            empty = v >= 0 && ir_type_numel(&ir_value(g, v)->type, &numel) && numel == 0;
        }
    }
    if (!empty) return;
    fputs("    /* a zero-size operand: the body may use none of these */\n", f);
    for (int j = 0; j < n->n_inputs; j++)
        if (n->inputs[j] >= 0) fprintf(f, "    (void)x%d;\n", j);
    for (int j = 0; j < n->n_outputs; j++) fprintf(f, "    (void)y%d;\n", j);
}

static bool cgc_emit_node(CgcEmitter *e, int i) {
    const IrGraph *g = e->g;
    const IrNode *n = &g->nodes[i];
    FILE *f = e->f;
    cgc_put_node_comment(f, g, n);
    fprintf(f, "static %s node_%d(", cgc_node_returns_status(n) ? "int" : "void", i);
    bool first = true;
    for (int j = 0; j < n->n_inputs; j++) {
        if (n->inputs[j] < 0) continue;
        fprintf(f, "%sconst %s *x%d", first ? "" : ", ",
                cgc_ctype(ir_value(g, n->inputs[j])->type.dtype), j);
        first = false;
    }
    for (int j = 0; j < n->n_outputs; j++) {
        fprintf(f, "%s%s *y%d", first ? "" : ", ",
                cgc_ctype(ir_value(g, n->outputs[j])->type.dtype), j);
        first = false;
    }
    /* stateful ops (KvAttention) reach the context's KV cache through kv */
    if (ir_op_has(n->op, IR_OPF_STATEFUL)) fputs(", const KrtKvState *kv", f);
    /* every node takes the pool, so the entry points call all nodes alike */
    fputs(", KrtPool *pool) {\n    (void)pool;\n", f);
    cgc_void_empty_operands(g, n, f);
    if (!cgc_emit_table[n->op](e, n)) return false;
    fputs("}\n\n", f);
    return true;
}

/* Writes the whole of <prefix>.c into f. */
static bool cgc_emit_source(CgcEmitter *e) {
    FILE *f = e->f;
    const char *p = e->opt->prefix;
    fprintf(f, "/* %s.c: model '", p);
    cgc_put_comment_text(f, e->g->name);
    fputs("', compiled by kiln's C backend. One static function per graph node, in execution\n"
          " * order; run() calls them on pointers into the caller's buffers, the weights and the\n"
          " * workspace. */\n",
          f);
    fprintf(f,
            "#include \"%s.h\"\n\n#include <math.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
            "#include <string.h>\n\n#include \"kiln_rt.h\"\n\n",
            p);
    bool ok = true;
    for (int i = 0; i < e->g->n_nodes; i++) ok &= cgc_emit_node(e, i);
    if (!ok) return false;
    /* the entries, the table the runtime's host API reads, and the typed wrappers */
    if (e->m->is_decoder) {
        char table[512];
        snprintf(table, sizeof table, "%s_decoder_table", p);
        cgc_decoder_write_entries(e);
        cgc_write_api(e, NULL, table, NULL);
        cgc_decoder_write_wrappers(e);
    } else {
        cgc_write_entry(e, 0);
        cgc_write_api(e, "entry_0", NULL, NULL);
        cgc_write_run(e);
    }
    return true;
}

bool cgc_write_bytes(const char *dir, const char *name, const void *data, size_t len, Diag *d) {
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        diag_error(d, "%s: output path too long", dir);
        return false;
    }
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    if (!ok) diag_error(d, "%s: cannot write the file", path);
    return ok;
}

/* <prefix>_model.c, composed from the plain or the decoder parts (<prefix>.h: cgc_shared.c). */
static void cgc_write_model_file(FILE *f, const CgModule *m, const CgOptions *opt) {
    if (m->is_decoder)
        cgc_decoder_write_descriptor(f, m, opt);
    else
        cgc_write_descriptor(f, m, opt);
}

/* Runs write(f) into a memory stream and stores the text as dir/name. */
typedef void (*CgcWriter)(FILE *f, const CgModule *m, const CgOptions *opt);

static bool cgc_write_text(const char *name, CgcWriter write, const CgModule *m,
                           const CgOptions *opt, Diag *d) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    KILN_ASSERT(f != NULL);
    write(f, m, opt);
    KILN_ASSERT(fclose(f) == 0);
    bool ok = cgc_write_bytes(opt->out_dir, name, text, len, d);
    free(text);
    return ok;
}

static bool cgc_write_runtime(const CgOptions *opt, Diag *d) {
    for (int i = 0; i < cg_runtime_file_count; i++) {
        const CgEmbeddedFile *rf = &cg_runtime_files[i];
        if (!cgc_write_bytes(opt->out_dir, rf->name, rf->data, rf->size, d)) return false;
    }
    return true;
}

bool cgc_prefix_check(const char *p, Diag *d) {
    if (!cgc_prefix_ok(p)) {
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

static bool cgc_emit(const CgModule *m, const CgOptions *opt, Diag *d) {
    const IrGraph *g = m->g;
    if (!cgc_prefix_check(opt->prefix, d)) return false;
    bool ok = cgc_check_io(g, d) && cgc_decoder_check(m, d); /* cg_emit checked every node */
    char *source = NULL;
    size_t source_len = 0;
    if (ok) {
        CgcEmitter e = {g, opt, d, open_memstream(&source, &source_len), m, NULL, 0, NULL};
        KILN_ASSERT(e.f != NULL);
        ok = cgc_emit_source(&e);
        KILN_ASSERT(fclose(e.f) == 0);
    }
    char name[512];
    if (ok) {
        snprintf(name, sizeof name, "%s.c", opt->prefix);
        ok = cgc_write_bytes(opt->out_dir, name, source, source_len, d);
    }
    if (ok) {
        snprintf(name, sizeof name, "%s.h", opt->prefix);
        ok = cgc_write_text(name, cg_c_write_header, m, opt, d);
    }
    if (ok) {
        snprintf(name, sizeof name, "%s_model.c", opt->prefix);
        ok = cgc_write_text(name, cgc_write_model_file, m, opt, d);
    }
    if (ok) {
        char path[4096];
        snprintf(name, sizeof name, opt->embed_weights ? "%s_weights.c" : "%s.weights",
                 opt->prefix);
        if ((size_t)snprintf(path, sizeof path, "%s/%s", opt->out_dir, name) >= sizeof path) {
            diag_error(d, "%s: output path too long", opt->out_dir);
            ok = false;
        } else if (opt->embed_weights) {
            ok = cgc_weights_write_c(m, opt->prefix, path, d);
        } else {
            ok = cgc_weights_write_file(m, path, d);
        }
    }
    if (ok) ok = cgc_write_runtime(opt, d);
    if (ok && opt->stats) opt->stats->kernels = g->n_nodes; /* one function per node, see above */
    free(source);
    return ok;
}

static const CgBackend cgc_backend = {
    "c",
    "portable C11 source needing only libc, libm and pthreads; lib<prefix>.so built with $CC",
    cgc_supports,
    cgc_emit,
    cgc_build,
    cgc_build_runtime,
};

/* The C backend (see codegen/backend.h). */
const CgBackend *cgc_backend_get(void) {
    return &cgc_backend;
}
