/* The cnn runtime kernels called directly (so the sanitizer build checks them too, which the
 * differential tests cannot: their generated libraries build without sanitizers), on the
 * hand-computed cases of test_cnn_interp.c plus edge cases of the window arithmetic. */
#include <math.h>
#include <string.h>

#include "kiln_rt.h"
#include "test_util.h"

#define TOL 1e-6

/* A 2-D window over in[2] with kernel k[2], stride s[2], pads pb/pe, dilation 1. */
static KrtWindow window_2d(const int64_t *in, const int64_t *out, const int64_t *k,
                           const int64_t *s, const int64_t *pb, const int64_t *pe) {
    KrtWindow w = {{in[0], in[1], 1}, {out[0], out[1], 1}, {k[0], k[1], 1},  {s[0], s[1], 1},
                   {1, 1, 1},         {pb[0], pb[1], 0},   {pe[0], pe[1], 0}};
    return w;
}

static const float x3x3[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};

static void test_conv(void) {
    /* 3x3 ones, pads 1, stride 2 on [[1..9]]: 12, 16, 24, 28 (see test_cnn_interp.c) */
    float w[9], y[4];
    for (int i = 0; i < 9; i++) w[i] = 1;
    KrtWindow win = window_2d((int64_t[]){3, 3}, (int64_t[]){2, 2}, (int64_t[]){3, 3},
                              (int64_t[]){2, 2}, (int64_t[]){1, 1}, (int64_t[]){1, 1});
    krt_conv_f32(x3x3, w, NULL, y, 1, 1, 1, 1, &win);
    test_close("conv pad stride", y, (const double[]){12, 16, 24, 28}, 4, TOL);

    /* 5 output channels (one block of 4 plus a remainder), 1x1 kernel, bias: y[m] = m * x + m */
    float wm[5] = {0, 1, 2, 3, 4}, b[5] = {0, 1, 2, 3, 4}, x[2] = {1, 2}, y5[10];
    KrtWindow one = window_2d((int64_t[]){1, 2}, (int64_t[]){1, 2}, (int64_t[]){1, 1},
                              (int64_t[]){1, 1}, (int64_t[]){0, 0}, (int64_t[]){0, 0});
    krt_conv_f32(x, wm, b, y5, 1, 1, 5, 1, &one);
    test_close("conv blocks", y5, (const double[]){0, 0, 2, 3, 4, 6, 6, 9, 8, 12}, 10, TOL);
}

static void test_pools(void) {
    /* 2x2 stride 2 ceil_mode on [[1..9]]: max 5 6 8 9, average 3 4.5 7.5 9 */
    float y[4];
    KrtWindow win = window_2d((int64_t[]){3, 3}, (int64_t[]){2, 2}, (int64_t[]){2, 2},
                              (int64_t[]){2, 2}, (int64_t[]){0, 0}, (int64_t[]){0, 0});
    krt_pool_f32(x3x3, y, 1, &win, 1, 0);
    test_close("max ceil", y, (const double[]){5, 6, 8, 9}, 4, TOL);
    krt_pool_f32(x3x3, y, 1, &win, 0, 0);
    test_close("avg ceil", y, (const double[]){3, 4.5, 7.5, 9}, 4, TOL);
    /* [1,2,3], kernel 2, pads 1/1, count_include_pad: 0.5 1.5 2.5 1.5 */
    KrtWindow w1 = {{1, 3, 1}, {1, 4, 1}, {1, 2, 1}, {1, 1, 1}, {1, 1, 1}, {0, 1, 0}, {0, 1, 0}};
    krt_pool_f32((const float[]){1, 2, 3}, y, 1, &w1, 0, 1);
    test_close("avg include pad", y, (const double[]){0.5, 1.5, 2.5, 1.5}, 4, TOL);
    float g[2];
    krt_global_pool_f32((const float[]){1, 2, 3, 5}, g, 2, 2, 0);
    test_close("global avg", g, (const double[]){1.5, 4}, 2, TOL);
}

static void test_norms(void) {
    float y[2];
    krt_batchnorm_f32((const float[]){1, 2}, (const float[]){2, 1}, (const float[]){0, 1},
                      (const float[]){0, 1}, (const float[]){3, 0}, y, 1, 2, 1, 1.0);
    test_close("batchnorm", y, (const double[]){1, 2}, 2, TOL);
    krt_instancenorm_f32((const float[]){1, 3}, (const float[]){2}, (const float[]){1}, y, 1, 1, 2,
                         0.0);
    test_close("instancenorm", y, (const double[]){-1, 3}, 2, TOL);
}

static void test_pad_resize(void) {
    float y[7];
    const float x[3] = {1, 2, 3};
    KrtPadMode modes[] = {KRT_PAD_CONSTANT, KRT_PAD_REFLECT, KRT_PAD_EDGE, KRT_PAD_WRAP};
    const double want[4][7] = {
        {9, 9, 1, 2, 3, 9, 9}, {3, 2, 1, 2, 3, 2, 1}, {1, 1, 1, 2, 3, 3, 3}, {2, 3, 1, 2, 3, 1, 2}};
    for (int i = 0; i < 4; i++) {
        krt_pad_f32(x, y, 1, (const int64_t[]){3}, (const int64_t[]){2, 2}, modes[i], 9.0f);
        test_close("pad", y, want[i], 7, TOL);
    }
    /* linear half_pixel [1,3] -> 4: 1, 1.5, 2.5, 3; nearest asymmetric round_prefer_ceil
     * [1,3,5] -> 6: 1 3 3 5 5 5 */
    krt_resize_f32((const float[]){1, 3}, y, 1, (const int64_t[]){2}, (const int64_t[]){4},
                   (const double[]){2}, 1, KRT_RESIZE_HALF_PIXEL, KRT_NEAREST_FLOOR);
    test_close("resize linear", y, (const double[]){1, 1.5, 2.5, 3}, 4, TOL);
    krt_resize_f32((const float[]){1, 3, 5}, y, 1, (const int64_t[]){3}, (const int64_t[]){6},
                   (const double[]){2}, 0, KRT_RESIZE_ASYMMETRIC, KRT_NEAREST_ROUND_PREFER_CEIL);
    test_close("resize nearest", y, (const double[]){1, 3, 3, 5, 5, 5}, 6, TOL);
}

int main(void) {
    test_conv();
    test_pools();
    test_norms();
    test_pad_resize();
    return test_finish();
}
