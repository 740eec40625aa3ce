/* The weight-format table (ir/wformat.h, docs/quantization.md): per format its block, the bytes
 * of a block's head, the bits per code, and the functions that quantize and dequantize one
 * block. Rows are packed blocks one after another; nothing else is stored. */
#include "wformat.h"

#include <math.h>
#include <string.h>

#include "ir.h"

/* One block: n elements of x into dst (head then codes), and back. */
typedef void (*IrWfQuantFn)(const float *x, int64_t n, unsigned char *dst);
typedef void (*IrWfDequantFn)(const unsigned char *src, int64_t n, float *out);

static void wf_put_f32(unsigned char *p, float v) {
    memcpy(p, &v, sizeof v);
}
static float wf_get_f32(const unsigned char *p) {
    float v;
    memcpy(&v, p, sizeof v);
    return v;
}

static void wf_q_f32(const float *x, int64_t n, unsigned char *dst) {
    memcpy(dst, x, (size_t)n * sizeof *x);
}
static void wf_d_f32(const unsigned char *src, int64_t n, float *out) {
    memcpy(out, src, (size_t)n * sizeof *out);
}

/* f16 and bf16: one 2-byte float per element, converted by `to` / `from`. */
static void wf_q_16(const float *x, int64_t n, unsigned char *dst, uint16_t (*to)(float)) {
    for (int64_t i = 0; i < n; i++) {
        uint16_t h = to(x[i]);
        memcpy(dst + 2 * i, &h, 2);
    }
}
static void wf_d_16(const unsigned char *src, int64_t n, float *out, float (*from)(uint16_t)) {
    for (int64_t i = 0; i < n; i++) {
        uint16_t h;
        memcpy(&h, src + 2 * i, 2);
        out[i] = from(h);
    }
}
static void wf_q_f16(const float *x, int64_t n, unsigned char *dst) {
    wf_q_16(x, n, dst, ir_f32_to_f16);
}
static void wf_d_f16(const unsigned char *src, int64_t n, float *out) {
    wf_d_16(src, n, out, ir_f16_to_f32);
}
static void wf_q_bf16(const float *x, int64_t n, unsigned char *dst) {
    wf_q_16(x, n, dst, ir_f32_to_bf16);
}
static void wf_d_bf16(const unsigned char *src, int64_t n, float *out) {
    wf_d_16(src, n, out, ir_bf16_to_f32);
}

static float wf_amax(const float *x, int64_t n) {
    float m = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        float a = fabsf(x[i]);
        if (a > m) m = a;
    }
    return m;
}

/* round(v) clamped to [lo, hi], half to even (rintf in the default rounding mode); NaN is
 * treated as 0 so a malformed weight cannot produce an undefined conversion. */
static int wf_round_clamp(float v, int lo, int hi) {
    float r = rintf(v);
    if (!(r == r)) return lo > 0 ? lo : (hi < 0 ? hi : 0);
    if (r < (float)lo) return lo;
    if (r > (float)hi) return hi;
    return (int)r;
}

/* i8: head f32 scale, then n signed bytes. */
static void wf_q_i8(const float *x, int64_t n, unsigned char *dst) {
    float s = wf_amax(x, n) / 127.0f;
    wf_put_f32(dst, s);
    for (int64_t i = 0; i < n; i++) {
        int8_t q = (int8_t)(s > 0.0f ? wf_round_clamp(x[i] / s, -127, 127) : 0);
        memcpy(dst + 4 + i, &q, 1);
    }
}
static void wf_d_i8(const unsigned char *src, int64_t n, float *out) {
    float s = wf_get_f32(src);
    for (int64_t i = 0; i < n; i++) out[i] = (float)(int8_t)src[4 + i] * s;
}

/* i4 symmetric: head f32 scale, then n/2 bytes; element 2j in the low nibble of byte j, 2j+1 in
 * the high nibble; a code c stands for c - 8. */
static void wf_q_i4(const float *x, int64_t n, unsigned char *dst) {
    float s = wf_amax(x, n) / 7.0f;
    wf_put_f32(dst, s);
    for (int64_t j = 0; j < n / 2; j++) {
        int lo = s > 0.0f ? wf_round_clamp(x[2 * j] / s, -8, 7) : 0;
        int hi = s > 0.0f ? wf_round_clamp(x[2 * j + 1] / s, -8, 7) : 0;
        dst[4 + j] = (unsigned char)((lo + 8) | ((hi + 8) << 4));
    }
}
static void wf_d_i4(const unsigned char *src, int64_t n, float *out) {
    float s = wf_get_f32(src);
    for (int64_t j = 0; j < n / 2; j++) {
        out[2 * j] = (float)((src[4 + j] & 15) - 8) * s;
        out[2 * j + 1] = (float)((src[4 + j] >> 4) - 8) * s;
    }
}

/* i4 asymmetric: head f32 scale, u8 zero point, 3 zero bytes; codes c in 0..15 stand for
 * (c - zero) x scale. */
static void wf_q_i4a(const float *x, int64_t n, unsigned char *dst) {
    float lo = 0.0f, hi = 0.0f;
    for (int64_t i = 0; i < n; i++) {
        if (x[i] < lo) lo = x[i];
        if (x[i] > hi) hi = x[i];
    }
    float s = (hi - lo) / 15.0f;
    int z = s > 0.0f ? wf_round_clamp(-lo / s, 0, 15) : 0;
    wf_put_f32(dst, s);
    dst[4] = (unsigned char)z;
    dst[5] = dst[6] = dst[7] = 0;
    for (int64_t j = 0; j < n / 2; j++) {
        int a = s > 0.0f ? wf_round_clamp(x[2 * j] / s + (float)z, 0, 15) : 0;
        int b = s > 0.0f ? wf_round_clamp(x[2 * j + 1] / s + (float)z, 0, 15) : 0;
        dst[8 + j] = (unsigned char)(a | (b << 4));
    }
}
static void wf_d_i4a(const unsigned char *src, int64_t n, float *out) {
    float s = wf_get_f32(src);
    int z = src[4];
    for (int64_t j = 0; j < n / 2; j++) {
        out[2 * j] = (float)((src[8 + j] & 15) - z) * s;
        out[2 * j + 1] = (float)((src[8 + j] >> 4) - z) * s;
    }
}

typedef struct IrWfRow {
    IrWFormatInfo info;
    IrWfQuantFn quant;
    IrWfDequantFn dequant;
} IrWfRow;

/* Indexed by IrWFormat; the order is the enum's (checked by tests/quant/test_wformat.c). */
static const IrWfRow ir_wf_table[IR_WFMT_COUNT] = {
    {{"f32", 1, 0, 32, false}, wf_q_f32, wf_d_f32},
    {{"f16", 1, 0, 16, false}, wf_q_f16, wf_d_f16},
    {{"bf16", 1, 0, 16, false}, wf_q_bf16, wf_d_bf16},
    {{"i8", 0, 4, 8, false}, wf_q_i8, wf_d_i8},
    {{"i4g32", 32, 4, 4, false}, wf_q_i4, wf_d_i4},
    {{"i4g64", 64, 4, 4, false}, wf_q_i4, wf_d_i4},
    {{"i4g128", 128, 4, 4, false}, wf_q_i4, wf_d_i4},
    {{"i4g32a", 32, 8, 4, true}, wf_q_i4a, wf_d_i4a},
    {{"i4g64a", 64, 8, 4, true}, wf_q_i4a, wf_d_i4a},
    {{"i4g128a", 128, 8, 4, true}, wf_q_i4a, wf_d_i4a},
};

const IrWFormatInfo *ir_wformat_info(IrWFormat f) {
    KILN_ASSERT((int)f >= 0 && f < IR_WFMT_COUNT);
    return &ir_wf_table[f].info;
}

const char *ir_wformat_name(IrWFormat f) {
    return ir_wformat_info(f)->name;
}

bool ir_wformat_parse(const char *s, IrWFormat *out) {
    for (int f = 0; f < IR_WFMT_COUNT; f++)
        if (strcmp(s, ir_wf_table[f].info.name) == 0) {
            *out = (IrWFormat)f;
            return true;
        }
    return false;
}

/* Elements of one block of a row of k. */
static int64_t wf_block(const IrWFormatInfo *in, int64_t k) {
    return in->block ? in->block : k;
}

bool ir_wformat_row_bytes(IrWFormat f, int64_t k, size_t *out) {
    const IrWFormatInfo *in = ir_wformat_info(f);
    if (k < 0 || k > (INT64_C(1) << 40)) return false;
    int64_t b = wf_block(in, k);
    if (k == 0) {
        *out = 0;
        return true;
    }
    if (k % b != 0) return false;
    /* k <= 2^40 and at most 32 bits per element: the product fits */
    int64_t blocks = k / b;
    *out = (size_t)(blocks * (in->head_bytes + b * in->code_bits / 8));
    return true;
}

bool ir_wformat_bytes(IrWFormat f, int64_t rows, int64_t k, size_t *out) {
    size_t row;
    if (rows < 0 || !ir_wformat_row_bytes(f, k, &row)) return false;
    if (row != 0 && (uint64_t)rows > SIZE_MAX / row) return false;
    *out = (size_t)rows * row;
    return true;
}

void ir_wformat_quantize_row(IrWFormat f, const float *x, int64_t k, void *dst) {
    const IrWfRow *r = &ir_wf_table[f];
    KILN_ASSERT((int)f >= 0 && f < IR_WFMT_COUNT);
    if (k == 0) return;
    int64_t b = wf_block(&r->info, k);
    int64_t step = r->info.head_bytes + b * r->info.code_bits / 8;
    unsigned char *p = dst;
    for (int64_t i = 0; i < k; i += b, p += step) r->quant(x + i, b, p);
}

void ir_wformat_dequantize_row(IrWFormat f, const void *src, int64_t k, float *out) {
    const IrWfRow *r = &ir_wf_table[f];
    KILN_ASSERT((int)f >= 0 && f < IR_WFMT_COUNT);
    if (k == 0) return;
    int64_t b = wf_block(&r->info, k);
    int64_t step = r->info.head_bytes + b * r->info.code_bits / 8;
    const unsigned char *p = src;
    for (int64_t i = 0; i < k; i += b, p += step) r->dequant(p, b, out + i);
}
