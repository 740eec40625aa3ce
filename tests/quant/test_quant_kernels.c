/* The quant runtime kernels called directly (so the sanitizer build checks them, including
 * the i32 wrap-around of an overflowing accumulator), on hand-computed cases. */
#include <math.h>
#include <string.h>

#include "kiln_rt.h"
#include "test_util.h"

static void test_quantize(void) {
    /* scale 2, zp 128: 0, .5, 1.5, 2.5, -1.5 -> 0, 0, 2, 2, -2 (half to even) + 128;
     * 500 and -500 saturate; NaN gives the minimum */
    const float x[8] = {0, 1, 3, 5, -3, 1000, -1000, NAN};
    uint8_t y[8];
    krt_quantize_u8(x, (const float[]){2}, (const uint8_t[]){128}, y, 1, 1, 8);
    const uint8_t want[8] = {128, 128, 130, 130, 126, 255, 0, 0};
    CHECK(memcmp(y, want, 8) == 0);
    int8_t yi[2];
    krt_quantize_i8((const float[]){1.5f, -100}, (const float[]){1, 0.5f}, (const int8_t[]){0, -1},
                    yi, 1, 2, 1);
    CHECK(yi[0] == 2 && yi[1] == -128);
    float d[3];
    krt_dequantize_u8((const uint8_t[]){0, 128, 255}, (const float[]){0.5f}, (const uint8_t[]){128},
                      d, 1, 1, 3);
    CHECK(d[0] == -64 && d[1] == 0 && d[2] == 63.5f);
    uint8_t q[4], zp;
    float scale;
    krt_dynamic_quantize_f32((const float[]){-12.75f, 51, 0.375f, 1.125f}, 4, q, &scale, &zp);
    CHECK(scale == 0.25f && zp == 51 && q[0] == 0 && q[1] == 255 && q[2] == 53 && q[3] == 55);
    krt_dynamic_quantize_f32((const float[]){0, 0}, 2, q, &scale, &zp);
    CHECK(scale == 0 && zp == 0 && q[0] == 0 && q[1] == 0);
}

static void test_matmuls(void) {
    /* (a - 1) @ (b - [1, 2]) = [[6, 6], [26, 26]] (see test_quant_interp.c) */
    int32_t y[4];
    krt_matmul_integer_u8u8((const uint8_t[]){1, 2, 3, 4}, (const uint8_t[]){5, 6, 7, 8}, y, 2, 2,
                            2, (const uint8_t[]){1}, 1, (const uint8_t[]){1, 2}, 2);
    CHECK(y[0] == 6 && y[1] == 6 && y[2] == 26 && y[3] == 26);
    /* 40000 products of 255 * 255 pass 2^31: the sum wraps modulo 2^32 */
    enum { K = 40000 };
    static uint8_t a[K], b[K];
    memset(a, 255, sizeof a);
    memset(b, 255, sizeof b);
    krt_matmul_integer_u8u8(a, b, y, 1, K, 1, NULL, 1, NULL, 1);
    int64_t exact = (int64_t)K * 255 * 255;
    CHECK((uint32_t)y[0] == (uint32_t)exact);
    /* QLinearMatMul: acc 8, multiplier 1/16 -> .5 -> 0 (even), + 10 */
    uint8_t q;
    krt_qlinear_matmul_u8u8u8((const uint8_t[]){2, 4}, (const float[]){0.5f}, (const uint8_t[]){0},
                              (const uint8_t[]){1, 3}, (const float[]){2}, 1, (const uint8_t[]){1},
                              1, (const float[]){16}, (const uint8_t[]){10}, &q, 1, 2, 1);
    CHECK(q == 10);
}

static void test_convs(void) {
    /* ConvInteger: (x - 1) with the diagonal 2x2 kernel: 4, 6, 10, 12 */
    const uint8_t x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    KrtWindow win = {{3, 3, 1}, {2, 2, 1}, {2, 2, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}};
    int32_t y[4];
    krt_conv_integer_u8u8(x, (const uint8_t[]){1, 0, 0, 1}, y, 1, 1, 1, 1, &win,
                          (const uint8_t[]){1}, NULL, 1);
    CHECK(y[0] == 4 && y[1] == 6 && y[2] == 10 && y[3] == 12);
    /* QLinearConv: [12, 14, 10, 11] (see test_quant_interp.c) */
    KrtWindow w2 = {{1, 2, 1}, {1, 2, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}};
    uint8_t q[4];
    krt_qlinear_conv_u8u8u8((const uint8_t[]){3, 5}, (const float[]){0.5f}, (const uint8_t[]){1},
                            (const uint8_t[]){2, 4}, (const float[]){1, 0.25f}, 2,
                            (const uint8_t[]){0, 2}, 2, (const float[]){1}, (const uint8_t[]){10},
                            (const int32_t[]){1, -1}, q, 1, 1, 2, 1, &w2);
    CHECK(q[0] == 12 && q[1] == 14 && q[2] == 10 && q[3] == 11);
}

int main(void) {
    test_quantize();
    test_matmuls();
    test_convs();
    return test_finish();
}
