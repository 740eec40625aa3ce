/* Internals of the C backend (codegen/c/): the emitter state shared by the files that write the
 * generated model, and the helpers they use. Only codegen/c/ includes this header. */
#ifndef KILN_CGC_H
#define KILN_CGC_H

#include <stdio.h>

#include "../../ir/ir.h"
#include "../backend.h"
#include "../module.h"

/* State while the body of <prefix>.c is written. */
typedef struct CgcEmitter {
    const IrGraph *g;
    const CgOptions *opt;
    Diag *d;
    FILE *f;           /* the generated code being written (a memory stream) */
    const CgModule *m; /* NULL while supports() runs a trial */
    /* Set while supports() runs an emitter as a trial (into a scratch stream, without a
     * module): an emitter's failure is then written here as a bare reason instead of a
     * message in d. */
    char *reason;
    size_t reason_cap;
    const CgKernel *trial; /* the trial node's kernel record (supports() lowers it alone) */
} CgcEmitter;

/* The kernel record of node n (codegen/module.h): what every emitter renders, its sizes and
 * strides computed once by the lowering; an emitter adds only the C text. */
const CgKernel *cgc_kernel(const CgcEmitter *e, const IrNode *n);

/* ---- per-op emitters (codegen/c/cgc_op_*.c) ---------------------------------------------
 * cgc_emit_<fn> writes the statements of the body of the node function for node n. The
 * function's parameters are named by slot: x<i> (const pointer to input i, absent when the
 * optional input is omitted) and y<i> (pointer to output i), each typed by its dtype, then
 * (KvAttention only) `const KrtKvState *kv`, then `KrtPool *pool`: the context's thread pool,
 * NULL when single-threaded. The function is `(void)pool;`-ed before the emitter's body runs,
 * so an emitter that does not use threads ignores it. When cgc_node_returns_status(n) the
 * function returns int (KILN_OK, or KILN_ERR_INDEX on an index out of range) and the emitter
 * must end every path with a return; all others return void. An emitter renders the node's
 * kernel record (cgc_kernel): sizes, strides, parameters and programs come from there, and the
 * emitter adds only C (dtype support, literals, integer semantics); the ops without a record
 * (docs/architecture.md, "Kernel records") still read their shapes from the graph. An emitter
 * that cannot compile the node records an error naming it and returns false. */
#define CGC_DECLARE_EMIT(E, name, fn, a, b, c, d, flags)                                           \
    bool cgc_emit_##fn(CgcEmitter *e, const IrNode *n);
IR_OPS(CGC_DECLARE_EMIT)
#undef CGC_DECLARE_EMIT

/* The checks every backend rendering the module with these parts shares (cgc_backend.c):
 * whether prefix p is a C identifier; whether value v has a static shape and a home (a graph
 * input or output, a constant, or a planned place in the workspace), with the reason when not;
 * and whether every graph input and output has a static shape (messages in d). */
bool cgc_prefix_ok(const char *p);
/* cgc_prefix_ok and not reserved (cg_prefix_reserved); else false with the message in d. */
bool cgc_prefix_check(const char *p, Diag *d);
bool cgc_value_ok(const IrGraph *g, int v, char *reason, size_t cap);
bool cgc_check_io(const IrGraph *g, Diag *d);
/* Writes len bytes to dir/name; false with a message naming the path. */
bool cgc_write_bytes(const char *dir, const char *name, const void *data, size_t len, Diag *d);
/* cgc_value_ok for every operand of node n. */
bool cgc_node_values_ok(const IrGraph *g, const IrNode *n, char *reason, size_t cap);

/* Whether node n's function returns a status (int) that the entry points check, rather than
 * void: the ops flagged IR_OPF_STATUS in the op table (ir/ops.h), which read indices from
 * tensors at run time (cgc_calls.c). */
bool cgc_node_returns_status(const IrNode *n);

/* ---- building (cgc_build.c) ------------------------------------------------------------
 * The C backend's build(): compiles every *.c file of dir into dir/lib<prefix>.so with $CC
 * (default "cc"; split on spaces): $CC [strict flags] -O2|-O0 -shared -fPIC -o
 * dir/lib<prefix>.so (every dir/NAME.c, sorted; without the runtime's files when
 * opt->runtime_library is given, which is linked instead) -lm. The compiler's output is added
 * to d, one message per line, when it fails. */
bool cgc_build(const char *dir, const CgBuildOptions *opt, Diag *d);
/* The C backend's build_runtime(): writes the runtime sources into work_dir/krt, compiles each
 * with $CC -O1 -fPIC and archives them as work_dir/krt/libkrt.a (its path into out). */
bool cgc_build_runtime(const char *work_dir, char *out, size_t cap, Diag *d);

/* Writes "const KrtWindow win = {...};" from the 21 window values of a convolution record
 * (codegen/kernels.h), with a comment naming the fields (cgc_op_cnn.c). */
void cgc_put_window(FILE *f, const int64_t *win);

/* ---- names and text (cgc_text.c) ------------------------------------------------------- */

/* Writes s as the inside of a C string literal: every byte that is not plain printable ASCII,
 * and every quote, backslash and question mark, as an escape, so no byte of a model name can
 * end the literal, form a trigraph or splice a line. */
void cgc_put_string_body(FILE *f, const char *s);
/* Writes s for use inside a block comment: "*" "/" and "/" "*" are broken up, "??" too (no
 * trigraphs), and control and non-ASCII bytes become '_'. */
void cgc_put_comment_text(FILE *f, const char *s);

/* The C element type of a dtype: "float", "double", "int64_t", "int32_t", "uint16_t" (f16 and
 * bf16), "int8_t", "uint8_t" (u8 and bool). */
const char *cgc_ctype(IrDtype t);

/* Writes "node 'NAME' (OP) from FILE" (comment-safe) for node n. */
void cgc_put_node_origin(FILE *f, const IrGraph *g, const IrNode *n);
/* Writes the comment above a node's code: its origin, then one line per operand (x<i>/y<i>,
 * value, type, name). */
void cgc_put_node_comment(FILE *f, const IrGraph *g, const IrNode *n);

/* Formats v as a C floating literal that reads back exactly, followed by suffix ("f" for a
 * float literal, "" for double), into buf; false for inf and NaN. */
bool cgc_double_literal(double v, const char *suffix, char *buf, size_t cap);

/* Cast's conversion of the variable `v` (already widened from src: float for f16/bf16) to dst,
 * as an expression into buf: the runtime's conversion functions named with prefix rt ("krt_":
 * krt_f32_to_f16, krt_cvt_i32, ...), integer casts through ctype's type names
 * (cgc_op_elementwise.c). */
void cgc_cast_expr(IrDtype src, IrDtype dst, const char *rt, const char *(*ctype)(IrDtype),
                   char *buf, size_t cap);

/* ---- scalar functions (cgc_scalar.c) --------------------------------------------------- */

/* Writes row fn of the scalar table (ir/scalar.h) as a C expression into buf: operands[0..arity)
 * replace $0/$1 (identifiers or parenthesized expressions), params[0..n_params) become exact
 * literals of the computing type for $A/$B/$G, suffix ("f" or "") replaces @ and ctype $T.
 * False, with an error for node n, when a parameter is not finite or buf is too small. */
bool cgc_scalar_expr(const CgcEmitter *e, const IrNode *n, IrScalar fn, const char *const *operands,
                     const double *params, const char *ctype, const char *suffix, char *buf,
                     size_t cap);

/* ---- helpers for emitters (cgc_emit_util.c) -------------------------------------------- */

const IrType *cgc_in_type(const CgcEmitter *e, const IrNode *n, int slot);
const IrType *cgc_out_type(const CgcEmitter *e, const IrNode *n, int slot);
int64_t cgc_numel(const IrType *t); /* the shape is static (checked before emitting) */

/* True when input slot exists (not omitted). */
bool cgc_has_input(const IrNode *n, int slot);

/* Records "the C backend does not support dtype T" for node n (in a trial: the reason
 * "dtype T") and returns false. */
bool cgc_unsupported_dtype(const CgcEmitter *e, const IrNode *n, IrDtype t);
/* Records a free-form error for node n (in a trial: msg as the reason) and returns false. */
bool cgc_node_fail(const CgcEmitter *e, const IrNode *n, const char *msg);

/* Normalizes a possibly negative axis against rank; false when out of range. */
bool cgc_axis(int64_t axis, int rank, int *out);

/* Row-major strides (in elements) of a static type into strides[rank]. */
void cgc_strides(const IrType *t, int64_t *strides);

/* ---- loop nests (cgc_loops.c) ------------------------------------------------------------ */

#define CGC_MAX_OPERANDS 10 /* $0 .. $9 */

/* A loop nest over `dims` (rank entries) that runs `stmt` once per point. Operand k (k <
 * n_operands) is addressed at base[k] + sum_d index_d * strides[k][d] elements; stmt refers to
 * that index as $k (a single digit), e.g. "y0[$0] = x0[$1];". Dims of size 1 are dropped and
 * neighbouring dims that are contiguous for every operand are merged, so a same-shape elementwise
 * op becomes one flat loop. Emits nothing when a dim is 0. */
typedef struct CgcNest {
    int rank;
    int64_t dims[IR_MAX_RANK];
    int n_operands;
    int64_t base[CGC_MAX_OPERANDS];
    int64_t strides[CGC_MAX_OPERANDS][IR_MAX_RANK];
} CgcNest;

void cgc_emit_nest(CgcEmitter *e, const CgcNest *nest, const char *stmt);

/* The nest of a loop record (its operands in order: $0 is operands[0], ...), and of a call's
 * batch (operand k of the call is $k, at its base + batch index . strides). */
void cgc_nest_of_loop(const CgLoop *l, CgcNest *nest);
void cgc_nest_of_call(const CgCall *c, CgcNest *nest);
/* cgc_emit_nest over loop l. */
void cgc_emit_loop(CgcEmitter *e, const CgLoop *l, const char *stmt);
/* Writes the name of operand o: "x<slot>", "y<slot>", or "NULL" when absent. */
const char *cgc_operand_name(const CgOperand *o, char *buf, size_t cap);

/* ---- files (cgc_weights.c, cgc_api.c, cgc_calls.c, cgc_descriptor.c) ------------------
 * The driver (cgc_backend.c) composes each file from these parts, choosing the plain or the
 * decoder parts (cgc_decoder.c) by m->is_decoder; no part calls the other kind's. */

/* Writes the weights file (header + payload, laid out by the module). */
bool cgc_weights_write_file(const CgModule *m, const char *path, Diag *d);
/* Writes <prefix>_weights.c: the same bytes as a static const array and an accessor. */
bool cgc_weights_write_c(const CgModule *m, const char *prefix, const char *path, Diag *d);

/* <prefix>.h: the part every model has (sizes, the context type, init/create/destroy/
 * workspace_size/attach_pool), then the entries' declarations (cgc_write_run_decl or
 * cgc_decoder_write_header), then the end (status_string, closing the guards). */
void cgc_write_header_begin(FILE *f, const CgModule *m, const CgOptions *opt);
void cgc_write_run_decl(FILE *f, const IrGraph *g, const CgOptions *opt);
void cgc_write_header_end(FILE *f, const CgOptions *opt);
/* <prefix>.c after the node functions. cgc_write_entry writes entry `index` of the module as
 * the static KrtEntryFn entry_<index> (krt_model.h); cgc_write_api the const KrtModelTable
 * <prefix>_table (run_entry: the plain model's entry function, decoder_table: the name of the
 * decoder's KrtDecoderTable; either NULL; device_ops: the name of the KrtDeviceOps of a model
 * whose entries run on a device, NULL for the C backend) and the wrappers every model has (init,
 * create, destroy, workspace_size, attach_pool, status_string); cgc_write_run the wrapper
 * <prefix>_run of a plain model. */
void cgc_write_entry(CgcEmitter *e, int index);
void cgc_write_api(CgcEmitter *e, const char *run_entry, const char *decoder_table,
                   const char *device_ops);
void cgc_write_run(CgcEmitter *e);
/* <prefix>_model.c of a plain model (decoders: cgc_decoder_write_descriptor). */
void cgc_write_descriptor(FILE *f, const CgModule *m, const CgOptions *opt);

/* Writes the parameter list "const float *in0, float *out0" of <prefix>_run. */
void cgc_put_run_params(FILE *f, const IrGraph *g);
/* Writes prefix upper-cased. */
void cgc_put_upper(FILE *f, const char *s);

/* Writes the calls of entry en's node functions into a function body that has ctx, kv and
 * in<slot>/out<slot> (graph input and output positions) in scope (cgc_write_entry). */
void cgc_write_node_calls(CgcEmitter *e, const CgEntry *en);

/* Writes the definition of the generic descriptor `const KilnModel kiln_model` for prefix p:
 * n_inputs / n_outputs entries of the <p>_inputs / <p>_outputs tables (0: NULL), the weights
 * and workspace sizes, <p>_model_create (written here) and the runtime's krt_kiln_* entry
 * points, and, when decoder is set, a pointer to the KilnDecoder object <p>_decoder (NULL
 * otherwise). */
void cgc_put_model_descriptor(FILE *f, const IrGraph *g, const CgOptions *opt, const char *p,
                              int n_inputs, int n_outputs, bool decoder);

/* ---- decoder LLMs (cgc_decoder.c) --------------------------------------------------------
 * A module with is_decoder (a graph with KV cache states, docs/llm.md). The generated KV cache
 * holds, per layer, keys then values, each [max_context, Hkv, D] f32. */

/* The C backend's own limit on a decoder (an f32 cache); true for plain modules. */
bool cgc_decoder_check(const CgModule *m, Diag *d);
/* Decoder parts: <prefix>.h's declarations; in <prefix>.c the prefill and decode entries
 * (entry_0, entry_1) with the KrtDecoderTable <prefix>_decoder_table, and the wrappers of the
 * runtime's decoder API; <prefix>_model.c. */
void cgc_decoder_write_header(FILE *f, const CgModule *m, const CgOptions *opt);
void cgc_decoder_write_entries(CgcEmitter *e);
/* The KrtDecoderTable <prefix>_decoder_table naming entry_0 (prefill) and entry_1 (decode),
 * which the caller has written (cgc_decoder_write_entries writes the C ones, then this). */
void cgc_decoder_write_table(CgcEmitter *e);
void cgc_decoder_write_wrappers(CgcEmitter *e);
void cgc_decoder_write_descriptor(FILE *f, const CgModule *m, const CgOptions *opt);

#endif
