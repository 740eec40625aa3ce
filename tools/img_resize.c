/* Separable bicubic resampling of 8-bit RGB, computed the way PIL's Image.resize(BICUBIC) does
 * (Pillow's Resample.c; torchvision's antialiased uint8 resize was written to agree with it),
 * so that pixel_values match the reference image processors:
 * - the cubic convolution kernel with a = -0.5, support 2;
 * - when shrinking by a factor s the kernel is stretched by s (antialiasing): support 2s;
 * - output pixel x samples around the input coordinate (x + 0.5) * in / out, taps whose
 *   window is clipped at the borders, weights normalized to sum 1;
 * - weights in fixed point with 22 fractional bits, rounded; each pass accumulates in int32
 *   from a rounding offset and clamps to 0..255: horizontal first, then vertical. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "img.h"

#define IMG_PRECISION_BITS (32 - 8 - 2)

static double img_cubic(double x) {
    const double a = -0.5;
    x = fabs(x);
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

/* The taps of every output position: window start bounds[2 * o], length bounds[2 * o + 1],
 * and ksize fixed-point weights at coeffs[o * ksize]. */
typedef struct ImgTaps {
    int64_t ksize;
    int64_t *bounds;
    int32_t *coeffs;
} ImgTaps;

static bool img_taps(int64_t in_size, int64_t out_size, ImgTaps *t) {
    double scale = (double)in_size / (double)out_size;
    double filterscale = scale < 1.0 ? 1.0 : scale;
    double support = 2.0 * filterscale;
    t->ksize = (int64_t)ceil(support) * 2 + 1;
    t->bounds = malloc(sizeof *t->bounds * (size_t)(2 * out_size));
    t->coeffs = calloc((size_t)(out_size * t->ksize), sizeof *t->coeffs);
    double *k = malloc(sizeof *k * (size_t)t->ksize);
    if (!t->bounds || !t->coeffs || !k) {
        free(k);
        return false;
    }
    for (int64_t o = 0; o < out_size; o++) {
        double center = ((double)o + 0.5) * scale;
        int64_t lo = (int64_t)(center - support + 0.5), hi = (int64_t)(center + support + 0.5);
        if (lo < 0) lo = 0;
        if (hi > in_size) hi = in_size;
        int64_t n = hi - lo;
        double total = 0.0;
        for (int64_t i = 0; i < n; i++) {
            k[i] = img_cubic(((double)(i + lo) - center + 0.5) / filterscale);
            total += k[i];
        }
        for (int64_t i = 0; i < n; i++) {
            double w = total != 0.0 ? k[i] / total : 0.0;
            double fixed = w * (double)(1 << IMG_PRECISION_BITS);
            t->coeffs[o * t->ksize + i] = (int32_t)(w < 0 ? fixed - 0.5 : fixed + 0.5);
        }
        t->bounds[2 * o] = lo;
        t->bounds[2 * o + 1] = n;
    }
    free(k);
    return true;
}

static void img_taps_free(ImgTaps *t) {
    free(t->bounds);
    free(t->coeffs);
}

static uint8_t img_clip8(int32_t acc) {
    int32_t v = acc >> IMG_PRECISION_BITS;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* One pass along x (horizontal) or y: src w x h to dst (ow x h or w x oh). */
static void img_pass(const uint8_t *src, int64_t w, int64_t h, uint8_t *dst, int64_t out,
                     const ImgTaps *t, bool horizontal) {
    int64_t ow = horizontal ? out : w, oh = horizontal ? h : out;
    for (int64_t y = 0; y < oh; y++)
        for (int64_t x = 0; x < ow; x++) {
            int64_t o = horizontal ? x : y;
            int64_t lo = t->bounds[2 * o], n = t->bounds[2 * o + 1];
            const int32_t *k = t->coeffs + o * t->ksize;
            for (int c = 0; c < 3; c++) {
                int32_t acc = 1 << (IMG_PRECISION_BITS - 1);
                for (int64_t i = 0; i < n; i++) {
                    int64_t sx = horizontal ? lo + i : x, sy = horizontal ? y : lo + i;
                    acc += (int32_t)src[(sy * w + sx) * 3 + c] * k[i];
                }
                dst[(y * ow + x) * 3 + c] = img_clip8(acc);
            }
        }
}

bool img_resize_bicubic(const ImgRgb *src, int64_t width, int64_t height, ImgRgb *out) {
    memset(out, 0, sizeof *out);
    ImgTaps tx = {0}, ty = {0};
    uint8_t *mid = NULL;
    bool ok = width >= 1 && height >= 1 && width <= IMG_MAX_PIXELS / height;
    bool need_x = width != src->width, need_y = height != src->height;
    ok = ok && (!need_x || img_taps(src->width, width, &tx)) &&
         (!need_y || img_taps(src->height, height, &ty));
    if (ok) {
        mid = malloc((size_t)(width * src->height * 3));
        out->pixels = malloc((size_t)(width * height * 3));
        ok = mid && out->pixels;
    }
    if (ok) {
        if (need_x)
            img_pass(src->pixels, src->width, src->height, mid, width, &tx, true);
        else
            memcpy(mid, src->pixels, (size_t)(width * src->height * 3));
        if (need_y)
            img_pass(mid, width, src->height, out->pixels, height, &ty, false);
        else
            memcpy(out->pixels, mid, (size_t)(width * height * 3));
        out->width = width;
        out->height = height;
    } else {
        free(out->pixels);
        out->pixels = NULL;
    }
    free(mid);
    img_taps_free(&tx);
    img_taps_free(&ty);
    return ok;
}
