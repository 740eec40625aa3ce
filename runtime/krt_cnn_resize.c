/* Pad and Resize (krt_cnn.h), any rank up to 8. */
#include "kiln_rt.h"

#include <math.h>

/* The input index output index o reads along a dim of size `size` padded by pb in front, or -1
 * for a constant fill. */
static int64_t krt_pad_src(KrtPadMode mode, int64_t o, int64_t pb, int64_t size) {
    int64_t i = o - pb;
    if (i >= 0 && i < size) return i;
    switch (mode) {
    case KRT_PAD_EDGE:
        return i < 0 ? 0 : size - 1;
    case KRT_PAD_WRAP:
        return ((i % size) + size) % size;
    case KRT_PAD_REFLECT: {
        int64_t period = 2 * (size - 1);
        int64_t m = ((i % period) + period) % period;
        return m < size ? m : period - m;
    }
    case KRT_PAD_CONSTANT:
        break;
    }
    return -1;
}

void krt_pad_f32(const float *x, float *y, int rank, const int64_t *x_dims, const int64_t *pads,
                 KrtPadMode mode, float value) {
    int64_t y_dims[8], idx[8] = {0}, numel = 1;
    for (int k = 0; k < rank; k++) {
        y_dims[k] = x_dims[k] + pads[k] + pads[rank + k];
        numel *= y_dims[k];
    }
    for (int64_t e = 0; e < numel; e++) {
        int64_t src = 0;
        int fill = 0;
        for (int k = 0; k < rank; k++) {
            int64_t i = krt_pad_src(mode, idx[k], pads[k], x_dims[k]);
            if (i < 0) fill = 1;
            src = src * x_dims[k] + (i < 0 ? 0 : i);
        }
        y[e] = fill ? value : x[src];
        for (int k = rank - 1; k >= 0; k--) {
            if (++idx[k] < y_dims[k]) break;
            idx[k] = 0;
        }
    }
}

/* Input coordinate of output index o (ONNX coordinate_transformation_mode). */
static double krt_resize_coord(KrtResizeCoord coord, int64_t o, int64_t in, int64_t out,
                               double scale) {
    double x = (double)o;
    switch (coord) {
    case KRT_RESIZE_ASYMMETRIC:
        return x / scale;
    case KRT_RESIZE_TF_HALF_PIXEL_FOR_NN:
        return (x + 0.5) / scale;
    case KRT_RESIZE_ALIGN_CORNERS:
        return out == 1 ? 0.0 : x * (double)(in - 1) / (double)(out - 1);
    case KRT_RESIZE_PYTORCH_HALF_PIXEL:
        if (out == 1) return 0.0;
        break;
    case KRT_RESIZE_HALF_PIXEL:
        break;
    }
    return (x + 0.5) / scale - 0.5;
}

void krt_resize_f32(const float *x, float *y, int rank, const int64_t *x_dims,
                    const int64_t *y_dims, const double *scales, int linear, KrtResizeCoord coord,
                    KrtResizeNearest nearest) {
    int64_t idx[8] = {0}, numel = 1, i0[8], i1[8];
    double w1[8];
    for (int k = 0; k < rank; k++) numel *= y_dims[k];
    for (int64_t e = 0; e < numel; e++) {
        for (int k = 0; k < rank; k++) {
            double c = krt_resize_coord(coord, idx[k], x_dims[k], y_dims[k], scales[k]);
            double top = (double)(x_dims[k] - 1);
            if (!linear) {
                double r = nearest == KRT_NEAREST_FLOOR               ? floor(c)
                           : nearest == KRT_NEAREST_CEIL              ? ceil(c)
                           : nearest == KRT_NEAREST_ROUND_PREFER_CEIL ? floor(c + 0.5)
                                                                      : ceil(c - 0.5);
                r = r < 0 ? 0 : r > top ? top : r;
                i0[k] = i1[k] = (int64_t)r;
                w1[k] = 0.0;
            } else {
                c = c < 0 ? 0 : c > top ? top : c;
                i0[k] = (int64_t)floor(c);
                i1[k] = i0[k] + 1 < x_dims[k] ? i0[k] + 1 : i0[k];
                w1[k] = c - (double)i0[k];
            }
        }
        /* only dims with a fractional coordinate have a second neighbour: walk the subsets of
         * those dims (for nearest: just the empty one) */
        unsigned mask = 0;
        for (int k = 0; k < rank; k++)
            if (w1[k] != 0.0) mask |= 1u << k;
        double sum = 0.0;
        for (unsigned corner = mask;; corner = (corner - 1) & mask) {
            double wgt = 1.0;
            int64_t src = 0;
            for (int k = 0; k < rank; k++) {
                int hi = (corner >> k) & 1u;
                wgt *= hi ? w1[k] : 1.0 - w1[k];
                src = src * x_dims[k] + (hi ? i1[k] : i0[k]);
            }
            sum += wgt * (double)x[src];
            if (corner == 0) break;
        }
        y[e] = (float)sum;
        for (int k = rank - 1; k >= 0; k--) {
            if (++idx[k] < y_dims[k]) break;
            idx[k] = 0;
        }
    }
}
