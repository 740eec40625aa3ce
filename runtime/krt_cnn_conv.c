/* Convolution, pooling and channel normalizations (krt_cnn.h). */
#include "kiln_rt.h"

#include <math.h>

/* The range [*lo, *hi) of output positions o of dim d for which tap j reads inside the input. */
static void krt_valid_range(const KrtWindow *w, int d, int64_t j, int64_t *lo, int64_t *hi) {
    int64_t off = j * w->dilation[d] - w->pad_begin[d]; /* input position = o * s + off */
    int64_t s = w->stride[d];
    /* o * s + off >= 0  <=>  o >= ceil(-off / s) */
    int64_t first = off >= 0 ? 0 : (-off + s - 1) / s;
    /* o * s + off < in  <=>  o < ceil((in - off) / s) */
    int64_t last = w->in[d] - off <= 0 ? 0 : (w->in[d] - off + s - 1) / s;
    if (last > w->out[d]) last = w->out[d];
    *lo = first;
    *hi = last > first ? last : first;
}

/* Output channels computed together, so every input element loaded feeds this many of them. */
#define KRT_CONV_BLOCK 4

/* Adds tap (j0, j1, j2) of one input plane xp, weighted by wv[b], to output planes yp[b] for
 * b < nb (nb <= KRT_CONV_BLOCK). */
static void krt_conv_tap(const KrtWindow *win, const float *xp, const float *wv, float *const *yp,
                         int nb, int64_t j0, int64_t j1, int64_t j2) {
    int64_t lo0, hi0, lo1, hi1, lo2, hi2;
    krt_valid_range(win, 0, j0, &lo0, &hi0);
    krt_valid_range(win, 1, j1, &lo1, &hi1);
    krt_valid_range(win, 2, j2, &lo2, &hi2);
    int64_t s2 = win->stride[2], off2 = j2 * win->dilation[2] - win->pad_begin[2];
    for (int64_t o0 = lo0; o0 < hi0; o0++) {
        int64_t p0 = o0 * win->stride[0] - win->pad_begin[0] + j0 * win->dilation[0];
        for (int64_t o1 = lo1; o1 < hi1; o1++) {
            int64_t p1 = o1 * win->stride[1] - win->pad_begin[1] + j1 * win->dilation[1];
            const float *restrict xr = xp + (p0 * win->in[1] + p1) * win->in[2] + off2;
            int64_t row = (o0 * win->out[1] + o1) * win->out[2];
            if (nb == KRT_CONV_BLOCK && s2 == 1) {
                float *restrict y0 = yp[0] + row, *restrict y1 = yp[1] + row;
                float *restrict y2 = yp[2] + row, *restrict y3 = yp[3] + row;
                float w0 = wv[0], w1 = wv[1], w2 = wv[2], w3 = wv[3];
                for (int64_t o2 = lo2; o2 < hi2; o2++) {
                    float xv = xr[o2];
                    y0[o2] += w0 * xv;
                    y1[o2] += w1 * xv;
                    y2[o2] += w2 * xv;
                    y3[o2] += w3 * xv;
                }
            } else {
                for (int b = 0; b < nb; b++) {
                    float *restrict yr = yp[b] + row;
                    float w = wv[b];
                    for (int64_t o2 = lo2; o2 < hi2; o2++) yr[o2] += w * xr[o2 * s2];
                }
            }
        }
    }
}

void krt_conv_f32(const float *x, const float *w, const float *bias, float *y, int64_t n, int64_t c,
                  int64_t m, int64_t group, const KrtWindow *win) {
    int64_t cg = c / group, mg = m / group;
    int64_t in_plane = win->in[0] * win->in[1] * win->in[2];
    int64_t out_plane = win->out[0] * win->out[1] * win->out[2];
    int64_t taps = win->kernel[0] * win->kernel[1] * win->kernel[2];
    for (int64_t b = 0; b < n; b++) {
        for (int64_t grp = 0; grp < group; grp++) {
            for (int64_t m0 = 0; m0 < mg; m0 += KRT_CONV_BLOCK) {
                int nb = mg - m0 < KRT_CONV_BLOCK ? (int)(mg - m0) : KRT_CONV_BLOCK;
                float *yp[KRT_CONV_BLOCK];
                for (int k = 0; k < nb; k++) {
                    int64_t om = grp * mg + m0 + k;
                    yp[k] = y + (b * m + om) * out_plane;
                    float init = bias ? bias[om] : 0.0f;
                    for (int64_t e = 0; e < out_plane; e++) yp[k][e] = init;
                }
                for (int64_t ic = 0; ic < cg; ic++) {
                    const float *xp = x + (b * c + grp * cg + ic) * in_plane;
                    int64_t t = 0;
                    for (int64_t j0 = 0; j0 < win->kernel[0]; j0++)
                        for (int64_t j1 = 0; j1 < win->kernel[1]; j1++)
                            for (int64_t j2 = 0; j2 < win->kernel[2]; j2++, t++) {
                                float wv[KRT_CONV_BLOCK];
                                for (int k = 0; k < nb; k++)
                                    wv[k] = w[((grp * mg + m0 + k) * cg + ic) * taps + t];
                                krt_conv_tap(win, xp, wv, yp, nb, j0, j1, j2);
                            }
                }
            }
        }
    }
}

/* Number of taps of window position o along dim d inside [lo_bound, hi_bound). */
static int64_t krt_taps_inside(const KrtWindow *w, int d, int64_t o, int64_t lo_bound,
                               int64_t hi_bound) {
    int64_t count = 0;
    for (int64_t j = 0; j < w->kernel[d]; j++) {
        int64_t p = o * w->stride[d] - w->pad_begin[d] + j * w->dilation[d];
        count += p >= lo_bound && p < hi_bound;
    }
    return count;
}

void krt_pool_f32(const float *x, float *y, int64_t planes, const KrtWindow *win, int is_max,
                  int count_include_pad) {
    int64_t in_plane = win->in[0] * win->in[1] * win->in[2];
    int64_t out_plane = win->out[0] * win->out[1] * win->out[2];
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * in_plane;
        float *yp = y + pl * out_plane;
        int64_t o[3];
        for (o[0] = 0; o[0] < win->out[0]; o[0]++)
            for (o[1] = 0; o[1] < win->out[1]; o[1]++)
                for (o[2] = 0; o[2] < win->out[2]; o[2]++) {
                    float acc = is_max ? -INFINITY : 0.0f;
                    int64_t count = 0;
                    for (int64_t j0 = 0; j0 < win->kernel[0]; j0++) {
                        int64_t p0 =
                            o[0] * win->stride[0] - win->pad_begin[0] + j0 * win->dilation[0];
                        if (p0 < 0 || p0 >= win->in[0]) continue;
                        for (int64_t j1 = 0; j1 < win->kernel[1]; j1++) {
                            int64_t p1 =
                                o[1] * win->stride[1] - win->pad_begin[1] + j1 * win->dilation[1];
                            if (p1 < 0 || p1 >= win->in[1]) continue;
                            for (int64_t j2 = 0; j2 < win->kernel[2]; j2++) {
                                int64_t p2 = o[2] * win->stride[2] - win->pad_begin[2] +
                                             j2 * win->dilation[2];
                                if (p2 < 0 || p2 >= win->in[2]) continue;
                                float v = xp[(p0 * win->in[1] + p1) * win->in[2] + p2];
                                if (is_max) {
                                    if (v > acc || v != v) acc = v;
                                } else {
                                    acc += v;
                                }
                                count++;
                            }
                        }
                    }
                    if (!is_max) {
                        if (count_include_pad) {
                            count = 1;
                            for (int d = 0; d < 3; d++)
                                count *= krt_taps_inside(win, d, o[d], -win->pad_begin[d],
                                                         win->in[d] + win->pad_end[d]);
                        }
                        acc = count > 0 ? acc / (float)count : 0.0f;
                    }
                    yp[(o[0] * win->out[1] + o[1]) * win->out[2] + o[2]] = acc;
                }
    }
}

void krt_global_pool_f32(const float *x, float *y, int64_t planes, int64_t len, int is_max) {
    for (int64_t pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * len;
        if (is_max) {
            float acc = -INFINITY;
            for (int64_t i = 0; i < len; i++)
                if (xp[i] > acc || xp[i] != xp[i]) acc = xp[i];
            y[pl] = acc;
        } else {
            double sum = 0.0;
            for (int64_t i = 0; i < len; i++) sum += xp[i];
            y[pl] = len > 0 ? (float)(sum / (double)len) : 0.0f;
        }
    }
}

void krt_batchnorm_f32(const float *x, const float *scale, const float *bias, const float *mean,
                       const float *var, float *y, int64_t n, int64_t c, int64_t inner,
                       double eps) {
    for (int64_t b = 0; b < n; b++)
        for (int64_t ch = 0; ch < c; ch++) {
            float k = (float)((double)scale[ch] / sqrt((double)var[ch] + eps));
            float shift = (float)((double)bias[ch] - (double)mean[ch] * (double)k);
            const float *xp = x + (b * c + ch) * inner;
            float *yp = y + (b * c + ch) * inner;
            for (int64_t e = 0; e < inner; e++) yp[e] = xp[e] * k + shift;
        }
}

void krt_instancenorm_f32(const float *x, const float *scale, const float *bias, float *y,
                          int64_t n, int64_t c, int64_t inner, double eps) {
    for (int64_t pl = 0; pl < n * c; pl++) {
        const float *xp = x + pl * inner;
        float *yp = y + pl * inner;
        double sum = 0.0, sq = 0.0;
        for (int64_t e = 0; e < inner; e++) sum += xp[e];
        double mean = inner > 0 ? sum / (double)inner : 0.0;
        for (int64_t e = 0; e < inner; e++) sq += ((double)xp[e] - mean) * ((double)xp[e] - mean);
        double inv = 1.0 / sqrt((inner > 0 ? sq / (double)inner : 0.0) + eps);
        float k = (float)(inv * (double)scale[pl % c]);
        float shift = (float)((double)bias[pl % c] - mean * inv * (double)scale[pl % c]);
        for (int64_t e = 0; e < inner; e++) yp[e] = xp[e] * k + shift;
    }
}
