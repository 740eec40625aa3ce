/* Element conversions for the interpreter: rounding a double to a dtype, and reading and writing
 * packed little-endian elements. Bytes are assembled by shifts, so the host's byte order does
 * not matter. */
#include "interp_internal.h"

#include <math.h>
#include <string.h>

/* 2^63, and the largest double below it (the largest double that converts to int64). */
#define INTERP_TWO_63 9223372036854775808.0
#define INTERP_I64_MAX_DOUBLE 9223372036854774784.0

/* The integer dtypes' widths and signedness. */
static int interp_int_bits(IrDtype dt, bool *is_signed) {
    *is_signed = dt != IR_DTYPE_U8;
    switch (dt) {
    case IR_DTYPE_I8:
        return 8;
    case IR_DTYPE_U8:
        return 8;
    case IR_DTYPE_I32:
        return 32;
    case IR_DTYPE_I64:
        return 64;
    default:
        KILN_ASSERT(!"not an integer dtype");
        return 0;
    }
}

/* Truncates toward zero, then wraps into the dtype's range (see interp_round). */
static double interp_round_int(IrDtype dt, double x) {
    bool is_signed;
    int bits = interp_int_bits(dt, &is_signed);
    if (isnan(x)) return 0.0;
    double t = trunc(x);
    if (t >= INTERP_TWO_63 || t < -INTERP_TWO_63) {
        /* no wrap is defined this far out: saturate to the dtype's extreme */
        if (bits == 64) return t > 0 ? INTERP_I64_MAX_DOUBLE : -INTERP_TWO_63;
        if (!is_signed) return t > 0 ? ldexp(1.0, bits) - 1.0 : 0.0;
        return t > 0 ? ldexp(1.0, bits - 1) - 1.0 : -ldexp(1.0, bits - 1);
    }
    if (bits == 64) return t;
    uint64_t u = (uint64_t)(int64_t)t & ((UINT64_C(1) << bits) - 1);
    if (is_signed && (u >> (bits - 1))) return (double)u - ldexp(1.0, bits);
    return (double)u;
}

double interp_round(IrDtype dt, double x) {
    switch (dt) {
    case IR_DTYPE_F64:
        return x;
    case IR_DTYPE_F32:
        return (double)(float)x;
    case IR_DTYPE_F16:
        return (double)ir_f16_to_f32(ir_f32_to_f16((float)x));
    case IR_DTYPE_BF16:
        return (double)ir_bf16_to_f32(ir_f32_to_bf16((float)x));
    case IR_DTYPE_BOOL:
        return x != 0.0 ? 1.0 : 0.0;
    case IR_DTYPE_I8:
    case IR_DTYPE_U8:
    case IR_DTYPE_I32:
    case IR_DTYPE_I64:
        return interp_round_int(dt, x);
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
    return 0.0;
}

/* The n-byte little-endian unsigned integer at p. */
static uint64_t interp_load_le(const unsigned char *p, size_t n) {
    uint64_t u = 0;
    for (size_t k = 0; k < n; k++) u |= (uint64_t)p[k] << (8 * k);
    return u;
}

static void interp_store_le(unsigned char *p, size_t n, uint64_t u) {
    for (size_t k = 0; k < n; k++) p[k] = (unsigned char)(u >> (8 * k));
}

double interp_read(IrDtype dt, const void *data, int64_t i) {
    size_t size = ir_dtype_size(dt);
    uint64_t u = interp_load_le((const unsigned char *)data + (size_t)i * size, size);
    switch (dt) {
    case IR_DTYPE_F32: {
        uint32_t w = (uint32_t)u;
        float f;
        memcpy(&f, &w, sizeof f);
        return f;
    }
    case IR_DTYPE_F64: {
        double f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    case IR_DTYPE_F16:
        return ir_f16_to_f32((uint16_t)u);
    case IR_DTYPE_BF16:
        return ir_bf16_to_f32((uint16_t)u);
    case IR_DTYPE_BOOL:
        return u != 0 ? 1.0 : 0.0;
    case IR_DTYPE_U8:
        return (double)u;
    case IR_DTYPE_I8:
        return u >= 0x80 ? (double)u - 256.0 : (double)u;
    case IR_DTYPE_I32:
        return u >= 0x80000000u ? (double)u - 4294967296.0 : (double)u;
    case IR_DTYPE_I64:
        /* two's complement by hand: a negative value is -(~u + 1) */
        return u >> 63 ? -(double)(~u + 1) : (double)u;
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
    return 0.0;
}

void interp_write(IrDtype dt, void *data, int64_t i, double x) {
    size_t size = ir_dtype_size(dt);
    unsigned char *p = (unsigned char *)data + (size_t)i * size;
    uint64_t u = 0;
    switch (dt) {
    case IR_DTYPE_F32: {
        float f = (float)x;
        uint32_t w;
        memcpy(&w, &f, sizeof w);
        u = w;
        break;
    }
    case IR_DTYPE_F64:
        memcpy(&u, &x, sizeof u);
        break;
    case IR_DTYPE_F16:
        u = ir_f32_to_f16((float)x);
        break;
    case IR_DTYPE_BF16:
        u = ir_f32_to_bf16((float)x);
        break;
    case IR_DTYPE_BOOL:
        u = x != 0.0;
        break;
    case IR_DTYPE_I8:
    case IR_DTYPE_U8:
    case IR_DTYPE_I32:
    case IR_DTYPE_I64:
        KILN_ASSERT(x == trunc(x) && x >= -INTERP_TWO_63 && x < INTERP_TWO_63);
        u = (uint64_t)(int64_t)x; /* the low bytes are the two's complement encoding */
        break;
    case IR_DTYPE_COUNT:
        KILN_ASSERT(!"unknown dtype");
    }
    interp_store_le(p, size, u);
}
