/* Internals of the kernel-record lowering (codegen/lower_kernels*.c): the per-node context and
 * the helpers the per-op lowerers share. Only codegen/lower_kernels*.c include this header. */
#ifndef KILN_LOWER_KERNELS_INTERNAL_H
#define KILN_LOWER_KERNELS_INTERNAL_H

#include "module.h"

/* Lowering one node: the graph, the node, the record being filled, where a failure's reason
 * goes, and whether a size computation overflowed (checked once the lowerer returns). */
typedef struct CgLk {
    const IrGraph *g;
    const IrNode *n;
    CgKernel *k;
    char *why;
    size_t cap;
    bool overflow;
} CgLk;

/* Writes the reason and returns false. */
bool cg_lk_fail(CgLk *c, const char *msg);

const IrType *cg_lk_in(const CgLk *c, int slot);
const IrType *cg_lk_out(const CgLk *c, int slot);
bool cg_lk_has(const CgLk *c, int slot); /* input slot present (not omitted) */
/* a x b, or 0 with c->overflow set when it does not fit int64. */
int64_t cg_lk_times(CgLk *c, int64_t a, int64_t b);
/* The product of dims [from, to) of t (checked as cg_lk_times). */
int64_t cg_lk_prod(CgLk *c, const IrType *t, int from, int to);
int64_t cg_lk_numel(CgLk *c, const IrType *t);
/* Normalizes a possibly negative axis against rank; false when out of range. */
bool cg_lk_axis(int64_t axis, int rank, int *out);
/* Row-major strides (elements) of t into strides[rank]. */
void cg_lk_strides(const IrType *t, int64_t *strides);
/* Strides (elements) with which a value of type `in` is read when broadcast to `out` (numpy
 * rules: trailing alignment, stride 0 where in has no dim or a dim of 1). */
void cg_lk_broadcast_strides(const IrType *in, const IrType *out, int64_t *strides);
/* Whether the bytes of values va and vb overlap in the workspace (both planned in the arena). */
bool cg_lk_overlap(const IrGraph *g, int va, int vb);

/* Makes the record a LOOP kernel of n loops (zeroed) and returns them. */
CgLoop *cg_lk_loops(CgLk *c, int n);
/* Sets loop l over the dims of `over` with n_operands zeroed operands of the given body. */
void cg_lk_loop_init(CgLoop *l, const IrType *over, int n_operands, CgLoopBody body);
/* Operand k of l: node input (or output) slot, contiguous over `t` (t has l's rank). */
void cg_lk_operand(CgLoop *l, int k, int slot, bool output, const IrType *t);
/* Operand k of l: input slot broadcast to `out` (l's dims). */
void cg_lk_operand_bcast(const CgLk *c, CgLoop *l, int k, int slot, const IrType *out);
/* The elementwise loop of node n over output 0: operand 0 the output, operands 1..n_in the
 * inputs 0..n_in-1 broadcast to it. */
CgLoop *cg_lk_elementwise(CgLk *c, int n_in, CgLoopBody body);

/* Sets l's program from the node's `program` (opcode, a, b triples of ir/ops_fused.h) and
 * `constants` attributes, registers 0..n_loads-1 being l's loaded operands. */
bool cg_lk_program(CgLk *c, CgLoop *l, int n_loads);
/* Sets l's program to the one instruction fn on registers 0 (and 1 when binary), with the
 * node's parameters (ir_scalar_node_params). */
void cg_lk_one_instr(CgLk *c, CgLoop *l, IrScalar fn);

/* Makes the record a CALL of kernel id; the operands, params and floats follow. */
CgCall *cg_lk_call(CgLk *c, CgKernelId id);
/* Appends node input (or output) slot as the call's next operand (absent when omitted). */
CgOperand *cg_lk_arg(CgLk *c, int slot, bool output);
void cg_lk_param(CgLk *c, int64_t v);
void cg_lk_float(CgLk *c, double v);
/* Appends the 21 window values of codegen/kernels.h for input ix convolved with kernel[]. */
bool cg_lk_window(CgLk *c, int ix, const int64_t *kernel);
/* Completes the call's symbol with the dtype names of the operands its row marks '@'. */
void cg_lk_symbol(CgLk *c);

/* The per-op lowerers, X(IR_OP enum suffix, fn): cg_lk_<fn> fills c->k for node c->n
 * (lower_kernels_<family>.c). The core elementwise ops (flagged IR_OPF_EPILOGUE: one scalar row
 * each) need no row: cg_lk_core lowers them all. An op in neither has no record. */
#define CG_LK_OPS(X)                                                                               \
    X(MATMUL, matmul)                                                                              \
    X(LINEAR, linear)                                                                              \
    X(SOFTMAX, softmax)                                                                            \
    X(LAYERNORM, layernorm)                                                                        \
    X(RMSNORM, rmsnorm)                                                                            \
    X(ROTARY, rotary)                                                                              \
    X(ATTENTION, attention)                                                                        \
    X(KV_ATTENTION, kv_attention)                                                                  \
    X(FUSED_LINEAR, fused_linear)                                                                  \
    X(FUSED_NORM, fused_norm)                                                                      \
    X(CONV, conv)                                                                                  \
    X(MAXPOOL, maxpool)                                                                            \
    X(AVERAGEPOOL, averagepool)                                                                    \
    X(GLOBALAVERAGEPOOL, globalaveragepool)                                                        \
    X(GLOBALMAXPOOL, globalmaxpool)                                                                \
    X(BATCHNORM, batchnorm)                                                                        \
    X(INSTANCENORM, instancenorm)                                                                  \
    X(PAD, pad)                                                                                    \
    X(RESIZE, resize)                                                                              \
    X(QUANTIZELINEAR, quantizelinear)                                                              \
    X(DEQUANTIZELINEAR, dequantizelinear)                                                          \
    X(DYNAMICQUANTIZELINEAR, dynamicquantizelinear)                                                \
    X(MATMULINTEGER, matmulinteger)                                                                \
    X(QLINEARMATMUL, qlinearmatmul)                                                                \
    X(CONVINTEGER, convinteger)                                                                    \
    X(QLINEARCONV, qlinearconv)                                                                    \
    X(GATHER, gather)                                                                              \
    X(UNARY_FN, unary_fn)                                                                          \
    X(BINARY_FN, binary_fn)                                                                        \
    X(FUSED_ELEMENTWISE, fused_elementwise)                                                        \
    X(CLIP, clip)                                                                                  \
    X(ISNAN, isnan)                                                                                \
    X(ISINF, isinf)                                                                                \
    X(NOT, not )                                                                                   \
    X(COMPARE, compare)                                                                            \
    X(LOGIC, logic)                                                                                \
    X(WHERE, where)                                                                                \
    X(CAST, cast)                                                                                  \
    X(RESHAPE, reshape)                                                                            \
    X(TRANSPOSE, transpose)                                                                        \
    X(CONCAT, concat)                                                                              \
    X(SPLIT, split)                                                                                \
    X(SLICE, slice)                                                                                \
    X(EXPAND, expand)                                                                              \
    X(REDUCE, reduce)                                                                              \
    X(ARGMAX, argmax)                                                                              \
    X(ARGMIN, argmin)                                                                              \
    X(CUMSUM, cumsum)                                                                              \
    X(LOGSOFTMAX, logsoftmax)                                                                      \
    X(HARDMAX, hardmax)                                                                            \
    X(TRILU, trilu)
#define CG_LK_DECLARE(E, fn) bool cg_lk_##fn(CgLk *c);
CG_LK_OPS(CG_LK_DECLARE)
#undef CG_LK_DECLARE
bool cg_lk_core(CgLk *c);

#endif
