/* Op family "fused": Fused nodes made by the optimization passes (passes/fuse*.c).
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs), as in ops.h; semantics
 * of each op are documented here. Attribute schemas: ir/ops_fused.c; shape rules:
 * ir/shape_fused.c. */
#ifndef KILN_OPS_FUSED_H
#define KILN_OPS_FUSED_H

#define IR_OPS_FUSED(X)

#endif
