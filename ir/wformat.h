/* Weight formats: how the data of a weight constant is stored (docs/quantization.md).
 *
 * A constant with a format other than IR_WFMT_DENSE has the logical type f32[R, K] (what every
 * op and shape rule sees) while its data is packed: R rows one after another, each row K/B
 * blocks of B consecutive elements along K (the input dimension of a Linear weight w[N, K], the
 * hidden dimension of an embedding table [V, H]). One table (ir/wformat.c) defines, per
 * format, the block size, the bytes of one block, and how one block is quantized and
 * dequantized; the runtime's kernels (runtime/krt_wformat.h) read the same layout, which is
 * why the numbers of IrWFormat are fixed: they are passed to the runtime as they are. */
#ifndef KILN_IR_WFORMAT_H
#define KILN_IR_WFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum IrWFormat {
    IR_WFMT_DENSE = 0, /* the dtype's own layout ("f32" for an f32 constant) */
    IR_WFMT_F16 = 1,
    IR_WFMT_BF16 = 2,
    IR_WFMT_I8 = 3,      /* per row: f32 scale, K x i8 (symmetric, -127..127) */
    IR_WFMT_I4G32 = 4,   /* per block of G: f32 scale, G/2 bytes of 4-bit codes (code - 8) */
    IR_WFMT_I4G64 = 5,   /* ... */
    IR_WFMT_I4G128 = 6,  /* ... */
    IR_WFMT_I4G32A = 7,  /* per block of G: f32 scale, u8 zero point, 3 zero bytes, G/2 bytes */
    IR_WFMT_I4G64A = 8,  /* ... */
    IR_WFMT_I4G128A = 9, /* ... */
    IR_WFMT_COUNT
} IrWFormat;

/* One row of the format table. */
typedef struct IrWFormatInfo {
    const char *name;   /* "f32" (dense), "f16", "bf16", "i8", "i4g32", ..., "i4g128a" */
    int64_t block;      /* elements per block along K; 0: the block is the whole row (i8) */
    int64_t head_bytes; /* bytes before the block's codes (scale, zero point, padding) */
    int code_bits;      /* bits per element: 32, 16, 8 or 4 (two per byte, low nibble first) */
    bool zero_point;    /* asymmetric: the head holds a zero point */
} IrWFormatInfo;

const IrWFormatInfo *ir_wformat_info(IrWFormat f);
const char *ir_wformat_name(IrWFormat f);
/* The inverse of ir_wformat_name; "f32" gives IR_WFMT_DENSE. */
bool ir_wformat_parse(const char *s, IrWFormat *out);
/* Whether f is one of the formats that need a logical f32[R, K] constant (every format but
 * dense). */
static inline bool ir_wformat_is_packed(IrWFormat f) {
    return f != IR_WFMT_DENSE;
}

/* Bytes of one packed row of k elements; false when k is not a multiple of the block (the
 * caller names the tensor) or the size overflows. For DENSE: k x 4 (f32). */
bool ir_wformat_row_bytes(IrWFormat f, int64_t k, size_t *out);
/* Bytes of rows x k elements, checked likewise. */
bool ir_wformat_bytes(IrWFormat f, int64_t rows, int64_t k, size_t *out);

/* Quantizes one row x[k] into dst (row_bytes bytes), round to nearest (half to even) per
 * block: symmetric formats scale = max|x| / qmax (qmax 127 for i8, 7 for i4), q = clamp(
 * round(x / scale), -qmax - (i4 ? 1 : 0), qmax); asymmetric lo = min(0, min x),
 * hi = max(0, max x), scale = (hi - lo) / 15, zero = clamp(round(-lo / scale), 0, 15),
 * q = clamp(round(x / scale) + zero, 0, 15). A block of zeros has scale 0 and codes 0 (zero
 * point 0). f16/bf16 round to nearest even. k must be valid for f. */
void ir_wformat_quantize_row(IrWFormat f, const float *x, int64_t k, void *dst);
/* The inverse: row src of k elements into out[k], in f32 arithmetic: (q - zero) x scale. */
void ir_wformat_dequantize_row(IrWFormat f, const void *src, int64_t k, float *out);

#endif
