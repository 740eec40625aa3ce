/* The "cnn" op family (ir/ops_cnn.h) in the C backend: each node becomes one call to an f32
 * kernel of runtime/krt_cnn.h with its shapes as constants. */
#include "cgc.h"

#include <string.h>

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

/* Resolves node n's window over x with the given kernel and writes "const KrtWindow win = ...;"
 * padded to three spatial dims. */
static bool cgc_cnn_window(CgcEmitter *e, const IrNode *n, const int64_t *kernel) {
    const IrType *x = cgc_in_type(e, n, 0);
    int64_t in[IR_CNN_MAX_SPATIAL];
    if (x->rank < 3 || x->rank > 2 + IR_CNN_MAX_SPATIAL)
        return cgc_node_fail(e, n, "needs 1 to 3 spatial dims");
    for (int k = 2; k < x->rank; k++) in[k - 2] = x->dims[k].size;
    IrCnnWindow w;
    const char *why = ir_cnn_window(n, x->rank - 2, in, kernel, &w);
    if (why) return cgc_node_fail(e, n, why);
    for (int k = w.n_spatial; k < IR_CNN_MAX_SPATIAL; k++) {
        w.in[k] = w.out[k] = w.kernel[k] = w.stride[k] = w.dilation[k] = 1;
        w.pad_begin[k] = w.pad_end[k] = 0;
    }
    const int64_t *fields[] = {w.in, w.out, w.kernel, w.stride, w.dilation, w.pad_begin, w.pad_end};
    fprintf(e->f, "    /* in, out, kernel, stride, dilation, pad begin, pad end */\n");
    fprintf(e->f, "    const KrtWindow win = {");
    for (int i = 0; i < 7; i++) {
        if (i) fputs(", ", e->f);
        cgc_cnn_ints(e->f, fields[i], IR_CNN_MAX_SPATIAL);
    }
    fprintf(e->f, "};\n");
    return true;
}

bool cgc_emit_conv(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const IrType *x = cgc_in_type(e, n, 0), *w = cgc_in_type(e, n, 1);
    int64_t kernel[IR_CNN_MAX_SPATIAL] = {1, 1, 1};
    for (int k = 2; k < w->rank && k < 2 + IR_CNN_MAX_SPATIAL; k++) kernel[k - 2] = w->dims[k].size;
    if (!cgc_cnn_window(e, n, kernel)) return false;
    fprintf(e->f, "    krt_conv_f32(x0, x1, %s, y0, %lld, %lld, %lld, %lld, &win);\n",
            cgc_has_input(n, 2) ? "x2" : "NULL", (long long)x->dims[0].size,
            (long long)x->dims[1].size, (long long)w->dims[0].size,
            (long long)ir_attr_int(n, "group"));
    return true;
}

static bool cgc_cnn_pool(CgcEmitter *e, const IrNode *n, bool is_max) {
    if (!cgc_cnn_f32(e, n)) return false;
    const IrAttr *ks = ir_attr_find(n, "kernel_shape");
    const IrType *x = cgc_in_type(e, n, 0);
    if (!ks || ks->count != x->rank - 2 || ks->count > IR_CNN_MAX_SPATIAL)
        return cgc_node_fail(e, n, "kernel_shape needs one value per spatial dim");
    if (!cgc_cnn_window(e, n, ks->ints)) return false;
    fprintf(e->f, "    krt_pool_f32(x0, y0, %lld, &win, %d, %d);\n",
            (long long)(x->dims[0].size * x->dims[1].size), is_max,
            !is_max && ir_attr_int(n, "count_include_pad") != 0);
    return true;
}

bool cgc_emit_maxpool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_pool(e, n, true);
}
bool cgc_emit_averagepool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_pool(e, n, false);
}

static bool cgc_cnn_global_pool(CgcEmitter *e, const IrNode *n, bool is_max) {
    if (!cgc_cnn_f32(e, n)) return false;
    const IrType *x = cgc_in_type(e, n, 0);
    int64_t planes = x->dims[0].size * x->dims[1].size;
    fprintf(e->f, "    krt_global_pool_f32(x0, y0, %lld, %lld, %d);\n", (long long)planes,
            (long long)(planes ? cgc_numel(x) / planes : 0), is_max);
    return true;
}
bool cgc_emit_globalaveragepool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_global_pool(e, n, false);
}
bool cgc_emit_globalmaxpool(CgcEmitter *e, const IrNode *n) {
    return cgc_cnn_global_pool(e, n, true);
}

/* N, C and the product of the remaining dims of x, and epsilon as a literal. */
static bool cgc_cnn_norm_dims(CgcEmitter *e, const IrNode *n, int64_t *nn, int64_t *c,
                              int64_t *inner, char *eps, size_t cap) {
    const IrType *x = cgc_in_type(e, n, 0);
    *nn = x->dims[0].size;
    *c = x->dims[1].size;
    *inner = (*nn != 0 && *c != 0) ? cgc_numel(x) / (*nn * *c) : 0;
    if (!cgc_double_literal(ir_attr_float(n, "epsilon"), "", eps, cap))
        return cgc_node_fail(e, n, "epsilon must be finite");
    return true;
}

bool cgc_emit_batchnorm(CgcEmitter *e, const IrNode *n) {
    int64_t nn, c, inner;
    char eps[64];
    if (!cgc_cnn_f32(e, n) || !cgc_cnn_norm_dims(e, n, &nn, &c, &inner, eps, sizeof eps))
        return false;
    fprintf(e->f, "    krt_batchnorm_f32(x0, x1, x2, x3, x4, y0, %lld, %lld, %lld, %s);\n",
            (long long)nn, (long long)c, (long long)inner, eps);
    return true;
}

bool cgc_emit_instancenorm(CgcEmitter *e, const IrNode *n) {
    int64_t nn, c, inner;
    char eps[64];
    if (!cgc_cnn_f32(e, n) || !cgc_cnn_norm_dims(e, n, &nn, &c, &inner, eps, sizeof eps))
        return false;
    fprintf(e->f, "    krt_instancenorm_f32(x0, x1, x2, y0, %lld, %lld, %lld, %s);\n",
            (long long)nn, (long long)c, (long long)inner, eps);
    return true;
}

/* The concrete dims of x. */
static void cgc_cnn_dims(const IrType *t, int64_t *dims) {
    for (int k = 0; k < t->rank; k++) dims[k] = t->dims[k].size;
}

bool cgc_emit_pad(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const IrType *x = cgc_in_type(e, n, 0);
    const IrAttr *pads = ir_attr_find(n, "pads");
    const char *mode = ir_attr_string(n, "mode");
    const char *krt_mode = strcmp(mode, "reflect") == 0 ? "KRT_PAD_REFLECT"
                           : strcmp(mode, "edge") == 0  ? "KRT_PAD_EDGE"
                           : strcmp(mode, "wrap") == 0  ? "KRT_PAD_WRAP"
                                                        : "KRT_PAD_CONSTANT";
    char value[64];
    if (!cgc_double_literal((float)ir_attr_float(n, "value"), "f", value, sizeof value))
        return cgc_node_fail(e, n, "the C backend needs a finite pad value");
    if (x->rank == 0 || cgc_numel(cgc_out_type(e, n, 0)) == 0) {
        /* a scalar has nothing to pad; an empty output has nothing to write */
        if (x->rank == 0) fprintf(e->f, "    y0[0] = x0[0];\n");
        return true;
    }
    int64_t dims[IR_MAX_RANK];
    cgc_cnn_dims(x, dims);
    fprintf(e->f, "    const int64_t x_dims[] = ");
    cgc_cnn_ints(e->f, dims, x->rank);
    fprintf(e->f, ";\n    const int64_t pads[] = ");
    cgc_cnn_ints(e->f, pads->ints, pads->count);
    fprintf(e->f, ";\n    krt_pad_f32(x0, y0, %d, x_dims, pads, %s, %s);\n", x->rank, krt_mode,
            value);
    return true;
}

bool cgc_emit_resize(CgcEmitter *e, const IrNode *n) {
    if (!cgc_cnn_f32(e, n)) return false;
    const IrType *x = cgc_in_type(e, n, 0), *y = cgc_out_type(e, n, 0);
    if (x->rank == 0 || cgc_numel(y) == 0) {
        if (x->rank == 0) fprintf(e->f, "    y0[0] = x0[0];\n");
        return true;
    }
    const IrAttr *scales = ir_attr_find(n, "scales");
    const char *ctm = ir_attr_string(n, "coordinate_transformation_mode");
    const char *nm = ir_attr_string(n, "nearest_mode");
    const char *coord = strcmp(ctm, "asymmetric") == 0           ? "KRT_RESIZE_ASYMMETRIC"
                        : strcmp(ctm, "align_corners") == 0      ? "KRT_RESIZE_ALIGN_CORNERS"
                        : strcmp(ctm, "pytorch_half_pixel") == 0 ? "KRT_RESIZE_PYTORCH_HALF_PIXEL"
                        : strcmp(ctm, "tf_half_pixel_for_nn") == 0
                            ? "KRT_RESIZE_TF_HALF_PIXEL_FOR_NN"
                            : "KRT_RESIZE_HALF_PIXEL";
    const char *nearest = strcmp(nm, "floor") == 0               ? "KRT_NEAREST_FLOOR"
                          : strcmp(nm, "ceil") == 0              ? "KRT_NEAREST_CEIL"
                          : strcmp(nm, "round_prefer_ceil") == 0 ? "KRT_NEAREST_ROUND_PREFER_CEIL"
                                                                 : "KRT_NEAREST_ROUND_PREFER_FLOOR";
    int64_t xd[IR_MAX_RANK], yd[IR_MAX_RANK];
    cgc_cnn_dims(x, xd);
    cgc_cnn_dims(y, yd);
    fprintf(e->f, "    const int64_t x_dims[] = ");
    cgc_cnn_ints(e->f, xd, x->rank);
    fprintf(e->f, ";\n    const int64_t y_dims[] = ");
    cgc_cnn_ints(e->f, yd, y->rank);
    fprintf(e->f, ";\n    const double scales[] = {");
    for (int k = 0; k < x->rank; k++) {
        double s = scales ? scales->floats[k] : (double)yd[k] / (double)xd[k];
        char lit[64];
        if (!cgc_double_literal(s, "", lit, sizeof lit))
            return cgc_node_fail(e, n, "scales must be finite");
        fprintf(e->f, "%s%s", k ? ", " : "", lit);
    }
    fprintf(e->f, "};\n    krt_resize_f32(x0, y0, %d, x_dims, y_dims, scales, %d, %s, %s);\n",
            x->rank, strcmp(ir_attr_string(n, "mode"), "linear") == 0, coord, nearest);
    return true;
}
