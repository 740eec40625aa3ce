/* The lowered module: what every backend renders, computed once from a planned graph by
 * codegen/lower.c (docs/architecture.md). It owns the decisions that do not depend on the
 * target: where each weight lives in the payload and the payload's checksum, how big the
 * workspace is (the memory plan plus the decoder's logits scratch), the KV cache layout, and
 * the entries with the nodes each one runs. Backends read it and the graph it points to; they
 * never re-derive any of it. */
#ifndef KILN_MODULE_H
#define KILN_MODULE_H

#include "../ir/ir.h"
#include "../ir/scalar.h"
#include "kernels.h"

/* Where each constant lives in the weights payload. Every backend ships the same payload: a
 * 64-byte header (runtime/kiln_rt.h) then each used constant at a 64-byte aligned offset. */
#define CG_WEIGHTS_ALIGN 64 /* bytes; every constant's payload offset is a multiple */

typedef struct CgWeightsLayout {
    int64_t *offsets;       /* per value index: byte offset in the payload, or -1 */
    uint64_t payload_bytes; /* a multiple of 64 */
    uint64_t hash;          /* FNV-1a 64 of the layout and the data */
} CgWeightsLayout;

/* One function of the compiled model. */
typedef struct CgEntry {
    const char *name; /* "run" for a plain graph; "prefill", "decode" for decoders */
    int n_inputs, n_outputs;
    int *input_slots;  /* n_inputs positions in g->inputs, in call order */
    int *output_slots; /* n_outputs positions in g->outputs */
    int *nodes;        /* n_nodes node indices, in execution order */
    int n_nodes;
} CgEntry;

/* The decoder's KV cache: per layer, keys then values, each [capacity, kv_heads, head_dim] of
 * dtype, layer after layer in one buffer. */
typedef struct CgKvLayout {
    int64_t layers, capacity, kv_heads, head_dim;
    IrDtype dtype;
    uint64_t bytes_per_token; /* layers x 2 x kv_heads x head_dim x dtype size */
    uint64_t bytes;           /* bytes_per_token x capacity */
} CgKvLayout;

/* ---- kernel records: what each node computes, decided once (codegen/lower_kernels.c) -------
 * Every node gets one CgKernel: a call of a runtime kernel (codegen/kernels.h) with its integer
 * parameters computed once, or loop nests over operand strides with a scalar program. Sizes,
 * strides and offsets are in elements of the operand's dtype; a renderer reads the operand's
 * dtype from the graph. No field holds target text. */

/* One operand of a call or a loop: node input or output `slot`, addressed at `base` plus, per
 * loop (or call batch) dim d, index_d x strides[d] elements. */
typedef struct CgOperand {
    int slot;
    bool output;                  /* y<slot> (else x<slot>) */
    bool absent;                  /* an omitted optional input: the kernel takes NULL */
    int64_t base;                 /* elements */
    int64_t strides[IR_MAX_RANK]; /* elements, over the enclosing loop's or batch's dims */
} CgOperand;

/* An instruction of a scalar program: row fn of ir/scalar.h on registers a (and b when its
 * arity is 2) and its parameters. Registers 0 .. n_loads-1 hold the loaded operands; the
 * instruction j writes register n_loads + j; the last register is stored. */
typedef struct CgInstr {
    IrScalar fn;
    int a, b;         /* registers; -1 when the row takes fewer operands */
    double params[3]; /* the row's n_params parameters (Pow's exponent, Unary's alpha, ...) */
} CgInstr;

typedef enum CgLoopBody {
    CG_BODY_COPY,    /* operand 0 = operand 1, converted to operand 0's dtype (Cast) */
    CG_BODY_PROGRAM, /* operand 0 = the program over operands 1..n-1 */
    CG_BODY_OP,      /* operand 0 = the node's own elementwise function of operands 1..n-1, which
                      * has no scalar-table row (Clip, Compare, Where, ...): docs/architecture.md */
    CG_BODY_REDUCE,  /* operand 0 = CgLoop.reduce's reduction of operand 1 over the reduced dims
                      * (Reduce, ArgMax, ArgMin) */
    CG_BODY_SCAN,    /* operand 0's row = CgLoop.reduce's function of operand 1's row: both rows
                      * run over reduce.dims[0] at stride reduce.strides[0] (CumSum, LogSoftmax,
                      * Hardmax) */
} CgLoopBody;

/* What a REDUCE or SCAN body computes: Reduce's fns (ir/ops_math.h, in its order), then the
 * ops along one axis. */
#define CG_REDUCE_ENUM(E, s) CG_REDUCE_##E,
typedef enum CgReduceFn {
    IR_MATH_REDUCE_FNS(CG_REDUCE_ENUM) /* CG_REDUCE_SUM .. CG_REDUCE_SUM_SQUARE */
    CG_REDUCE_ARGMAX,
    CG_REDUCE_ARGMIN,
    CG_REDUCE_CUMSUM,
    CG_REDUCE_LOGSOFTMAX,
    CG_REDUCE_HARDMAX,
} CgReduceFn;
#undef CG_REDUCE_ENUM

/* The reduced dims of a REDUCE body, or the one axis of a SCAN body. The loop's dims are the
 * output's in its keepdims shape (1 on each reduced dim, where every operand's stride is 0), so
 * keepdims is only the output's strides. A SCAN's loop dims are the input's with 1 on the axis.
 * The accumulator starts at the reduction's identity for the operand's dtype (sum 0, prod 1,
 * max its lowest value, min its highest); ArgMax/ArgMin start at index 0. */
typedef struct CgReduce {
    CgReduceFn fn;
    int rank;                     /* reduced dims, outermost first; a SCAN: 1 */
    int64_t dims[IR_MAX_RANK];    /* their sizes */
    int64_t strides[IR_MAX_RANK]; /* operand 1's strides over them (a SCAN: operand 0's too) */
    int64_t count;                /* the product of dims: Mean's divisor */
    bool last;                    /* ArgMax/ArgMin: the last extreme wins (select_last_index) */
    bool exclusive, reverse;      /* CumSum: leave the element out; sum from the end */
} CgReduce;

/* A loop nest over dims[rank] (row-major, last dim innermost) that runs its body once per
 * point: operands[0] is stored, operands[1..n_operands-1] are loaded. A dim of 0 runs nothing;
 * renderers may drop dims of 1 and merge dims contiguous for every operand. */
typedef struct CgLoop {
    int rank;
    int64_t dims[IR_MAX_RANK];
    int n_operands;
    CgOperand *operands; /* n_operands */
    CgLoopBody body;
    int n_instrs;
    CgInstr *program;  /* n_instrs, CG_BODY_PROGRAM */
    CgReduce reduce;   /* CG_BODY_REDUCE, CG_BODY_SCAN */
    int64_t params[2]; /* CG_BODY_OP's integer parameters (Trilu: the diagonal k, clamped to
                        * +-(rows + cols), and upper) */
    bool reverse;      /* run the points last to first (an in-place Cast that widens) */
} CgLoop;

#define CG_CALL_MAX_OPERANDS 10
#define CG_CALL_MAX_PARAMS 32
#define CG_CALL_MAX_FLOATS IR_MAX_RANK

/* A call of runtime kernel id. operands follow the kernel's row of codegen/kernels.h, params
 * and floats too. With batch_rank > 0 the kernel is called once per point of
 * batch_dims[batch_rank], each operand at base + index . strides (MatMul's batch dims). With an
 * epilogue (FusedLinear, FusedNorm) the kernel is called on blocks of row_block rows of the
 * output [rows, len], and the epilogue loop, dims [rows, len] (or [rows x len / N, N]), runs on
 * each block right after it: its operand 0 and 1 are the output, the others the node's
 * epilogue inputs with strides over the loop's two dims. */
typedef struct CgCall {
    CgKernelId id;
    char symbol[48]; /* the runtime function, completed with dtype names (codegen/kernels.h) */
    int n_operands;
    CgOperand operands[CG_CALL_MAX_OPERANDS];
    int n_params;
    int64_t params[CG_CALL_MAX_PARAMS];
    int n_floats;
    double floats[CG_CALL_MAX_FLOATS];
    int batch_rank;
    int64_t batch_dims[IR_MAX_RANK];
    int64_t row_block; /* with an epilogue: rows per kernel call */
    CgLoop *epilogue;  /* NULL, or one loop (see above) */
} CgCall;

typedef enum CgKernelKind {
    CG_KERNEL_NONE, /* no record: the op is on the list of docs/architecture.md, "Kernel records" */
    CG_KERNEL_CALL,
    CG_KERNEL_LOOP,
} CgKernelKind;

/* What node i computes: m->kernels[i]. A LOOP kernel runs its loops in order (Concat: one per
 * input; Split: one per output); zero loops means nothing moves (a Reshape the memory plan put
 * in place). */
typedef struct CgKernel {
    CgKernelKind kind;
    CgCall call;   /* CALL */
    int n_loops;   /* LOOP */
    CgLoop *loops; /* n_loops */
} CgKernel;

/* Fills k for node `node` of g (its operands have static shapes). False with a reason (why, cap
 * bytes, for "node 'N' (OP): REASON") when the node is malformed in a way no backend can
 * compile; k then holds nothing to free. What cg_lower runs per node; a backend's supports()
 * may run it on one node without a module. */
bool cg_lower_kernel(const IrGraph *g, int node, CgKernel *k, char *why, size_t cap);
void cg_kernel_free(CgKernel *k);
/* Whether op has a record kind (else every node of it lowers to CG_KERNEL_NONE). */
bool cg_op_has_kernel(IrOp op);

typedef struct CgModule {
    const IrGraph *g; /* planned: static shapes, arena offsets */
    CgWeightsLayout weights;
    /* Workspace bytes one context needs: the memory plan's arena, then (decoders) the prefill
     * staging, each region 64-byte aligned: the logits scratch f32[max_prefill, vocab] at
     * scratch_offset, which the prefill entry fills before the host copies the caller's n rows
     * out, and the padded token ids and positions i64[max_prefill] the host writes. */
    int64_t workspace_bytes;
    int64_t scratch_offset, scratch_bytes;                /* 0 and 0 without a decoder */
    int64_t prefill_ids_offset, prefill_positions_offset; /* 0 without a decoder */
    bool is_decoder;
    IrDecoder decoder; /* valid when is_decoder */
    CgKvLayout kv;     /* valid when is_decoder */
    CgEntry *entries;  /* decoders: prefill then decode; else the one entry "run" */
    int n_entries;
    CgKernel *kernels; /* g->n_nodes: what node i computes */
} CgModule;

/* Lowers planned graph g into m (which points into g: keep g alive while m is used). False
 * with a message when g's facts do not describe a model a backend can host (for example a
 * malformed decoder layout, or a node no kernel record
 * describes: the error names the node). */
bool cg_lower(const IrGraph *g, CgModule *m, Diag *d);
void cg_module_free(CgModule *m);

/* Bytes of the weights file (or embedded blob): header plus payload. */
uint64_t cg_weights_file_bytes(const CgWeightsLayout *w);

#endif
