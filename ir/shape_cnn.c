/* Shape rules of the "cnn" op family (ir/ops_cnn.h). */
#include "shape_internal.h"

#include <string.h>

/* x is float, NCHW with 1..3 spatial dims that are all constants: copies them to spatial. */
static bool shp_cnn_input(const IrGraph *g, const IrNode *n, const IrType *in, int64_t *spatial,
                          Diag *d) {
    if (!ir_dtype_is_float(in[0].dtype)) {
        ir_node_error(d, g, n, "input dtype %s is not supported (floating point only)",
                      ir_dtype_name(in[0].dtype));
        return false;
    }
    if (!shp_min_rank(g, n, in, 0, 3, d)) return false;
    char buf[SHP_TYPE_BUF];
    if (in[0].rank > 2 + IR_CNN_MAX_SPATIAL) {
        ir_node_error(d, g, n, "input %s has more than %d spatial dims", SHP_STR(g, &in[0], buf),
                      IR_CNN_MAX_SPATIAL);
        return false;
    }
    for (int k = 2; k < in[0].rank; k++) {
        if (!ir_dim_is_const(in[0].dims[k])) {
            ir_node_error(d, g, n, "spatial dims of %s must be constants (bind the symbols)",
                          SHP_STR(g, &in[0], buf));
            return false;
        }
        spatial[k - 2] = in[0].dims[k].size;
    }
    return true;
}

/* The window of node n; out[0] gets x's N, `channels` and the output spatial sizes. */
static bool shp_cnn_windowed(const IrGraph *g, const IrNode *n, const IrType *in,
                             const int64_t *kernel, IrDim channels, IrType *out, Diag *d) {
    int64_t spatial[IR_CNN_MAX_SPATIAL];
    if (!shp_cnn_input(g, n, in, spatial, d)) return false;
    IrCnnWindow w;
    const char *why = ir_cnn_window(n, in[0].rank - 2, spatial, kernel, &w);
    if (why) {
        ir_node_error(d, g, n, "%s", why);
        return false;
    }
    out[0] = in[0];
    out[0].dims[1] = channels;
    for (int k = 0; k < w.n_spatial; k++) out[0].dims[2 + k] = ir_dim_const(w.out[k]);
    return true;
}

bool ir_shape_conv(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    char bx[SHP_TYPE_BUF], bw[SHP_TYPE_BUF];
    if (!shp_same_dtype(g, n, in, 0, 1, d)) return false;
    const IrType *x = &in[0], *w = &in[1];
    if (w->rank != x->rank) {
        ir_node_error(d, g, n, "weights %s must have the rank of x %s", SHP_STR(g, w, bw),
                      SHP_STR(g, x, bx));
        return false;
    }
    int64_t kernel[IR_CNN_MAX_SPATIAL], group = ir_attr_int(n, "group");
    for (int k = 0; k < w->rank; k++) {
        if (!ir_dim_is_const(w->dims[k])) {
            ir_node_error(d, g, n, "weights %s must have a static shape", SHP_STR(g, w, bw));
            return false;
        }
    }
    for (int k = 2; k < w->rank && k < 2 + IR_CNN_MAX_SPATIAL; k++) kernel[k - 2] = w->dims[k].size;
    const IrAttr *ks = ir_attr_find(n, "kernel_shape");
    if (ks) {
        bool ok = ks->count == w->rank - 2;
        for (int k = 0; ok && k < ks->count; k++) ok = ks->ints[k] == kernel[k];
        if (!ok) {
            ir_node_error(d, g, n, "kernel_shape does not match weights %s", SHP_STR(g, w, bw));
            return false;
        }
    }
    int64_t m = w->dims[0].size, cg = w->dims[1].size;
    if (group < 1 || m % group != 0 || !ir_dim_is_const(x->dims[1]) ||
        x->dims[1].size != cg * group) {
        ir_node_error(d, g, n,
                      "x %s and weights %s do not fit group %lld (C = group x weights dim 1, "
                      "group divides M)",
                      SHP_STR(g, x, bx), SHP_STR(g, w, bw), (long long)group);
        return false;
    }
    if (shp_present(in, n, 2)) {
        if (!shp_same_dtype(g, n, in, 0, 2, d)) return false;
        if (in[2].rank != 1 || !shp_dims_match(g, n, in[2].dims[0], w->dims[0], "bias size", d)) {
            if (in[2].rank != 1) ir_node_error(d, g, n, "bias must have rank 1");
            return false;
        }
    }
    return shp_cnn_windowed(g, n, in, kernel, w->dims[0], out, d);
}

/* A pool: kernel_shape gives the window; channels are kept. */
static bool shp_pool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *ks = ir_attr_find(n, "kernel_shape");
    int64_t kernel[IR_CNN_MAX_SPATIAL] = {0};
    if (ks->count != in[0].rank - 2 || ks->count > IR_CNN_MAX_SPATIAL) {
        ir_node_error(d, g, n, "kernel_shape needs one value per spatial dim");
        return false;
    }
    memcpy(kernel, ks->ints, (size_t)ks->count * sizeof *kernel);
    return shp_cnn_windowed(g, n, in, kernel, in[0].dims[1], out, d);
}

bool ir_shape_maxpool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_pool(g, n, in, out, d);
}
bool ir_shape_averagepool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                          Diag *d) {
    return shp_pool(g, n, in, out, d);
}

static bool shp_global_pool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                            Diag *d) {
    if (!shp_float_input(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 3, d)) return false;
    out[0] = in[0];
    for (int k = 2; k < in[0].rank; k++) out[0].dims[k] = ir_dim_const(1);
    return true;
}
bool ir_shape_globalaveragepool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                                Diag *d) {
    return shp_global_pool(g, n, in, out, d);
}
bool ir_shape_globalmaxpool(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                            Diag *d) {
    return shp_global_pool(g, n, in, out, d);
}

/* x[N, C, ...] and per-channel parameters in[1..count] of shape [C]. */
static bool shp_channel_norm(const IrGraph *g, const IrNode *n, const IrType *in, int count,
                             IrType *out, Diag *d) {
    if (!shp_float_input(g, n, in, 0, d) || !shp_min_rank(g, n, in, 0, 2, d)) return false;
    for (int i = 1; i <= count; i++) {
        if (!shp_same_dtype(g, n, in, 0, i, d)) return false;
        if (in[i].rank != 1) {
            ir_node_error(d, g, n, "input %d must have shape [C]", i);
            return false;
        }
        if (!shp_dims_match(g, n, in[i].dims[0], in[0].dims[1], "channel count", d)) return false;
    }
    out[0] = in[0];
    return true;
}
bool ir_shape_batchnorm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    return shp_channel_norm(g, n, in, 4, out, d);
}
bool ir_shape_instancenorm(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out,
                           Diag *d) {
    if (!shp_min_rank(g, n, in, 0, 3, d)) return false;
    return shp_channel_norm(g, n, in, 2, out, d);
}

bool ir_shape_pad(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    const IrAttr *pads = ir_attr_find(n, "pads");
    const char *mode = ir_attr_string(n, "mode");
    int r = in[0].rank;
    bool reflect = strcmp(mode, "reflect") == 0;
    if (!reflect && strcmp(mode, "constant") != 0 && strcmp(mode, "edge") != 0 &&
        strcmp(mode, "wrap") != 0) {
        ir_node_error(d, g, n, "mode '%s' is not constant, reflect, edge or wrap", mode);
        return false;
    }
    if (pads->count != 2 * r) {
        ir_node_error(d, g, n, "pads has %d values; a rank-%d input needs %d", pads->count, r,
                      2 * r);
        return false;
    }
    out[0] = in[0];
    for (int k = 0; k < r; k++) {
        int64_t pb = pads->ints[k], pe = pads->ints[r + k];
        if (pb == 0 && pe == 0) continue;
        if (!ir_dim_is_const(in[0].dims[k])) {
            ir_node_error(d, g, n, "padded dim %d must be a constant (bind the symbols)", k);
            return false;
        }
        int64_t size = in[0].dims[k].size;
        const int64_t lim = INT64_C(1) << 40;
        if (pb < -lim || pb > lim || pe < -lim || pe > lim || size + pb + pe < 0) {
            ir_node_error(d, g, n, "pads of dim %d are out of range", k);
            return false;
        }
        if (strcmp(mode, "constant") != 0 && size + pb + pe > 0 &&
            size + (pb < 0 ? pb : 0) + (pe < 0 ? pe : 0) < (reflect ? 2 : 1)) {
            ir_node_error(d, g, n, "mode '%s' needs dim %d to keep at least %d element(s)", mode, k,
                          reflect ? 2 : 1);
            return false;
        }
        out[0].dims[k] = ir_dim_const(size + pb + pe);
    }
    return true;
}

bool ir_shape_resize(const IrGraph *g, const IrNode *n, const IrType *in, IrType *out, Diag *d) {
    if (!shp_float_input(g, n, in, 0, d)) return false;
    const IrAttr *sizes = ir_attr_find(n, "sizes"), *scales = ir_attr_find(n, "scales");
    int r = in[0].rank;
    if (sizes->count != r || (scales && scales->count != r)) {
        ir_node_error(d, g, n, "sizes and scales need one value per dim (%d)", r);
        return false;
    }
    const char *mode = ir_attr_string(n, "mode");
    const char *ctm = ir_attr_string(n, "coordinate_transformation_mode");
    const char *nm = ir_attr_string(n, "nearest_mode");
    if (strcmp(mode, "nearest") != 0 && strcmp(mode, "linear") != 0) {
        ir_node_error(d, g, n, "mode '%s' is not supported (nearest, linear)", mode);
        return false;
    }
    const char *ctms[] = {"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel",
                          "tf_half_pixel_for_nn"};
    bool ok = false;
    for (int i = 0; i < 5; i++) ok = ok || strcmp(ctm, ctms[i]) == 0;
    if (!ok) {
        ir_node_error(d, g, n, "coordinate_transformation_mode '%s' is not supported", ctm);
        return false;
    }
    if (strcmp(nm, "round_prefer_floor") != 0 && strcmp(nm, "round_prefer_ceil") != 0 &&
        strcmp(nm, "floor") != 0 && strcmp(nm, "ceil") != 0) {
        ir_node_error(d, g, n, "nearest_mode '%s' is not supported", nm);
        return false;
    }
    out[0] = in[0];
    for (int k = 0; k < r; k++) {
        if (sizes->ints[k] == 0) continue; /* the dim is kept (scale 1) */
        if (sizes->ints[k] < 0 || sizes->ints[k] > (INT64_C(1) << 40) ||
            (scales && !(scales->floats[k] > 0.0 && scales->floats[k] < 1e12))) {
            ir_node_error(d, g, n, "sizes and scales must be positive");
            return false;
        }
        if (ir_dim_is_const(in[0].dims[k]) && in[0].dims[k].size == sizes->ints[k]) continue;
        if (!ir_dim_is_const(in[0].dims[k]) || in[0].dims[k].size < 1) {
            ir_node_error(d, g, n, "resized dim %d must be a positive constant", k);
            return false;
        }
        out[0].dims[k] = ir_dim_const(sizes->ints[k]);
    }
    return true;
}
