/* Dtype names, sizes, and conversions between the 16-bit float formats and float. */
#include "ir.h"

#include <string.h>

static const struct {
    const char *name;
    size_t size;
    bool is_float;
} ir_dtype_table[] = {
    [IR_DTYPE_F32] = {"f32", 4, true},    [IR_DTYPE_F16] = {"f16", 2, true},
    [IR_DTYPE_BF16] = {"bf16", 2, true},  [IR_DTYPE_F64] = {"f64", 8, true},
    [IR_DTYPE_I8] = {"i8", 1, false},     [IR_DTYPE_U8] = {"u8", 1, false},
    [IR_DTYPE_I32] = {"i32", 4, false},   [IR_DTYPE_I64] = {"i64", 8, false},
    [IR_DTYPE_BOOL] = {"bool", 1, false},
};
_Static_assert(sizeof ir_dtype_table / sizeof ir_dtype_table[0] == IR_DTYPE_COUNT,
               "one entry per dtype");

const char *ir_dtype_name(IrDtype t) {
    KILN_ASSERT((unsigned)t < IR_DTYPE_COUNT);
    return ir_dtype_table[t].name;
}

bool ir_dtype_parse(const char *s, IrDtype *out) {
    for (int i = 0; i < IR_DTYPE_COUNT; i++) {
        if (strcmp(s, ir_dtype_table[i].name) == 0) {
            *out = (IrDtype)i;
            return true;
        }
    }
    return false;
}

size_t ir_dtype_size(IrDtype t) {
    KILN_ASSERT((unsigned)t < IR_DTYPE_COUNT);
    return ir_dtype_table[t].size;
}

bool ir_dtype_is_float(IrDtype t) {
    KILN_ASSERT((unsigned)t < IR_DTYPE_COUNT);
    return ir_dtype_table[t].is_float;
}

static uint32_t ir_f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float ir_bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float ir_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t man = h & 0x3ff;
    if (exp == 0) {
        /* zero or subnormal: value = man * 2^-24 */
        float v = (float)man * (1.0f / 16777216.0f);
        return sign ? -v : v;
    }
    if (exp == 31) return ir_bits_f32(sign | 0x7f800000u | (man << 13));
    return ir_bits_f32(sign | ((exp + 112) << 23) | (man << 13));
}

uint16_t ir_f32_to_f16(float f) {
    uint32_t u = ir_f32_bits(f);
    uint32_t sign = (u >> 16) & 0x8000;
    uint32_t abs = u & 0x7fffffffu;
    if (abs >= 0x7f800000u) /* inf or nan */
        return (uint16_t)(sign | 0x7c00 | (abs > 0x7f800000u ? 0x200 : 0));
    if (abs >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* rounds to >= 65520: inf */
    if (abs < 0x38800000u) {
        /* result is subnormal or zero: value / 2^-24, rounded to nearest even */
        float v = ir_bits_f32(abs) * 16777216.0f;
        uint32_t m = (uint32_t)v;
        float rem = v - (float)m;
        if (rem > 0.5f || (rem == 0.5f && (m & 1))) m++;
        return (uint16_t)(sign | m);
    }
    uint32_t exp = (abs >> 23) - 112;
    uint32_t man = abs & 0x7fffff;
    uint32_t h = (exp << 10) | (man >> 13);
    uint32_t rest = man & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h++; /* carry may roll into exponent */
    return (uint16_t)(sign | h);
}

float ir_bf16_to_f32(uint16_t h) {
    return ir_bits_f32((uint32_t)h << 16);
}

uint16_t ir_f32_to_bf16(float f) {
    uint32_t u = ir_f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet nan */
    uint32_t lsb = (u >> 16) & 1;
    u += 0x7fff + lsb;
    return (uint16_t)(u >> 16);
}
