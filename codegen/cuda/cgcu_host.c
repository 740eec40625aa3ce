/* The host C of a CUDA model (<prefix>.c after its includes): the KrtCudaModule naming the
 * embedded cubin and every kernel, the device hooks of the runtime's host API, and the entries,
 * which upload their inputs into the staging area, launch each node's kernels on the context's
 * stream with device addresses of the weights, workspace and staging area, and download the
 * outputs. The tables and typed wrappers are the C backend's (cgc_write_api and friends). */
#include "cgcu.h"

#include <inttypes.h>
#include <stdlib.h>

#define CGCU_IO_ALIGN 256 /* bytes: every staged tensor starts at a multiple */

static bool cgcu_align_add(uint64_t *at, uint64_t bytes) {
    uint64_t start = (*at + CGCU_IO_ALIGN - 1) / CGCU_IO_ALIGN * CGCU_IO_ALIGN;
    if (start < *at || start + bytes < start) return false;
    *at = start + bytes;
    return true;
}

bool cgcu_io_layout(const IrGraph *g, CgcuIo *io) {
    io->input_offsets = calloc((size_t)g->n_inputs + 1, sizeof *io->input_offsets);
    io->output_offsets = calloc((size_t)g->n_outputs + 1, sizeof *io->output_offsets);
    KILN_ASSERT(io->input_offsets && io->output_offsets);
    uint64_t at = 0;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass ? g->n_outputs : g->n_inputs;
        for (int i = 0; i < count; i++) {
            size_t bytes = 0;
            const IrValue *v = ir_value(g, pass ? g->outputs[i] : g->inputs[i]);
            if (!ir_type_nbytes(&v->type, &bytes)) return false;
            uint64_t before = at;
            if (!cgcu_align_add(&at, bytes)) return false;
            (pass ? io->output_offsets : io->input_offsets)[i] = at - bytes;
            (void)before;
        }
    }
    if (!cgcu_align_add(&at, 4)) return false;
    io->status_offset = at - 4;
    io->bytes = at;
    return true;
}

void cgcu_io_free(CgcuIo *io) {
    free(io->input_offsets);
    free(io->output_offsets);
}

/* Writes the device address of value v: "io + OFF" (a graph input or output), "w + OFF" (a
 * constant) or "ws + OFF" (the arena). */
static void cgcu_put_address(const CgcEmitter *e, const CgcuIo *io, int v) {
    const IrGraph *g = e->g;
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) {
            fprintf(e->f, "io + %" PRIu64, io->input_offsets[i]);
            return;
        }
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) {
            fprintf(e->f, "io + %" PRIu64, io->output_offsets[i]);
            return;
        }
    if (e->m->weights.offsets[v] >= 0) {
        fprintf(e->f, "w + %" PRId64, e->m->weights.offsets[v]);
        return;
    }
    KILN_ASSERT(ir_value(g, v)->arena_offset >= 0);
    fprintf(e->f, "ws + %" PRId64, ir_value(g, v)->arena_offset);
}

/* The launches of node i: its operands' addresses, the extras, then each kernel. *kernel is
 * the module index of its first launch and advances past them. */
static void cgcu_write_launches(CgcEmitter *e, const CgcuIo *io, int i, const CgcuNode *node,
                                int *kernel) {
    const IrGraph *g = e->g;
    const IrNode *n = &g->nodes[i];
    FILE *f = e->f;
    fputs("    /* ", f);
    cgc_put_node_origin(f, g, n);
    fputs(" */\n", f);
    if (node->n_launches == 0) {
        fputs("    /* nothing to run */\n", f);
        return;
    }
    fputs("    if (status == KILN_OK) {\n", f);
    int args = 0;
    for (int io_ = 0; io_ < 2; io_++) {
        int count = io_ ? n->n_outputs : n->n_inputs;
        for (int j = 0; j < count; j++) {
            int v = io_ ? n->outputs[j] : n->inputs[j];
            if (v < 0) continue;
            fprintf(f, "        uint64_t a%d = ", args++);
            cgcu_put_address(e, io, v);
            fputs(";\n", f);
        }
    }
    if (node->kv) {
        const CgCall *c = &e->m->kernels[i].call;
        const int64_t *p = c->params; /* capacity k_offset v_offset s hq hkv d */
        fprintf(f,
                "        /* the cache rows this call writes must fit its capacity */\n"
                "        if (kv->capacity != %lld || kv->rows < 1 || kv->rows > %lld || "
                "kv->pos < 0 ||\n            kv->pos > %lld - kv->rows)\n"
                "            return KILN_ERR_CONTEXT;\n"
                "        uint64_t kc = (uint64_t)(uintptr_t)kv->cache + %lld * sizeof(float);\n"
                "        uint64_t vc = (uint64_t)(uintptr_t)kv->cache + %lld * sizeof(float);\n"
                "        long long pos = (long long)kv->pos, rows = (long long)kv->rows;\n",
                (long long)p[0], (long long)p[3], (long long)p[0], (long long)p[1],
                (long long)p[2]);
    }
    if (node->status) fprintf(f, "        uint64_t st = io + %" PRIu64 ";\n", io->status_offset);
    fputs("        void *args[] = {", f);
    for (int k = 0; k < args; k++) fprintf(f, "%s&a%d", k ? ", " : "", k);
    if (node->kv) fputs(", &kc, &vc, &pos, &rows", f);
    if (node->status) fputs(", &st", f);
    fputs("};\n", f);
    for (int k = 0; k < node->n_launches; k++) {
        const CgcuLaunch *l = &node->launches[k];
        fprintf(f,
                "        static const unsigned grid%d[3] = {%uu, %uu, %uu}, block%d[3] = {%uu, "
                "%uu, %uu};\n"
                "        if (status == KILN_OK) status = krt_cuda_launch(cu, %d, grid%d, block%d, "
                "args); /* %s */\n",
                k, l->grid[0], l->grid[1], l->grid[2], k, l->block[0], l->block[1], l->block[2],
                (*kernel)++, k, k, l->name);
    }
    fputs("    }\n", f);
}

/* Entry `index` of the module as the static KrtEntryFn entry_<index>. */
static void cgcu_write_entry(CgcEmitter *e, const CgcuNode *nodes, const CgcuIo *io, int index,
                             const int *first_kernel) {
    const IrGraph *g = e->g;
    const CgEntry *en = &e->m->entries[index];
    FILE *f = e->f;
    fputs("/* The entry '", f);
    cgc_put_comment_text(f, en->name);
    fprintf(f,
            "' (KrtEntryFn, krt_model.h): the inputs go up to the staging area, the nodes run\n"
            " * on the context's stream, the outputs come down. */\n"
            "static int entry_%d(KrtModelContext *ctx, const void *const *inputs, "
            "void *const *outputs,\n    const KrtKvState *kv) {\n"
            "    KrtCuda *cu = ctx->device;\n"
            "    const uint64_t w = krt_cuda_weights(cu), ws = krt_cuda_workspace(cu), "
            "io = krt_cuda_io(cu);\n"
            "    (void)w;\n    (void)ws;\n    (void)kv;\n    (void)inputs;\n    (void)outputs;\n"
            "    int status = krt_cuda_begin(cu, %" PRIu64 ");\n",
            index, io->status_offset);
    for (int k = 0; k < en->n_inputs; k++) {
        int slot = en->input_slots[k];
        size_t bytes = 0;
        KILN_ASSERT(ir_type_nbytes(&ir_value(g, g->inputs[slot])->type, &bytes));
        fprintf(f,
                "    if (status == KILN_OK)\n        status = krt_cuda_upload(cu, io + %" PRIu64
                ", inputs[%d], %zu);\n",
                io->input_offsets[slot], k, bytes);
    }
    for (int k = 0; k < en->n_nodes; k++) {
        int i = en->nodes[k];
        int kernel = first_kernel[i];
        cgcu_write_launches(e, io, i, &nodes[i], &kernel);
    }
    for (int o = 0; o < en->n_outputs; o++) {
        int slot = en->output_slots[o];
        int v = g->outputs[slot];
        size_t bytes = 0;
        KILN_ASSERT(ir_type_nbytes(&ir_value(g, v)->type, &bytes));
        /* an output no node writes into its own staging place: a graph input, a constant, or
         * a value listed twice */
        bool own = ir_value(g, v)->producer >= 0 || e->m->weights.offsets[v] < 0;
        for (int k = 0; k < g->n_inputs; k++) own &= g->inputs[k] != v;
        for (int k = 0; k < slot; k++) own &= g->outputs[k] != v;
        if (!own) {
            fprintf(f,
                    "    if (status == KILN_OK)\n        status = krt_cuda_copy(cu, io + %" PRIu64
                    ", ",
                    io->output_offsets[slot]);
            cgcu_put_address(e, io, v);
            fprintf(f, ", %zu);\n", bytes);
        }
        fprintf(f,
                "    if (status == KILN_OK)\n        status = krt_cuda_download(cu, outputs[%d], "
                "io + %" PRIu64 ", %zu);\n",
                o, io->output_offsets[slot], bytes);
    }
    fprintf(f,
            "    if (status == KILN_OK) status = krt_cuda_finish(cu, %" PRIu64 ");\n"
            "    return status;\n}\n\n",
            io->status_offset);
}

void cgcu_write_host(CgcEmitter *e, const CgcuNode *nodes, const CgcuIo *io) {
    const IrGraph *g = e->g;
    FILE *f = e->f;
    const char *p = e->opt->prefix;
    int *first = calloc((size_t)g->n_nodes + 1, sizeof *first);
    KILN_ASSERT(first != NULL);
    int total = 0;
    for (int i = 0; i < g->n_nodes; i++) {
        first[i] = total;
        total += nodes[i].n_launches;
    }
    fprintf(f,
            "/* %s_cubin.c: the device code NVRTC compiled from %s.cu */\n"
            "extern const unsigned char %s_cubin[];\nextern const size_t %s_cubin_bytes;\n"
            "extern const char %s_ptx[];\n\n"
            "/* Every kernel of %s.cu, in launch order (the index krt_cuda_launch takes). */\n"
            "static const char *const %s_kernels[%d] = {\n",
            p, p, p, p, p, p, p, total + 1);
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < nodes[i].n_launches; k++)
            fprintf(f, "    \"%s\",\n", nodes[i].launches[k].name);
    fprintf(f,
            "    NULL,\n};\n\n"
            "static const KrtCudaModule %s_module = {\n    %s_cubin,\n    0, /* set below */\n"
            "    %s_ptx,\n    %s_kernels,\n    %d,\n"
            "    UINT64_C(%" PRIu64
            "), /* io_bytes: staged inputs and outputs, status word */\n};\n\n",
            p, p, p, p, total, io->bytes);
    fprintf(f,
            "/* The device hooks of the host API: the runtime opens the device in _create. */\n"
            "static int %s_device_open(KrtModelContext *ctx) {\n"
            "    KrtCudaModule module = %s_module;\n"
            "    module.cubin_bytes = %s_cubin_bytes;\n"
            "    return krt_cuda_open(ctx, &module);\n}\n\n"
            "static const KrtDeviceOps %s_device = {%s_device_open, krt_cuda_close};\n\n",
            p, p, p, p, p);
    for (int en = 0; en < e->m->n_entries; en++) cgcu_write_entry(e, nodes, io, en, first);
    char device[256];
    snprintf(device, sizeof device, "%s_device", p);
    if (e->m->is_decoder) {
        char table[512];
        snprintf(table, sizeof table, "%s_decoder_table", p);
        cgc_decoder_write_table(e);
        cgc_write_api(e, NULL, table, device);
        cgc_decoder_write_wrappers(e);
    } else {
        cgc_write_api(e, "entry_0", NULL, device);
        cgc_write_run(e);
    }
    fprintf(f,
            "int %s_device_error(char *msg, size_t cap) {\n"
            "    return krt_cuda_probe(msg, cap);\n}\n",
            p);
    free(first);
}
