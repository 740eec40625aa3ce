/* ONNX import functions for the ops of IR family "cnn" (ir/ops_cnn.h); see onnx_import.h.
 * Attributes map one to one where the IR op shares ONNX's meaning; inputs that ONNX passes as
 * tensors but the IR keeps as attributes (Pad's pads, Resize's scales and sizes) must be
 * constants and are read here. */
#include <math.h>
#include <string.h>

#include "onnx_import.h"

/* Inputs 0 .. count-1 are present. */
static bool cnn_need_inputs(OnnxImporter *im, const OnnxNode *n, int count) {
    for (int i = 0; i < count; i++)
        if (onnx_input(im, n, i) < 0) return onnx_error(im, n, "input %d is required", i);
    return true;
}

/* Outputs beyond the first must be unused (training statistics, pool indices). */
static bool cnn_only_first_output(OnnxImporter *im, const OnnxNode *n, const char *what) {
    for (int k = 1; k < n->n_outputs; k++)
        if (n->outputs[k][0] != '\0')
            return onnx_error(im, n, "output %d (%s) is not supported", k, what);
    return true;
}

/* Copies the INTS attribute `name` of n (when present) to IR node `node`. */
static bool cnn_copy_ints(OnnxImporter *im, const OnnxNode *n, int node, const char *name) {
    const int64_t *v;
    int count;
    bool present;
    if (!onnx_attr_ints(im, n, name, &v, &count, &present)) return false;
    if (present) ir_attr_set_ints(onnx_graph(im), node, name, v, count);
    return true;
}

/* Copies the INT attribute `name` (default def) to IR node `node`. */
static bool cnn_copy_int(OnnxImporter *im, const OnnxNode *n, int node, const char *name,
                         int64_t def) {
    int64_t v;
    if (!onnx_attr_int(im, n, name, def, &v)) return false;
    ir_attr_set_int(onnx_graph(im), node, name, v);
    return true;
}

/* The window attributes shared by Conv and the pools. */
static bool cnn_copy_window(OnnxImporter *im, const OnnxNode *n, int node) {
    const char *auto_pad;
    if (!onnx_attr_string(im, n, "auto_pad", "NOTSET", &auto_pad)) return false;
    ir_attr_set_string(onnx_graph(im), node, "auto_pad", auto_pad);
    return cnn_copy_ints(im, n, node, "kernel_shape") && cnn_copy_ints(im, n, node, "strides") &&
           cnn_copy_ints(im, n, node, "dilations") && cnn_copy_ints(im, n, node, "pads");
}

static bool cnn_conv(OnnxImporter *im, const OnnxNode *n) {
    if (!cnn_need_inputs(im, n, 2)) return false;
    int ins[3] = {onnx_input(im, n, 0), onnx_input(im, n, 1), onnx_input(im, n, 2)};
    int node = onnx_node_begin(im, n, IR_OP_CONV, ins, ins[2] >= 0 ? 3 : 2, n->outputs, 1);
    if (!cnn_copy_window(im, n, node) || !cnn_copy_int(im, n, node, "group", 1)) return false;
    return onnx_node_end(im, n, node, NULL);
}

static bool cnn_pool(OnnxImporter *im, const OnnxNode *n, IrOp op) {
    if (!cnn_need_inputs(im, n, 1) || !cnn_only_first_output(im, n, "Indices")) return false;
    int x = onnx_input(im, n, 0);
    int node = onnx_node_begin(im, n, op, &x, 1, n->outputs, 1);
    if (!cnn_copy_window(im, n, node) || !cnn_copy_int(im, n, node, "ceil_mode", 0)) return false;
    if (op == IR_OP_AVERAGEPOOL && !cnn_copy_int(im, n, node, "count_include_pad", 0)) return false;
    return onnx_node_end(im, n, node, NULL);
}

static bool cnn_maxpool(OnnxImporter *im, const OnnxNode *n) {
    return cnn_pool(im, n, IR_OP_MAXPOOL);
}
static bool cnn_averagepool(OnnxImporter *im, const OnnxNode *n) {
    return cnn_pool(im, n, IR_OP_AVERAGEPOOL);
}

/* An op whose inputs and single output map one to one. */
static bool cnn_direct(OnnxImporter *im, const OnnxNode *n, IrOp op, int n_in) {
    if (!cnn_need_inputs(im, n, n_in)) return false;
    int ins[5];
    for (int i = 0; i < n_in; i++) ins[i] = onnx_input(im, n, i);
    int node = onnx_node_begin(im, n, op, ins, n_in, n->outputs, 1);
    double eps;
    if (ir_op_attr_spec(op, "epsilon")) {
        if (!onnx_attr_float(im, n, "epsilon", 1e-5, &eps)) return false;
        ir_attr_set_float(onnx_graph(im), node, "epsilon", (double)(float)eps);
    }
    return onnx_node_end(im, n, node, NULL);
}

static bool cnn_global_avg(OnnxImporter *im, const OnnxNode *n) {
    return cnn_direct(im, n, IR_OP_GLOBALAVERAGEPOOL, 1);
}
static bool cnn_global_max(OnnxImporter *im, const OnnxNode *n) {
    return cnn_direct(im, n, IR_OP_GLOBALMAXPOOL, 1);
}
static bool cnn_instancenorm(OnnxImporter *im, const OnnxNode *n) {
    return cnn_direct(im, n, IR_OP_INSTANCENORM, 3);
}

static bool cnn_batchnorm(OnnxImporter *im, const OnnxNode *n) {
    int64_t training, spatial;
    if (!onnx_attr_int(im, n, "training_mode", 0, &training) ||
        !onnx_attr_int(im, n, "spatial", 1, &spatial))
        return false;
    if (training != 0)
        return onnx_error(im, n, "training_mode=1 is not supported (inference only)");
    if (spatial != 1) return onnx_error(im, n, "spatial=0 is not supported");
    if (!cnn_only_first_output(im, n, "training statistics")) return false;
    return cnn_direct(im, n, IR_OP_BATCHNORM, 5);
}

/* Pad: pads (and constant_value, axes) are attributes before opset 11 and inputs after. */
static bool cnn_pad(OnnxImporter *im, const OnnxNode *n) {
    if (!cnn_need_inputs(im, n, 1)) return false;
    IrType xt = onnx_input_type(im, n, 0);
    int r = xt.rank;
    const char *mode;
    if (!onnx_attr_string(im, n, "mode", "constant", &mode)) return false;
    int64_t pads[2 * IR_MAX_RANK] = {0};
    double value = 0.0;
    if (onnx_opset(im, "") < 11) {
        const int64_t *p;
        int count;
        bool present;
        if (!onnx_attr_ints(im, n, "pads", &p, &count, &present)) return false;
        if (!present || count != 2 * r)
            return onnx_error(im, n, "pads needs %d values for a rank-%d input", 2 * r, r);
        memcpy(pads, p, sizeof *pads * (size_t)count);
        if (!onnx_attr_float(im, n, "value", 0.0, &value)) return false;
    } else {
        int64_t given[2 * IR_MAX_RANK], axes[IR_MAX_RANK];
        int count, n_axes = r;
        if (!cnn_need_inputs(im, n, 2) ||
            !onnx_input_ints(im, n, 1, "the pads", given, 2 * IR_MAX_RANK, &count))
            return false;
        for (int k = 0; k < r; k++) axes[k] = k;
        if (onnx_input(im, n, 3) >= 0 &&
            !onnx_input_ints(im, n, 3, "the padded axes", axes, IR_MAX_RANK, &n_axes))
            return false;
        if (count != 2 * n_axes)
            return onnx_error(im, n, "pads has %d values for %d axes", count, n_axes);
        for (int i = 0; i < n_axes; i++) {
            int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
            if (a < 0 || a >= r)
                return onnx_error(im, n, "axis %lld is out of range", (long long)axes[i]);
            pads[a] = given[i];
            pads[r + a] = given[n_axes + i];
        }
        if (onnx_input(im, n, 2) >= 0) {
            IrTensor t;
            if (!onnx_input_const(im, n, 2, "the constant value", &t)) return false;
            if (ir_tensor_numel(&t) != 1)
                return onnx_error(im, n, "constant_value must have one element");
            value = ir_tensor_get(&t, 0);
        }
    }
    int x = onnx_input(im, n, 0);
    int node = onnx_node_begin(im, n, IR_OP_PAD, &x, 1, n->outputs, 1);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_ints(g, node, "pads", pads, 2 * r);
    ir_attr_set_string(g, node, "mode", mode);
    ir_attr_set_float(g, node, "value", value);
    return onnx_node_end(im, n, node, NULL);
}

/* Reads a float tensor input (scales) of at most cap elements; *count 0 when omitted or
 * empty. */
static bool cnn_input_floats(OnnxImporter *im, const OnnxNode *n, int i, double *vals, int cap,
                             int *count) {
    *count = 0;
    if (onnx_input(im, n, i) < 0) return true;
    IrTensor t;
    if (!onnx_input_const(im, n, i, "the scales", &t)) return false;
    int64_t numel = ir_tensor_numel(&t);
    if (numel > cap) return onnx_error(im, n, "scales has %lld values", (long long)numel);
    for (int64_t k = 0; k < numel; k++) vals[k] = ir_tensor_get(&t, k);
    *count = (int)numel;
    return true;
}

/* Resize (opset 10: X, scales; 11+: X, roi, scales, sizes) and Upsample (X, scales attribute
 * before opset 9, input after). */
static bool cnn_resize_common(OnnxImporter *im, const OnnxNode *n, bool upsample) {
    if (!cnn_need_inputs(im, n, 1)) return false;
    IrType xt = onnx_input_type(im, n, 0);
    int r = xt.rank;
    int64_t opset = onnx_opset(im, "");
    const char *mode, *ctm, *nearest, *policy;
    int64_t antialias, exclude_outside;
    bool old = upsample || opset < 11;
    if (!onnx_attr_string(im, n, "mode", "nearest", &mode) ||
        !onnx_attr_string(im, n, "coordinate_transformation_mode",
                          old ? "asymmetric" : "half_pixel", &ctm) ||
        !onnx_attr_string(im, n, "nearest_mode", old ? "floor" : "round_prefer_floor", &nearest) ||
        !onnx_attr_string(im, n, "keep_aspect_ratio_policy", "stretch", &policy) ||
        !onnx_attr_int(im, n, "antialias", 0, &antialias) ||
        !onnx_attr_int(im, n, "exclude_outside", 0, &exclude_outside))
        return false;
    if (antialias != 0) return onnx_error(im, n, "antialias=1 is not supported");
    if (exclude_outside != 0) return onnx_error(im, n, "exclude_outside=1 is not supported");
    if (strcmp(policy, "stretch") != 0)
        return onnx_error(im, n, "keep_aspect_ratio_policy '%s' is not supported", policy);
    if (strcmp(mode, "bilinear") == 0) mode = "linear"; /* Upsample-7 spelling */
    double scales[IR_MAX_RANK];
    int64_t sizes[IR_MAX_RANK], axes[IR_MAX_RANK];
    int n_scales = 0, n_sizes = 0, n_axes = r;
    for (int k = 0; k < r; k++) axes[k] = k;
    const int64_t *axes_attr;
    bool has_axes = false;
    if (!onnx_attr_ints(im, n, "axes", &axes_attr, &n_axes, &has_axes)) return false;
    if (has_axes) {
        if (n_axes > r) return onnx_error(im, n, "axes has %d values", n_axes);
        for (int i = 0; i < n_axes; i++)
            axes[i] = axes_attr[i] < 0 ? axes_attr[i] + r : axes_attr[i];
    } else {
        n_axes = r;
    }
    if (upsample && opset < 9) {
        const double *f;
        bool present;
        if (!onnx_attr_floats(im, n, "scales", &f, &n_scales, &present)) return false;
        if (n_scales > IR_MAX_RANK) return onnx_error(im, n, "too many scales");
        for (int k = 0; k < n_scales; k++) scales[k] = f[k];
    } else if (!cnn_input_floats(im, n, old ? 1 : 2, scales, IR_MAX_RANK, &n_scales)) {
        return false;
    }
    if (!old && onnx_input(im, n, 3) >= 0 &&
        !onnx_input_ints(im, n, 3, "the output sizes", sizes, IR_MAX_RANK, &n_sizes))
        return false;
    if ((n_scales > 0) == (n_sizes > 0))
        return onnx_error(im, n, "exactly one of scales and sizes must be given");
    if ((n_scales ? n_scales : n_sizes) != n_axes)
        return onnx_error(im, n, "scales or sizes need one value per resized axis (%d)", n_axes);
    /* per dim of x: the IR's output size (0 keeps the dim) and scale */
    int64_t out_sizes[IR_MAX_RANK];
    double out_scales[IR_MAX_RANK];
    for (int k = 0; k < r; k++) {
        out_sizes[k] = 0;
        out_scales[k] = 1.0;
    }
    for (int i = 0; i < n_axes; i++) {
        int64_t a = axes[i];
        if (a < 0 || a >= r) return onnx_error(im, n, "axis %lld is out of range", (long long)a);
        bool keep = n_scales ? scales[i] == 1.0 : false;
        if (keep) continue;
        if (!ir_dim_is_const(xt.dims[a]))
            return onnx_error(im, n, "resized dim %lld of the input must be a constant",
                              (long long)a);
        int64_t in = xt.dims[a].size;
        if (n_scales) {
            if (!(scales[i] > 0.0 && scales[i] < 1e6))
                return onnx_error(im, n, "scale %g is not supported", scales[i]);
            out_scales[a] = (double)(float)scales[i];
            out_sizes[a] = (int64_t)floor((double)in * out_scales[a]);
            if (out_sizes[a] < 1) return onnx_error(im, n, "scales give an empty output");
        } else {
            if (sizes[i] < 1 || in < 1) return onnx_error(im, n, "sizes must be positive");
            out_sizes[a] = sizes[i];
            out_scales[a] = (double)sizes[i] / (double)in;
        }
    }
    int x = onnx_input(im, n, 0);
    int node = onnx_node_begin(im, n, IR_OP_RESIZE, &x, 1, n->outputs, 1);
    IrGraph *g = onnx_graph(im);
    ir_attr_set_ints(g, node, "sizes", out_sizes, r);
    if (n_scales) ir_attr_set_floats(g, node, "scales", out_scales, r);
    ir_attr_set_string(g, node, "mode", mode);
    ir_attr_set_string(g, node, "coordinate_transformation_mode", ctm);
    ir_attr_set_string(g, node, "nearest_mode", nearest);
    return onnx_node_end(im, n, node, NULL);
}

static bool cnn_resize(OnnxImporter *im, const OnnxNode *n) {
    return cnn_resize_common(im, n, false);
}
static bool cnn_upsample(OnnxImporter *im, const OnnxNode *n) {
    return cnn_resize_common(im, n, true);
}

/* One step of a data-movement chain: Reshape to shape[rank] or Transpose by perm[rank]; the
 * last step computes ONNX output 0. Returns the value, or -1 after an error. */
static int cnn_move(OnnxImporter *im, const OnnxNode *n, IrOp op, int x, const int64_t *v, int rank,
                    bool last) {
    const char *names[1] = {last ? n->outputs[0] : NULL};
    int node = onnx_node_begin(im, n, op, &x, 1, names, 1);
    ir_attr_set_ints(onnx_graph(im), node, op == IR_OP_RESHAPE ? "shape" : "perm", v, rank);
    int out;
    return onnx_node_end(im, n, node, &out) ? out : -1;
}

/* DepthToSpace and SpaceToDepth as Reshape -> Transpose -> Reshape of x[N, C, H, W] (C, H and
 * W constant; a 0 in a Reshape shape keeps the batch dim). */
static bool cnn_depth_space(OnnxImporter *im, const OnnxNode *n, bool to_space) {
    if (!cnn_need_inputs(im, n, 1)) return false;
    IrType t = onnx_input_type(im, n, 0);
    int64_t b;
    const char *mode;
    if (!onnx_attr_int(im, n, "blocksize", 0, &b) || !onnx_attr_string(im, n, "mode", "DCR", &mode))
        return false;
    if (t.rank != 4) return onnx_error(im, n, "input must have rank 4 (NCHW)");
    for (int k = 1; k < 4; k++)
        if (!ir_dim_is_const(t.dims[k]))
            return onnx_error(im, n, "C, H and W must be constants (bind the symbols)");
    int64_t c = t.dims[1].size, h = t.dims[2].size, w = t.dims[3].size;
    if (b < 1 || b > 4096) return onnx_error(im, n, "blocksize %lld is out of range", (long long)b);
    bool crd = strcmp(mode, "CRD") == 0;
    if (!crd && strcmp(mode, "DCR") != 0)
        return onnx_error(im, n, "mode '%s' is not supported (DCR, CRD)", mode);
    int x = onnx_input(im, n, 0);
    if (to_space) {
        if (c % (b * b) != 0)
            return onnx_error(im, n, "C (%lld) is not a multiple of blocksize^2", (long long)c);
        int64_t cb = c / (b * b);
        const int64_t dcr[6] = {0, b, b, cb, h, w}, crd_shape[6] = {0, cb, b, b, h, w};
        const int64_t dcr_perm[6] = {0, 3, 4, 1, 5, 2}, crd_perm[6] = {0, 1, 4, 2, 5, 3};
        const int64_t out[4] = {0, cb, h * b, w * b};
        x = cnn_move(im, n, IR_OP_RESHAPE, x, crd ? crd_shape : dcr, 6, false);
        if (x >= 0) x = cnn_move(im, n, IR_OP_TRANSPOSE, x, crd ? crd_perm : dcr_perm, 6, false);
        if (x >= 0) x = cnn_move(im, n, IR_OP_RESHAPE, x, out, 4, true);
        return x >= 0;
    }
    if (h % b != 0 || w % b != 0)
        return onnx_error(im, n, "H and W must be multiples of blocksize %lld", (long long)b);
    const int64_t split[6] = {0, c, h / b, b, w / b, b}, perm[6] = {0, 3, 5, 1, 2, 4};
    const int64_t out[4] = {0, c * b * b, h / b, w / b};
    x = cnn_move(im, n, IR_OP_RESHAPE, x, split, 6, false);
    if (x >= 0) x = cnn_move(im, n, IR_OP_TRANSPOSE, x, perm, 6, false);
    if (x >= 0) x = cnn_move(im, n, IR_OP_RESHAPE, x, out, 4, true);
    return x >= 0;
}

static bool cnn_depth_to_space(OnnxImporter *im, const OnnxNode *n) {
    return cnn_depth_space(im, n, true);
}
static bool cnn_space_to_depth(OnnxImporter *im, const OnnxNode *n) {
    return cnn_depth_space(im, n, false);
}

const OnnxOpImport onnx_import_cnn[] = {
    {"", "DepthToSpace", cnn_depth_to_space},
    {"", "SpaceToDepth", cnn_space_to_depth},
    {"", "Conv", cnn_conv},
    {"", "MaxPool", cnn_maxpool},
    {"", "AveragePool", cnn_averagepool},
    {"", "GlobalAveragePool", cnn_global_avg},
    {"", "GlobalMaxPool", cnn_global_max},
    {"", "BatchNormalization", cnn_batchnorm},
    {"", "InstanceNormalization", cnn_instancenorm},
    {"", "Pad", cnn_pad},
    {"", "Resize", cnn_resize},
    {"", "Upsample", cnn_upsample},
    {NULL, NULL, NULL},
};
