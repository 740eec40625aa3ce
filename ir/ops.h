/* The op set, defined once.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags)
 *
 *   ENUM   the IrOp value is IR_OP_<ENUM>
 *   Name   the spelling in model files, the text IR and messages
 *   fn     the stem every per-op table is built from: the shape rule ir_shape_<fn> (ir/shape*.c),
 *          the interpreter function interp_<fn> (ir/interp_*.c), the C emitter cgc_emit_<fn>
 *          (codegen/c/), and the attribute schema ir_attrs_<fn> (ir/ops.c). A table that lacks
 *          an entry for a new op fails to link, so adding an op cannot forget a table. Add an op
 *          to a list only once all of its functions exist, so the tree always links.
 *   max_inputs == -1 means variadic.
 *   flags  the op's properties: IrOpFlag bits or'ed together, or 0 for none (every row states
 *          them; a row without the column does not compile). Passes and backends ask
 *          ir_op_has(op, IR_OPF_...) instead of keeping their own lists of ops, so a new op is
 *          treated right everywhere once its row is right.
 *
 * Semantics (shapes use numpy broadcasting wherever two operands meet; "..." is any number of
 * leading batch dimensions). Optional inputs are marked [x]; an omitted optional input is -1.
 *
 *   MatMul(a[..., M, K], b[..., K, N]) -> [..., M, N]         numpy matmul: batch dims broadcast;
 *                                                            a rank-1 a or b is promoted and the
 *                                                            added dim removed, as numpy does
 *   Linear(x[..., K], w, [bias[N]]) -> [..., N]              transpose_w=1: w is [N, K] (torch
 *                                                            nn.Linear); transpose_w=0: w is [K, N]
 *   Add/Sub/Mul/Div(a, b) -> broadcast(a, b)                 same dtype on both sides
 *   Neg/Exp/Sqrt/Rsqrt/Relu/Silu/Sigmoid/Tanh(x) -> x        elementwise; Rsqrt = 1/sqrt(x)
 *   Pow(x) -> x                                              x ** exponent (a float attribute)
 *   Gelu(x) -> x                                             approximate = "none" (erf) | "tanh"
 *   Softmax(x) -> x                                          over attribute axis
 *   LayerNorm(x, [scale], [bias]) -> x                       normalizes over dims axis..rank-1;
 *                                                            scale and bias have those dims' shape
 *   RMSNorm(x, [scale]) -> x                                 x / sqrt(mean(x^2) + eps) * scale,
 *                                                            over dims axis..rank-1
 *   Reshape(x) -> shape                                      attribute shape: 0 copies the input
 *                                                            dim at that index, one -1 is inferred
 *   Transpose(x) -> permuted                                 perm absent means reversed dims
 *   Concat(x0, x1, ...) -> joined along axis
 *   Split(x) -> y0, y1, ...                                  along axis; split = sizes, absent
 *                                                            means equal parts, one per output
 *   Slice(x) -> sliced                                       starts/ends/[axes]/[steps], ONNX
 *                                                            clamping; negative indices count from
 *                                                            the end
 *   Gather(data, indices) -> data[:axis] + indices.shape + data[axis+1:]
 *                                                            indices i32 or i64, negative counts
 *                                                            from the end; out of range is a run
 *                                                            time error
 *   Cast(x) -> x with dtype `to`                             float->int truncates toward zero;
 *                                                            ->bool is x != 0
 *   Rotary(x[..., S, H, D], [positions[S]]) -> x             rotary position embedding on the
 *                                                            first rotary_dim (0 = all D) channels
 *                                                            of each head; position of row s is
 *                                                            positions[s] if given, else
 *                                                            position_offset + s. Pair i of the
 *                                                            rotated part uses frequency
 *                                                            theta^(-2i/rotary_dim); pairs are
 *                                                            (2i, 2i+1) when interleaved=1
 *                                                            (GLM), (i, i + rotary_dim/2) when
 *                                                            interleaved=0 (Llama, "half-split")
 *   Attention(q[..., Sq, Hq, D], k[..., Skv, Hkv, D], v[..., Skv, Hkv, Dv]) -> [..., Sq, Hq, Dv]
 *                                                            softmax(q k^T * scale) v per head;
 *                                                            scale 0 means 1/sqrt(D); query head h
 *                                                            reads kv head h / (Hq / Hkv) (grouped
 *                                                            query attention, Hq % Hkv == 0);
 *                                                            causal=1 lets query i see keys
 *                                                            j <= i + (Skv - Sq) (bottom-right
 *                                                            aligned, as with a KV cache)
 */
#ifndef KILN_OPS_H
#define KILN_OPS_H

#include "ops_cnn.h"
#include "ops_fused.h"
#include "ops_index.h"
#include "ops_llm.h"
#include "ops_math.h"
#include "ops_quant.h"

/* The properties of the flags column. Each says what a pass or backend may rely on. */
typedef enum IrOpFlag {
    /* Output element i depends only on element i of each input (inputs broadcast, numpy
     * rules) and on the attributes: no reductions, no index arithmetic. */
    IR_OPF_ELEMENTWISE = 1 << 0,
    /* Elementwise, and its generated code loads every input element before storing the output
     * element at the same index: plan-memory may give the output the block of an input of the
     * same type that dies at this node. */
    IR_OPF_INPLACE = 1 << 1,
    /* One function of the scalar table (ir/scalar.h, ir_scalar_of_node) per element: fuse-ops
     * may put it into a fused program (a FusedElementwise chain, or the epilogue of a
     * FusedLinear/FusedNorm); the interpreter and emitters compute it from the table. */
    IR_OPF_EPILOGUE = 1 << 2,
    /* A unary elementwise op with f(0) == 0 whose output channel c depends only on input
     * channel c: prune may drop a channel on both sides of it (between two Linears). */
    IR_OPF_CHANNEL_PRUNE_SAFE = 1 << 3,
    /* Reads indices at run time: the generated node function returns a status (KILN_ERR_INDEX
     * for an index out of range, a full KV cache), which the caller checks. */
    IR_OPF_STATUS = 1 << 4,
    /* Reads or writes run state outside the graph's values (the KV cache): not a pure function
     * of its inputs, so fold never evaluates it and cse never merges two of them. */
    IR_OPF_STATEFUL = 1 << 5,
    /* Binary with op(a, b) == op(b, a): simplify may look for the identity on either side. */
    IR_OPF_COMMUTATIVE = 1 << 6,
} IrOpFlag;

/* The flags of the core ops that compute one scalar function of two operands or one: the
 * arithmetic and the activations. */
#define IR_OPF_POINTWISE (IR_OPF_ELEMENTWISE | IR_OPF_INPLACE | IR_OPF_EPILOGUE)

/* Every op: the core set below, then each family's list from its own header. Each family
 * (ops_<family>.h) documents its ops' semantics the same way as the core set here; its attribute
 * schemas live in ir/ops_<family>.c and its shape rules in ir/shape_<family>.c. */
#define IR_OPS(X)                                                                                  \
    IR_OPS_CORE(X)                                                                                 \
    IR_OPS_MATH(X)                                                                                 \
    IR_OPS_CNN(X)                                                                                  \
    IR_OPS_QUANT(X)                                                                                \
    IR_OPS_INDEX(X)                                                                                \
    IR_OPS_FUSED(X)                                                                                \
    IR_OPS_LLM(X)

#define IR_OPS_CORE(X)                                                                             \
    X(MATMUL, "MatMul", matmul, 2, 2, 1, 1, 0)                                                     \
    X(LINEAR, "Linear", linear, 2, 3, 1, 1, 0)                                                     \
    X(ADD, "Add", add, 2, 2, 1, 1, IR_OPF_POINTWISE | IR_OPF_COMMUTATIVE)                          \
    X(SUB, "Sub", sub, 2, 2, 1, 1, IR_OPF_POINTWISE)                                               \
    X(MUL, "Mul", mul, 2, 2, 1, 1, IR_OPF_POINTWISE | IR_OPF_COMMUTATIVE)                          \
    X(DIV, "Div", div, 2, 2, 1, 1, IR_OPF_POINTWISE)                                               \
    X(NEG, "Neg", neg, 1, 1, 1, 1, IR_OPF_POINTWISE | IR_OPF_CHANNEL_PRUNE_SAFE)                   \
    X(EXP, "Exp", exp, 1, 1, 1, 1, IR_OPF_POINTWISE)                                               \
    X(SQRT, "Sqrt", sqrt, 1, 1, 1, 1, IR_OPF_POINTWISE)                                            \
    X(RSQRT, "Rsqrt", rsqrt, 1, 1, 1, 1, IR_OPF_POINTWISE)                                         \
    X(POW, "Pow", pow, 1, 1, 1, 1, IR_OPF_POINTWISE)                                               \
    X(RELU, "Relu", relu, 1, 1, 1, 1, IR_OPF_POINTWISE | IR_OPF_CHANNEL_PRUNE_SAFE)                \
    X(GELU, "Gelu", gelu, 1, 1, 1, 1, IR_OPF_POINTWISE | IR_OPF_CHANNEL_PRUNE_SAFE)                \
    X(SILU, "Silu", silu, 1, 1, 1, 1, IR_OPF_POINTWISE | IR_OPF_CHANNEL_PRUNE_SAFE)                \
    X(SIGMOID, "Sigmoid", sigmoid, 1, 1, 1, 1, IR_OPF_POINTWISE)                                   \
    X(TANH, "Tanh", tanh, 1, 1, 1, 1, IR_OPF_POINTWISE | IR_OPF_CHANNEL_PRUNE_SAFE)                \
    X(SOFTMAX, "Softmax", softmax, 1, 1, 1, 1, 0)                                                  \
    X(LAYERNORM, "LayerNorm", layernorm, 1, 3, 1, 1, 0)                                            \
    X(RMSNORM, "RMSNorm", rmsnorm, 1, 2, 1, 1, 0)                                                  \
    X(RESHAPE, "Reshape", reshape, 1, 1, 1, 1, 0)                                                  \
    X(TRANSPOSE, "Transpose", transpose, 1, 1, 1, 1, 0)                                            \
    X(CONCAT, "Concat", concat, 1, -1, 1, 1, 0)                                                    \
    X(SPLIT, "Split", split, 1, 1, 1, 64, 0)                                                       \
    X(SLICE, "Slice", slice, 1, 1, 1, 1, 0)                                                        \
    X(GATHER, "Gather", gather, 2, 2, 1, 1, IR_OPF_STATUS)                                         \
    X(CAST, "Cast", cast, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                          \
    X(ROTARY, "Rotary", rotary, 1, 2, 1, 1, 0)                                                     \
    X(ATTENTION, "Attention", attention, 3, 3, 1, 1, 0)

#endif
