/* Op family "math": Elementwise math beyond the core set, comparisons and logic, selection,
 * reductions, and index/shape ops, as ONNX exports use them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_math.c; shape rules:
 * ir/shape_math.c. */
#ifndef KILN_OPS_MATH_H
#define KILN_OPS_MATH_H

#define IR_OPS_MATH(X)

#endif
