/* The "cnn" op family (ir/ops_cnn.h) in the C backend: each node becomes one call to an f32
 * kernel of runtime/krt_cnn.h with the sizes and window of its kernel record as constants. */
#include "cgc.h"

/* Every present input and output 0 are f32. */
static bool cgc_cnn_f32(CgcEmitter *e, const IrNode *n) {
    for (int i = 0; i < n->n_inputs; i++)
        if (cgc_has_input(n, i) && cgc_in_type(e, n, i)->dtype != IR_DTYPE_F32)
            return cgc_unsupported_dtype(e, n, cgc_in_type(e, n, i)->dtype);
    if (cgc_out_type(e, n, 0)->dtype != IR_DTYPE_F32)
        return cgc_unsupported_dtype(e, n, cgc_out_type(e, n, 0)->dtype);
    return true;
}

static void cgc_cnn_ints(FILE *f, const int64_t *v, int count) {
    fputc('{', f);
    for (int i = 0; i < count; i++) fprintf(f, "%s%lld", i ? ", " : "", (long long)v[i]);
    fputc('}', f);
}

void cgc_put_window(FILE *f, const int64_t *win) {
    fprintf(f, "    /* in, out, kernel, stride, dilation, pad begin, pad end */\n");
    fprintf(f, "    const KrtWindow win = {");
    for (int i = 0; i < 7; i++) {
        if (i) fputs(", ", f);
        cgc_cnn_ints(f, win + 3 * i, 3);
    }
    fprintf(f, "};\n");
}

bool cgc_emit_conv(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* n c m group win[21] */
    cgc_put_window(e->f, p + 4);
    char bias[16];
    fprintf(e->f, "    %s(x0, x1, %s, y0, %lld, %lld, %lld, %lld, &win);\n", c->symbol,
            cgc_operand_name(&c->operands[2], bias, sizeof bias), (long long)p[0], (long long)p[1],
            (long long)p[2], (long long)p[3]);
    return true;
}

static bool cgc_cnn_pool(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    const int64_t *p = c->params; /* planes is_max count_include_pad win[21] */
    cgc_put_window(e->f, p + 3);
    fprintf(e->f, "    %s(x0, y0, %lld, &win, %d, %d);\n", c->symbol, (long long)p[0], (int)p[1],
            (int)p[2]);
    return true;
}

bool cgc_emit_maxpool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_pool(e, n);
}
bool cgc_emit_averagepool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_pool(e, n);
}

static bool cgc_cnn_global_pool(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    fprintf(e->f, "    %s(x0, y0, %lld, %lld, %d);\n", c->symbol, (long long)c->params[0],
            (long long)c->params[1], (int)c->params[2]);
    return true;
}
bool cgc_emit_globalaveragepool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_global_pool(e, n);
}
bool cgc_emit_globalmaxpool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_global_pool(e, n);
}

/* BatchNorm and InstanceNorm: their inputs, y, n c inner, epsilon. */
static bool cgc_cnn_norm(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgCall *c = &cgc_kernel(e, n)->call;
    char eps[64];
    if (!cgc_double_literal(c->floats[0], "", eps, sizeof eps))
        return cgc_node_fail(e, n, "epsilon must be finite");
    fprintf(e->f, "    %s(", c->symbol);
    for (int i = 0; i < c->n_operands - 1; i++) fprintf(e->f, "x%d, ", i);
    fprintf(e->f, "y0, %lld, %lld, %lld, %s);\n", (long long)c->params[0], (long long)c->params[1],
            (long long)c->params[2], eps);
    return true;
}

bool cgc_emit_batchnorm(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_norm(e, n);
}
bool cgc_emit_instancenorm(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_norm(e, n);
}

/* A scalar Pad or Resize copies its one element; an empty one writes nothing (a copy loop). */
static bool cgc_cnn_copy(CgcEmitter *e, const CgKernel *k) {
    cgc_emit_loop(e, &k->loops[0], "y0[$0] = x0[$1];");
    return true;
}

bool cgc_emit_pad(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgKernel *k = cgc_kernel(e, n);
    if (k->kind == CG_KERNEL_LOOP) return cgc_cnn_copy(e, k);
    static const char *const modes[] = {"KRT_PAD_CONSTANT", "KRT_PAD_REFLECT", "KRT_PAD_EDGE",
                                        "KRT_PAD_WRAP"};
    const CgCall *c = &k->call;
    const int64_t *p = c->params; /* rank mode x_dims[rank] pads[2 rank] */
    int rank = (int)p[0];
    char value[64];
    if (!cgc_double_literal((float)c->floats[0], "f", value, sizeof value))
        return cgc_node_fail(e, n, "the C backend needs a finite pad value");
    fprintf(e->f, "    const int64_t x_dims[] = ");
    cgc_cnn_ints(e->f, p + 2, rank);
    fprintf(e->f, ";\n    const int64_t pads[] = ");
    cgc_cnn_ints(e->f, p + 2 + rank, c->n_params - 2 - rank);
    fprintf(e->f, ";\n    %s(x0, y0, %d, x_dims, pads, %s, %s);\n", c->symbol, rank, modes[p[1]],
            value);
    return true;
}

bool cgc_emit_resize(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const CgKernel *k = cgc_kernel(e, n);
    if (k->kind == CG_KERNEL_LOOP) return cgc_cnn_copy(e, k);
    static const char *const coords[] = {
        "KRT_RESIZE_HALF_PIXEL", "KRT_RESIZE_ASYMMETRIC", "KRT_RESIZE_ALIGN_CORNERS",
        "KRT_RESIZE_PYTORCH_HALF_PIXEL", "KRT_RESIZE_TF_HALF_PIXEL_FOR_NN"};
    static const char *const nearest[] = {"KRT_NEAREST_ROUND_PREFER_FLOOR", "KRT_NEAREST_FLOOR",
                                          "KRT_NEAREST_CEIL", "KRT_NEAREST_ROUND_PREFER_CEIL"};
    const CgCall *c = &k->call;
    const int64_t *p = c->params; /* rank linear coord nearest x_dims[rank] y_dims[rank] */
    int rank = (int)p[0];
    fprintf(e->f, "    const int64_t x_dims[] = ");
    cgc_cnn_ints(e->f, p + 4, rank);
    fprintf(e->f, ";\n    const int64_t y_dims[] = ");
    cgc_cnn_ints(e->f, p + 4 + rank, rank);
    fprintf(e->f, ";\n    const double scales[] = {");
    for (int i = 0; i < rank; i++) {
        char lit[64];
        if (!cgc_double_literal(c->floats[i], "", lit, sizeof lit))
            return cgc_node_fail(e, n, "scales must be finite");
        fprintf(e->f, "%s%s", i ? ", " : "", lit);
    }
    fprintf(e->f, "};\n    %s(x0, y0, %d, x_dims, y_dims, scales, %d, %s, %s);\n", c->symbol, rank,
            (int)p[1], coords[p[2]], nearest[p[3]]);
    return true;
}
