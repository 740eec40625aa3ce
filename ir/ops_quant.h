/* Op family "quant": Integer quantization: quantize/dequantize and integer matrix products and
 * convolutions, as onnxruntime's quantize_dynamic and quantize_static write them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_quant.c; shape rules:
 * ir/shape_quant.c. docs/quantization.md explains the arithmetic in full.
 *
 * Quantized tensors are i8 or u8. A scale/zero-point pair is per tensor (rank 0, or rank 1 of
 * one element) or per axis (rank 1 of x.dims[axis] elements); a zero point has the quantized
 * dtype, a scale is f32. All float arithmetic below is f32 (as numpy and onnxruntime do it),
 * rounding is half to even, and saturate(v) clamps to the quantized type's range (NaN gives the
 * type's minimum).
 *
 *   QuantizeLinear(x f32, scale, [zero_point]) -> y of zero_point's dtype (else output_dtype,
 *                                "u8" or "i8"): y = saturate(round(x / scale) + zero_point)
 *   DequantizeLinear(x i8/u8/i32, scale, [zero_point]) -> f32: y = (x - zero_point) * scale
 *   DynamicQuantizeLinear(x f32) -> y u8, y_scale f32[], y_zero_point u8[]
 *                                lo = min(0, min x), hi = max(0, max x), scale = (hi - lo) / 255,
 *                                zero_point = saturate(round(-lo / scale)), y as QuantizeLinear;
 *                                an all-zero x gives scale 0, zero_point 0 and y 0
 *   MatMulInteger(a[..., M, K] i8/u8, b[..., K, N] i8/u8, [a_zero_point], [b_zero_point])
 *                                -> i32[..., M, N] = (a - a_zp) @ (b - b_zp), i32 accumulation;
 *                                a_zp per tensor or per row [M], b_zp per tensor or per column [N]
 *   QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) -> y of y_zp's dtype
 *                                acc = (a - a_zp) @ (b - b_zp) in i32;
 *                                y = saturate(round(float(acc) * (a_scale * b_scale / y_scale))
 *                                + y_zp); a's and y's parameters per tensor, b's per tensor or
 *                                per column [N]
 *   ConvInteger(x i8/u8 [N, C, *S], w i8/u8 [M, C/group, *K], [x_zero_point], [w_zero_point])
 *                                -> i32 [N, M, *O]: Conv (ir/ops_cnn.h, same window attributes
 *                                and group) of (x - x_zp) with (w - w_zp), i32 accumulation;
 *                                padding contributes 0; x_zp per tensor, w_zp per tensor or per
 *                                output channel [M]
 *   QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, [bias i32 [M]]) -> y of
 *                                y_zp's dtype: acc = ConvInteger + bias[m];
 *                                y = saturate(round(float(acc) * (x_scale * w_scale[m] /
 *                                y_scale)) + y_zp); w's parameters per tensor or per output
 *                                channel, the others per tensor */
#ifndef KILN_OPS_QUANT_H
#define KILN_OPS_QUANT_H

#define IR_OPS_QUANT(X)                                                                            \
    X(QUANTIZELINEAR, "QuantizeLinear", quantizelinear, 2, 3, 1, 1, 0)                             \
    X(DEQUANTIZELINEAR, "DequantizeLinear", dequantizelinear, 2, 3, 1, 1, 0)                       \
    X(DYNAMICQUANTIZELINEAR, "DynamicQuantizeLinear", dynamicquantizelinear, 1, 1, 3, 3, 0)        \
    X(MATMULINTEGER, "MatMulInteger", matmulinteger, 2, 4, 1, 1, 0)                                \
    X(QLINEARMATMUL, "QLinearMatMul", qlinearmatmul, 8, 8, 1, 1, 0)                                \
    X(CONVINTEGER, "ConvInteger", convinteger, 2, 4, 1, 1, 0)                                      \
    X(QLINEARCONV, "QLinearConv", qlinearconv, 8, 9, 1, 1, 0)

#endif
