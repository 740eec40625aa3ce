/* Op family "quant": Integer quantization: quantize/dequantize and integer matrix products and
 * convolutions, as onnxruntime's quantize_dynamic and quantize_static write them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_quant.c; shape rules:
 * ir/shape_quant.c. */
#ifndef KILN_OPS_QUANT_H
#define KILN_OPS_QUANT_H

#define IR_OPS_QUANT(X)

#endif
