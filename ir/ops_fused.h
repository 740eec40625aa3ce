/* Op family "fused": Fused nodes made by the optimization passes (passes/fuse*.c).
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_fused.c; shape rules:
 * ir/shape_fused.c.
 *
 *   FusedElementwise(x0, x1, ...) -> broadcast(x0, x1, ...)
 *       A chain of elementwise ops evaluated per output element by a small register program.
 *       Every input is f32 or f64, all of one dtype; the output has that dtype and the numpy
 *       broadcast of all input shapes. Registers 0..n_inputs-1 hold the inputs' elements (read
 *       with broadcasting); instruction j of `program` (3 ints: opcode, a, b) writes register
 *       n_inputs + j; the output is the last register. Opcodes (below) are the CORE scalar
 *       functions of ir/scalar.h: binary ADD/SUB/MUL/DIV of registers a and b; unary
 *       NEG..GELU_TANH of register a; POW: register a to the power constants[b]; CONST: the
 *       value constants[a]. Computation is in the
 *       dtype's precision (float for f32). `nodes` (optional) lists the names of the original
 *       nodes, ", "-separated, for comments in generated code.
 *
 *   FusedLinear(x[..., K], w, [bias[N]], e1, e2, ...) -> y[..., N]
 *       Linear(x, w, bias) (ops.h; attribute transpose_w as there, default 1) followed by an
 *       epilogue applied to each output element: a FusedElementwise program (same opcodes,
 *       `program`, `constants`, `nodes`) whose register 0 is the Linear result and registers
 *       1..m are the epilogue inputs e1..em, each read with numpy broadcasting to y's shape
 *       (which they must not enlarge); the output is the last register. Input 2 (bias) may be
 *       absent. Made by fuse-ops from Linear/MatMul + bias + activation (+ residual) chains.
 *
 *   FusedNorm(x, [scale], [bias], e1, e2, ...) -> y (x's shape)
 *       A normalization followed by an epilogue. Attribute `base` names it: "RMSNorm" (bias
 *       must be absent) or "LayerNorm"; `axis` and `epsilon` (required) are that op's (ops.h),
 *       and inputs 0..2 are its x, scale, bias (1 and 2 may be absent). Then the epilogue program
 *       of FusedLinear (same `program`, `constants`, `nodes`) runs on each output element:
 *       register 0 is the norm result, 1..m the epilogue inputs e1..em read with broadcasting to
 *       x's shape (which they must not enlarge); the output is the last register. Made by
 *       fuse-ops from RMSNorm/LayerNorm + elementwise chains (e.g. RMSNorm then Silu, Mul).
 */
#ifndef KILN_OPS_FUSED_H
#define KILN_OPS_FUSED_H

#include <stdint.h>

#include "scalar.h"

/* Opcodes of a program: opcode op is the CORE row of that number in the scalar table
 * (ir/scalar.h). Its first `arity` operand slots (a, then b) are registers; a row with a
 * parameter reads it from constants[] at the next slot (CONST: constants[a]; POW: register a
 * to the power constants[b]). */
#define IR_FUSED_CONST IR_SCALAR_CONST
#define IR_FUSED_OPCODE_COUNT IR_SCALAR_CORE_COUNT

/* Whether operand slot (0: a, 1: b) of opcode op is a register. */
static inline bool ir_fused_slot_is_reg(int64_t op, int slot) {
    return ir_scalar_info((IrScalar)op)->arity > slot;
}
/* Whether operand slot of opcode op indexes `constants` (the row's parameter). */
static inline bool ir_fused_slot_is_param(int64_t op, int slot) {
    const IrScalarInfo *s = ir_scalar_info((IrScalar)op);
    return s->n_params == 1 && s->arity == slot;
}

/* Most registers (inputs + instructions) one FusedElementwise program may use. */
#define IR_FUSED_MAX_REGS 256

#define IR_OPS_FUSED(X)                                                                            \
    X(FUSED_ELEMENTWISE, "FusedElementwise", fused_elementwise, 1, -1, 1, 1,                       \
      IR_OPF_ELEMENTWISE | IR_OPF_INPLACE)                                                         \
    X(FUSED_LINEAR, "FusedLinear", fused_linear, 2, -1, 1, 1, 0)                                   \
    X(FUSED_NORM, "FusedNorm", fused_norm, 1, -1, 1, 1, 0)

#endif
