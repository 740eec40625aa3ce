/* Interpreter: Pad and Resize (ir/ops_cnn.h), any rank. */
#include "interp_internal.h"

#include <math.h>
#include <string.h>

/* The input index that output index o of a dim of size `size` padded by pb in front reads, or
 * -1 for a constant-mode fill. mode: 'c' constant, 'r' reflect, 'e' edge, 'w' wrap. */
static int64_t interp_pad_src(char mode, int64_t o, int64_t pb, int64_t size) {
    int64_t i = o - pb;
    if (i >= 0 && i < size) return i;
    switch (mode) {
    case 'e':
        return i < 0 ? 0 : size - 1;
    case 'w':
        return ((i % size) + size) % size;
    case 'r': {
        int64_t period = 2 * (size - 1); /* size >= 2: checked by the shape rule */
        int64_t m = ((i % period) + period) % period;
        return m < size ? m : period - m;
    }
    default:
        return -1;
    }
}

bool interp_pad(const InterpArgs *a) {
    const IrType *tx = &a->in[0]->type, *ty = &a->out[0]->type;
    const IrAttr *pads = ir_attr_find(a->n, "pads");
    const char *mode_s = ir_attr_string(a->n, "mode");
    char mode = strcmp(mode_s, "reflect") == 0 ? 'r'
                : strcmp(mode_s, "edge") == 0  ? 'e'
                : strcmp(mode_s, "wrap") == 0  ? 'w'
                                               : 'c';
    double value = ir_attr_float(a->n, "value");
    int r = tx->rank;
    int64_t xd[IR_MAX_RANK], yd[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(tx, xd);
    interp_type_dims(ty, yd);
    int64_t numel = a->out[0]->numel;
    for (int64_t e = 0; e < numel; e++) {
        int64_t src = 0;
        bool fill = false;
        for (int k = 0; k < r; k++) {
            int64_t i = interp_pad_src(mode, idx[k], pads->ints[k], xd[k]);
            if (i < 0) fill = true;
            src = src * xd[k] + (i < 0 ? 0 : i);
        }
        a->out[0]->data[e] = fill ? value : a->in[0]->data[src];
        for (int k = r - 1; k >= 0; k--) {
            if (++idx[k] < yd[k]) break;
            idx[k] = 0;
        }
    }
    return true;
}

/* One dim of a resize: input coordinate of output index o. */
static double interp_resize_coord(const char *ctm, int64_t o, int64_t in, int64_t out,
                                  double scale) {
    double x = (double)o;
    if (strcmp(ctm, "asymmetric") == 0) return x / scale;
    if (strcmp(ctm, "tf_half_pixel_for_nn") == 0) return (x + 0.5) / scale;
    if (strcmp(ctm, "align_corners") == 0)
        return out == 1 ? 0.0 : x * (double)(in - 1) / (double)(out - 1);
    if (strcmp(ctm, "pytorch_half_pixel") == 0 && out == 1) return 0.0;
    return (x + 0.5) / scale - 0.5; /* half_pixel, pytorch_half_pixel */
}

/* Per dim of a resize: the two source indices and the weight of the second. */
typedef struct InterpResizeTap {
    int64_t i0, i1;
    double w1;
} InterpResizeTap;

static InterpResizeTap interp_resize_tap(const InterpArgs *a, int k, int64_t o, int64_t in,
                                         int64_t out) {
    const IrAttr *scales = ir_attr_find(a->n, "scales");
    double scale = scales ? scales->floats[k] : (double)out / (double)in;
    const char *ctm = ir_attr_string(a->n, "coordinate_transformation_mode");
    double x = interp_resize_coord(ctm, o, in, out, scale);
    InterpResizeTap t = {0, 0, 0.0};
    if (strcmp(ir_attr_string(a->n, "mode"), "nearest") == 0) {
        const char *nm = ir_attr_string(a->n, "nearest_mode");
        double r = strcmp(nm, "floor") == 0               ? floor(x)
                   : strcmp(nm, "ceil") == 0              ? ceil(x)
                   : strcmp(nm, "round_prefer_ceil") == 0 ? floor(x + 0.5)
                                                          : ceil(x - 0.5);
        if (r < 0) r = 0;
        if (r > (double)(in - 1)) r = (double)(in - 1);
        t.i0 = t.i1 = (int64_t)r;
        return t;
    }
    if (x < 0) x = 0;
    if (x > (double)(in - 1)) x = (double)(in - 1);
    t.i0 = (int64_t)floor(x);
    t.i1 = t.i0 + 1 < in ? t.i0 + 1 : t.i0;
    t.w1 = x - (double)t.i0;
    return t;
}

/* Resize: each output element blends the 2^rank corners of its taps (nearest: one corner). */
bool interp_resize(const InterpArgs *a) {
    const IrType *tx = &a->in[0]->type, *ty = &a->out[0]->type;
    int r = tx->rank;
    int64_t xd[IR_MAX_RANK], yd[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
    interp_type_dims(tx, xd);
    interp_type_dims(ty, yd);
    for (int64_t e = 0; e < a->out[0]->numel; e++) {
        InterpResizeTap taps[IR_MAX_RANK];
        for (int k = 0; k < r; k++) taps[k] = interp_resize_tap(a, k, idx[k], xd[k], yd[k]);
        double sum = 0.0;
        for (int corner = 0; corner < (1 << r); corner++) {
            double wgt = 1.0;
            int64_t src = 0;
            for (int k = 0; k < r; k++) {
                bool hi = (corner >> k) & 1;
                wgt *= hi ? taps[k].w1 : 1.0 - taps[k].w1;
                src = src * xd[k] + (hi ? taps[k].i1 : taps[k].i0);
            }
            if (wgt != 0.0) sum += wgt * a->in[0]->data[src];
        }
        a->out[0]->data[e] = sum;
        for (int k = r - 1; k >= 0; k--) {
            if (++idx[k] < yd[k]) break;
            idx[k] = 0;
        }
    }
    return true;
}
