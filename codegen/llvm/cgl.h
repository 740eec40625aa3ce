/* Internals of the llvm backend (codegen/llvm/, docs/llvm.md): it renders the lowered module
 * (codegen/module.h) with LLVM's C API into one LLVM module, links the runtime's embedded
 * bitcode into it, optimizes it for the target machine and writes an object file, which the
 * build step links into lib<prefix>.so. Only codegen/llvm/ includes this header.
 *
 * Layers, each file calling only those below it:
 *   cgl_backend.c   driver: supports, emit (the files of the model), build
 *     cgl_module.c  the LLVM module: runtime bitcode, link, target machine, passes, output
 *     cgl_api.c     entries, KrtModelTable / KrtDecoderTable, the <prefix>_* wrappers, kiln_model
 *     cgl_nodes.c   one function per node from its kernel record
 *       cgl_calls.c   CG_KERNEL_CALL through the call adapters (codegen/llvm/rt/)
 *       cgl_loops.c   CG_KERNEL_LOOP: loop nests, COPY, OP and PROGRAM bodies
 *         cgl_elem.c    Cast's conversions and the OP bodies' element functions
 *         cgl_scalar.c  a row of ir/scalar.h: its C template parsed into instructions
 *   cgl_link.c      the linker run of the build step */
#ifndef KILN_CGL_H
#define KILN_CGL_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "../../ir/ir.h"
#include "../backend.h"
#include "../module.h"

/* State while one model is rendered. The runtime bitcode is parsed into the same context first,
 * so the model uses the runtime's own struct types (KrtModelContext, KilnModel, ...) and
 * function types, and LLVMLinkModules2 joins the two without renaming. */
typedef struct CglEmitter {
    const CgModule *m;
    const IrGraph *g;
    const CgOptions *opt;
    Diag *d;
    LLVMContextRef cx;
    LLVMModuleRef mod; /* the model */
    LLVMModuleRef rt;  /* the runtime, until it is linked into mod */
    LLVMBuilderRef b;
    LLVMTypeRef i1, i8, i32, i64, f32, f64, vp; /* vp: i8*, every buffer pointer */
    LLVMValueRef *node_fns;                     /* g->n_nodes node functions */
    unsigned md_node;                           /* metadata kind "kiln.node" */
} CglEmitter;

/* ---- supports (cgl_nodes.c) -------------------------------------------------------------
 * Whether node n of g, with kernel record k, can be rendered; when not, the reason (cap
 * bytes) completes "the llvm backend does not support this: ...". */
bool cgl_node_supported(const IrGraph *g, const IrNode *n, const CgKernel *k, char *reason,
                        size_t cap);

/* ---- the module (cgl_module.c) ----------------------------------------------------------- */

/* Creates e->cx, e->rt (the embedded runtime bitcode) and an empty e->mod; false with a
 * message when the bitcode does not parse (a broken kiln build). */
bool cgl_module_begin(CglEmitter *e);
/* A declaration in e->mod of runtime function `name` with the runtime's own type. */
LLVMValueRef cgl_runtime_fn(CglEmitter *e, const char *name);
/* The runtime's struct type `struct.NAME`. */
LLVMTypeRef cgl_runtime_struct(CglEmitter *e, const char *name);
/* Writes e->mod as text to path (the model alone: before the runtime is linked). */
bool cgl_module_write_ir(CglEmitter *e, const char *path);
/* Links the runtime in, sets the target, runs the pass pipeline of opt->opt_level and writes an
 * object file to path. */
bool cgl_module_write_object(CglEmitter *e, const char *path);
void cgl_module_end(CglEmitter *e);

/* ---- node functions (cgl_nodes.c) ----------------------------------------------------------
 * Defines node i's function: i32 node_<i>(i8* operand..., i8* kv, i8* pool) returning KILN_OK
 * or the node's failure status; operands are the node's present inputs then its outputs. */
bool cgl_node_define(CglEmitter *e, int i);

/* ---- bodies (cgl_calls.c, cgl_loops.c) ------------------------------------------------------
 * Emit at the builder's position, inside node n's function whose parameters are `args`
 * (x[slot] for input slot, y[slot] for output slot), kv and pool. A call returns the status value
 * (i32). */
typedef struct CglArgs {
    LLVMValueRef *x; /* n->n_inputs; NULL for an omitted input */
    LLVMValueRef *y; /* n->n_outputs */
    LLVMValueRef kv, pool;
} CglArgs;
LLVMValueRef cgl_emit_call(CglEmitter *e, const IrNode *n, const CgCall *c, const CglArgs *a);
void cgl_emit_loop(CglEmitter *e, const IrNode *n, const CgLoop *l, const CglArgs *a);

/* The pointer of operand o (its node slot) at element index idx (i64), typed as a pointer to
 * dtype t's LLVM element type. */
LLVMValueRef cgl_operand_at(CglEmitter *e, const CglArgs *a, const CgOperand *o, IrDtype t,
                            LLVMValueRef idx);

/* A counted loop for (i = from; i < to; i += step) at the builder: returns i inside the body;
 * cgl_loop_end closes it (the builder ends after the loop). */
typedef struct CglFor {
    LLVMBasicBlockRef head, body, exit;
    LLVMValueRef i, step;
} CglFor;
LLVMValueRef cgl_for_begin(CglEmitter *e, CglFor *f, LLVMValueRef from, LLVMValueRef to,
                           LLVMValueRef step);
void cgl_for_end(CglEmitter *e, CglFor *f);

/* ---- element functions (cgl_elem.c) -------------------------------------------------------- */

/* LLVM element type of dtype t (f32, f64, or an integer of its size; f16/bf16: i16). */
LLVMTypeRef cgl_elem_type(const CglEmitter *e, IrDtype t);
/* v of dtype src converted to dst as Cast does (the runtime's conversions). */
LLVMValueRef cgl_convert(CglEmitter *e, LLVMValueRef v, IrDtype src, IrDtype dst);
/* Whether node n's CG_BODY_OP function renders, with operand dtypes dt[0..] (dt[0] the output);
 * the reason otherwise. */
bool cgl_op_supported(const IrGraph *g, const IrNode *n, const IrDtype *dt, char *reason,
                      size_t cap);
/* The OP function of node n on the loaded operands r[0..] (operands 1.. of the loop). */
LLVMValueRef cgl_op_build(CglEmitter *e, const IrNode *n, const IrDtype *dt, const LLVMValueRef *r);

/* ---- scalar rows (cgl_scalar.c) ---------------------------------------------------------- */

/* Whether every row of ir/scalar.h parses (checked by supports, so a template the parser does
 * not know is a refusal, never a crash). */
bool cgl_scalar_ok(IrScalar fn);
/* Builds row fn on operands ops[0..arity) of float type t (f32 or f64) with params[0..n). */
LLVMValueRef cgl_scalar_build(CglEmitter *e, IrScalar fn, LLVMTypeRef t, const LLVMValueRef *ops,
                              const double *params);

/* ---- the API (cgl_api.c) ------------------------------------------------------------------ */

/* Entries, tables, wrappers and the kiln_model descriptor; blob: the global of the embedded
 * weights (header + payload), NULL when they come from the weights file. */
bool cgl_api_define(CglEmitter *e, LLVMValueRef blob);

/* ---- linking (cgl_link.c) ----------------------------------------------------------------- */

/* Links dir/<prefix>.o into dir/lib<prefix>.so with ld.lld-14, else the system ld, against
 * libm, libpthread and libc; the linker's output goes into d when it fails. */
bool cgl_link_shared(const char *dir, const char *prefix, Diag *d);

#endif
