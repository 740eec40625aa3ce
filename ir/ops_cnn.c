/* Attribute schemas of the "cnn" op family (ir/ops_cnn.h) and the sliding-window arithmetic
 * that Conv and the pools share. */
#include "ir.h"
#include "ops_internal.h"

#include <string.h>

/* Window attributes common to Conv and the pools (kernel_shape optional for Conv). */
#define IR_CNN_WINDOW_ATTRS(kernel_required)                                                       \
    {"kernel_shape", IR_ATTR_INTS, kernel_required, 0, 0.0, NULL},                                 \
        {"strides", IR_ATTR_INTS, false, 0, 0.0, NULL},                                            \
        {"dilations", IR_ATTR_INTS, false, 0, 0.0, NULL},                                          \
        {"pads", IR_ATTR_INTS, false, 0, 0.0, NULL}, {                                             \
        "auto_pad", IR_ATTR_STRING, false, 0, 0.0, "NOTSET"                                        \
    }

const IrAttrSpec ir_attrs_conv[] = {
    IR_CNN_WINDOW_ATTRS(false),
    {"group", IR_ATTR_INT, false, 1, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_maxpool[] = {
    IR_CNN_WINDOW_ATTRS(true),
    {"ceil_mode", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_averagepool[] = {
    IR_CNN_WINDOW_ATTRS(true),
    {"ceil_mode", IR_ATTR_INT, false, 0, 0.0, NULL},
    {"count_include_pad", IR_ATTR_INT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
IR_NO_ATTRS(globalaveragepool)
IR_NO_ATTRS(globalmaxpool)
const IrAttrSpec ir_attrs_batchnorm[] = {
    {"epsilon", IR_ATTR_FLOAT, false, 0, 1e-5, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_instancenorm[] = {
    {"epsilon", IR_ATTR_FLOAT, false, 0, 1e-5, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_pad[] = {
    {"pads", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"mode", IR_ATTR_STRING, false, 0, 0.0, "constant"},
    {"value", IR_ATTR_FLOAT, false, 0, 0.0, NULL},
    IR_ATTRS_END,
};
const IrAttrSpec ir_attrs_resize[] = {
    {"sizes", IR_ATTR_INTS, true, 0, 0.0, NULL},
    {"scales", IR_ATTR_FLOATS, false, 0, 0.0, NULL},
    {"mode", IR_ATTR_STRING, false, 0, 0.0, "nearest"},
    {"coordinate_transformation_mode", IR_ATTR_STRING, false, 0, 0.0, "half_pixel"},
    {"nearest_mode", IR_ATTR_STRING, false, 0, 0.0, "round_prefer_floor"},
    IR_ATTRS_END,
};

/* Copies an optional INTS attribute of exactly `count` entries into out, or fills out with def
 * when absent. False when present with another length or a value below `min`. */
static bool ir_cnn_ints(const IrNode *n, const char *name, int count, int64_t def, int64_t min,
                        int64_t *out) {
    const IrAttr *a = ir_attr_find(n, name);
    if (!a) {
        for (int i = 0; i < count; i++) out[i] = def;
        return true;
    }
    if (a->count != count) return false;
    for (int i = 0; i < count; i++) {
        if (a->ints[i] < min) return false;
        out[i] = a->ints[i];
    }
    return true;
}

const char *ir_cnn_window(const IrNode *n, int n_spatial, const int64_t *in, const int64_t *kernel,
                          IrCnnWindow *w) {
    memset(w, 0, sizeof *w);
    if (n_spatial < 1 || n_spatial > IR_CNN_MAX_SPATIAL) return "needs 1 to 3 spatial dims";
    w->n_spatial = n_spatial;
    int64_t pads[2 * IR_CNN_MAX_SPATIAL];
    if (!ir_cnn_ints(n, "strides", n_spatial, 1, 1, w->stride))
        return "strides needs one value >= 1 per spatial dim";
    if (!ir_cnn_ints(n, "dilations", n_spatial, 1, 1, w->dilation))
        return "dilations needs one value >= 1 per spatial dim";
    if (!ir_cnn_ints(n, "pads", 2 * n_spatial, 0, 0, pads))
        return "pads needs two values >= 0 per spatial dim";
    const char *auto_pad = ir_attr_string(n, "auto_pad");
    bool ceil_mode = ir_op_attr_spec(n->op, "ceil_mode") && ir_attr_int(n, "ceil_mode") != 0;
    bool same_upper = strcmp(auto_pad, "SAME_UPPER") == 0;
    bool same_lower = strcmp(auto_pad, "SAME_LOWER") == 0;
    bool valid = strcmp(auto_pad, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
        return "auto_pad must be NOTSET, VALID, SAME_UPPER or SAME_LOWER";
    for (int d = 0; d < n_spatial; d++) {
        if (in[d] < 0 || kernel[d] < 1 || kernel[d] > (INT64_C(1) << 31) ||
            w->dilation[d] > (INT64_C(1) << 31) || w->stride[d] > (INT64_C(1) << 31) ||
            pads[d] > (INT64_C(1) << 31) || pads[n_spatial + d] > (INT64_C(1) << 31) ||
            in[d] > (INT64_C(1) << 40))
            return "spatial sizes, kernel, strides, dilations or pads are out of range";
        w->in[d] = in[d];
        w->kernel[d] = kernel[d];
        int64_t span = (kernel[d] - 1) * w->dilation[d] + 1, s = w->stride[d];
        if (same_upper || same_lower) {
            int64_t out = (in[d] + s - 1) / s;
            int64_t total = (out - 1) * s + span - in[d];
            if (total < 0) total = 0;
            w->pad_begin[d] = same_upper ? total / 2 : total - total / 2;
            w->pad_end[d] = total - w->pad_begin[d];
            w->out[d] = out;
            continue;
        }
        if (!valid) {
            w->pad_begin[d] = pads[d];
            w->pad_end[d] = pads[n_spatial + d];
        }
        int64_t room = in[d] + w->pad_begin[d] + w->pad_end[d] - span;
        if (room < 0) return "the window is larger than the padded input";
        int64_t out = (ceil_mode ? (room + s - 1) / s : room / s) + 1;
        /* ceil_mode must not start a window entirely inside the end padding */
        if (ceil_mode && (out - 1) * s >= in[d] + w->pad_begin[d]) out--;
        w->out[d] = out;
    }
    return NULL;
}
