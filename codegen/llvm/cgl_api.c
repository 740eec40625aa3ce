/* What the llvm backend's library exports, the same as the C backend's (codegen/c/cgc_api.c,
 * cgc_decoder.c, cgc_descriptor.c; runtime/krt_model.h): the entry functions that run an entry's
 * nodes on the context's weights and workspace, the const KrtModelTable (and KrtDecoderTable)
 * the runtime's host API reads, the <prefix>_* wrappers of that API, and the generic descriptor
 * `kiln_model` with its tensor tables. Struct layouts are the runtime's own (cgl_runtime_struct);
 * every pointer crossing into the runtime is cast to the callee's parameter type. */
#include "cgl.h"
#include "../module_query.h"

#include "../../include/kiln/kiln_model.h"

#include <stdlib.h>
#include <string.h>

static LLVMValueRef cgl_i64c(const CglEmitter *e, int64_t v) {
    return LLVMConstInt(e->i64, (unsigned long long)v, 1);
}
static LLVMValueRef cgl_i32c(const CglEmitter *e, int64_t v) {
    return LLVMConstInt(e->i32, (unsigned long long)v, 1);
}

/* Calls runtime function `name` with args cast to its parameter types. */
static LLVMValueRef cgl_call_rt(CglEmitter *e, const char *name, LLVMValueRef *args, unsigned n) {
    LLVMValueRef fn = cgl_runtime_fn(e, name);
    LLVMTypeRef fty = LLVMGlobalGetValueType(fn);
    KILN_ASSERT(LLVMCountParamTypes(fty) == n);
    LLVMTypeRef pt[8];
    LLVMGetParamTypes(fty, pt);
    for (unsigned i = 0; i < n; i++) {
        LLVMTypeRef at = LLVMTypeOf(args[i]);
        if (at == pt[i]) continue;
        args[i] = LLVMGetTypeKind(at) == LLVMPointerTypeKind
                      ? LLVMBuildBitCast(e->b, args[i], pt[i], "")
                      : LLVMBuildIntCast2(e->b, args[i], pt[i], 1, "");
    }
    return LLVMBuildCall2(e->b, fty, fn, args, n, "");
}

/* A constant cast to type t (pointers), or t's null when v is NULL. */
static LLVMValueRef cgl_cast(LLVMValueRef v, LLVMTypeRef t) {
    return v ? LLVMConstPointerCast(v, t) : LLVMConstNull(t);
}

/* An internal constant NUL-terminated string, as i8*. */
static LLVMValueRef cgl_cstr(CglEmitter *e, const char *s) {
    LLVMValueRef init = LLVMConstStringInContext(e->cx, s, (unsigned)strlen(s), 0);
    LLVMValueRef gv = LLVMAddGlobal(e->mod, LLVMTypeOf(init), "str");
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, LLVMPrivateLinkage);
    LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
    return LLVMConstPointerCast(gv, e->vp);
}

static LLVMValueRef cgl_const_global(CglEmitter *e, const char *name, LLVMValueRef init,
                                     bool exported) {
    LLVMValueRef gv = LLVMAddGlobal(e->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(gv, init);
    LLVMSetGlobalConstant(gv, 1);
    LLVMSetLinkage(gv, exported ? LLVMExternalLinkage : LLVMInternalLinkage);
    return gv;
}

/* The constant of runtime struct type st from vals (cast to each field's type). */
static LLVMValueRef cgl_struct(LLVMTypeRef st, LLVMValueRef *vals, unsigned n) {
    KILN_ASSERT(LLVMCountStructElementTypes(st) == n);
    for (unsigned i = 0; i < n; i++) {
        LLVMTypeRef ft = LLVMStructGetTypeAtIndex(st, i);
        if (LLVMGetTypeKind(ft) == LLVMPointerTypeKind) vals[i] = cgl_cast(vals[i], ft);
    }
    return LLVMConstNamedStruct(st, vals, n);
}

/* The pointer (i8*) through which node code reaches value v, inside an entry. */
static LLVMValueRef cgl_value_ptr(CglEmitter *e, int v, LLVMValueRef *in, LLVMValueRef *out,
                                  LLVMValueRef w, LLVMValueRef ws) {
    const IrGraph *g = e->g;
    for (int i = 0; i < g->n_inputs; i++)
        if (g->inputs[i] == v) return in[i];
    for (int i = 0; i < g->n_outputs; i++)
        if (g->outputs[i] == v) return out[i];
    int64_t at = e->m->weights.offsets[v];
    LLVMValueRef base = w;
    if (at < 0) {
        at = ir_value(g, v)->arena_offset;
        base = ws;
        KILN_ASSERT(at >= 0);
    }
    LLVMValueRef idx = cgl_i64c(e, at);
    return LLVMBuildInBoundsGEP2(e->b, e->i8, base, &idx, 1, "");
}

/* The KrtEntryFn type: i32 (KrtModelContext *, i8 **, i8 **, KrtKvState *). */
static LLVMTypeRef cgl_entry_type(CglEmitter *e) {
    LLVMTypeRef pt[4] = {LLVMPointerType(cgl_runtime_struct(e, "KrtModelContext"), 0),
                         LLVMPointerType(e->vp, 0), LLVMPointerType(e->vp, 0),
                         LLVMPointerType(cgl_runtime_struct(e, "KrtKvState"), 0)};
    return LLVMFunctionType(e->i32, pt, 4, 0);
}

/* entry_<index>: the entry's nodes in order, each failure returned at once, then the outputs
 * no node writes (a graph input, a constant, an output listed twice) copied in. */
static LLVMValueRef cgl_entry(CglEmitter *e, int index) {
    const IrGraph *g = e->g;
    const CgEntry *en = &e->m->entries[index];
    char name[32];
    snprintf(name, sizeof name, "entry_%d", index);
    LLVMValueRef fn = LLVMAddFunction(e->mod, name, cgl_entry_type(e));
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->cx, fn, "entry"));
    LLVMValueRef ctx = LLVMGetParam(fn, 0);
    LLVMTypeRef ctx_t = cgl_runtime_struct(e, "KrtModelContext");
    /* KrtModelContext: table, weights, workspace, owned_weights, owned_workspace, pool, ... */
    LLVMValueRef w = LLVMBuildLoad2(e->b, e->vp, LLVMBuildStructGEP2(e->b, ctx_t, ctx, 1, ""), "w");
    LLVMValueRef ws =
        LLVMBuildLoad2(e->b, e->vp, LLVMBuildStructGEP2(e->b, ctx_t, ctx, 2, ""), "ws");
    LLVMValueRef pool =
        LLVMBuildBitCast(e->b,
                         LLVMBuildLoad2(e->b, LLVMStructGetTypeAtIndex(ctx_t, 5),
                                        LLVMBuildStructGEP2(e->b, ctx_t, ctx, 5, ""), "pool"),
                         e->vp, "");
    LLVMValueRef kv = LLVMBuildBitCast(e->b, LLVMGetParam(fn, 3), e->vp, "");
    LLVMValueRef *in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    LLVMValueRef *out = calloc((size_t)g->n_outputs + 1, sizeof *out);
    KILN_ASSERT(in && out);
    for (int io = 0; io < 2; io++) {
        int count = io ? en->n_outputs : en->n_inputs;
        for (int k = 0; k < count; k++) {
            LLVMValueRef idx = cgl_i64c(e, k);
            LLVMValueRef at =
                LLVMBuildInBoundsGEP2(e->b, e->vp, LLVMGetParam(fn, io ? 2 : 1), &idx, 1, "");
            LLVMValueRef p = LLVMBuildLoad2(e->b, e->vp, at, "");
            if (io)
                out[en->output_slots[k]] = p;
            else
                in[en->input_slots[k]] = p;
        }
    }
    for (int k = 0; k < en->n_nodes; k++) {
        int i = en->nodes[k];
        const IrNode *n = &g->nodes[i];
        LLVMValueRef *args = calloc((size_t)(n->n_inputs + n->n_outputs + 2), sizeof *args);
        KILN_ASSERT(args != NULL);
        unsigned na = 0;
        for (int j = 0; j < n->n_inputs; j++)
            if (n->inputs[j] >= 0) args[na++] = cgl_value_ptr(e, n->inputs[j], in, out, w, ws);
        for (int j = 0; j < n->n_outputs; j++)
            args[na++] = cgl_value_ptr(e, n->outputs[j], in, out, w, ws);
        args[na++] = kv;
        args[na++] = pool;
        LLVMValueRef st = LLVMBuildCall2(e->b, LLVMGlobalGetValueType(e->node_fns[i]),
                                         e->node_fns[i], args, na, "");
        free(args);
        LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(e->cx, fn, "fail");
        LLVMBasicBlockRef next = LLVMAppendBasicBlockInContext(e->cx, fn, "next");
        LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntNE, st, cgl_i32c(e, 0), ""), fail, next);
        LLVMPositionBuilderAtEnd(e->b, fail);
        LLVMBuildRet(e->b, st);
        LLVMPositionBuilderAtEnd(e->b, next);
    }
    for (int o = 0; o < en->n_outputs; o++) {
        int i = en->output_slots[o];
        int v = g->outputs[i];
        if (!cg_output_needs_copy(e->m, i)) continue;
        size_t bytes = 0;
        KILN_ASSERT(ir_type_nbytes(&ir_value(g, v)->type, &bytes));
        /* the source: the first place the value lives other than this output slot */
        LLVMValueRef src = NULL;
        for (int k = 0; k < g->n_inputs && !src; k++)
            if (g->inputs[k] == v) src = in[k];
        for (int k = 0; k < i && !src; k++)
            if (g->outputs[k] == v) src = out[k];
        if (!src) {
            LLVMValueRef idx = cgl_i64c(e, e->m->weights.offsets[v]);
            src = LLVMBuildInBoundsGEP2(e->b, e->i8, w, &idx, 1, "");
        }
        if (src && bytes) LLVMBuildMemCpy(e->b, out[i], 1, src, 1, cgl_i64c(e, (int64_t)bytes));
    }
    LLVMBuildRet(e->b, cgl_i32c(e, 0));
    free(in);
    free(out);
    return fn;
}

/* A function `name` of type fty (exported) whose body is built by the caller: returns it with
 * the builder at its entry. */
static LLVMValueRef cgl_export(CglEmitter *e, const char *name, LLVMTypeRef fty) {
    LLVMValueRef fn = LLVMAddFunction(e->mod, name, fty);
    LLVMPositionBuilderAtEnd(e->b, LLVMAppendBasicBlockInContext(e->cx, fn, "entry"));
    return fn;
}

/* <prefix>_<suffix>: the runtime function rt with the wrapper's parameters, and the model's
 * table inserted as the second argument when with_table. */
static void cgl_wrap(CglEmitter *e, const char *suffix, const char *rt, LLVMValueRef table) {
    LLVMTypeRef rty = LLVMGlobalGetValueType(cgl_runtime_fn(e, rt));
    unsigned n = LLVMCountParamTypes(rty);
    LLVMTypeRef pt[8], wt[8];
    LLVMGetParamTypes(rty, pt);
    unsigned nw = 0;
    for (unsigned i = 0; i < n; i++)
        if (!(table && i == 1)) wt[nw++] = pt[i];
    char name[256];
    snprintf(name, sizeof name, "%s_%s", e->opt->prefix, suffix);
    LLVMValueRef fn = cgl_export(e, name, LLVMFunctionType(LLVMGetReturnType(rty), wt, nw, 0));
    LLVMValueRef args[8];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) args[i] = table && i == 1 ? table : LLVMGetParam(fn, k++);
    LLVMValueRef r = cgl_call_rt(e, rt, args, n);
    if (LLVMGetTypeKind(LLVMGetReturnType(rty)) == LLVMVoidTypeKind)
        LLVMBuildRetVoid(e->b);
    else
        LLVMBuildRet(e->b, r);
}

/* <prefix>_run(ctx, in0.., out0..): the pointers gathered into arrays for krt_model_run. */
static void cgl_run_wrapper(CglEmitter *e) {
    const IrGraph *g = e->g;
    int np = 1 + g->n_inputs + g->n_outputs;
    LLVMTypeRef *pt = malloc((size_t)np * sizeof *pt);
    KILN_ASSERT(pt != NULL);
    pt[0] = LLVMPointerType(cgl_runtime_struct(e, "KrtModelContext"), 0);
    for (int i = 1; i < np; i++) pt[i] = e->vp;
    char name[256];
    snprintf(name, sizeof name, "%s_run", e->opt->prefix);
    LLVMValueRef fn = cgl_export(e, name, LLVMFunctionType(e->i32, pt, (unsigned)np, 0));
    free(pt);
    LLVMValueRef arrs[2] = {LLVMConstNull(LLVMPointerType(e->vp, 0)),
                            LLVMConstNull(LLVMPointerType(e->vp, 0))};
    for (int io = 0; io < 2; io++) {
        int count = io ? g->n_outputs : g->n_inputs;
        if (count == 0) continue;
        LLVMTypeRef at = LLVMArrayType(e->vp, (unsigned)count);
        LLVMValueRef arr = LLVMBuildAlloca(e->b, at, io ? "outputs" : "inputs");
        for (int i = 0; i < count; i++) {
            LLVMValueRef idx[2] = {cgl_i64c(e, 0), cgl_i64c(e, i)};
            LLVMBuildStore(e->b, LLVMGetParam(fn, (unsigned)(1 + (io ? g->n_inputs : 0) + i)),
                           LLVMBuildInBoundsGEP2(e->b, at, arr, idx, 2, ""));
        }
        LLVMValueRef idx[2] = {cgl_i64c(e, 0), cgl_i64c(e, 0)};
        arrs[io] = LLVMBuildInBoundsGEP2(e->b, at, arr, idx, 2, "");
    }
    LLVMValueRef args[3] = {LLVMGetParam(fn, 0), arrs[0], arrs[1]};
    LLVMBuildRet(e->b, cgl_call_rt(e, "krt_model_run", args, 3));
}

/* The tensor table of the descriptor: count entries named by names (NULL: the graph's values
 * ids) with their types. */
static LLVMValueRef cgl_tensor_table(CglEmitter *e, int count, const int *ids, const char *name,
                                     int dtype, int rank, const int64_t *dims) {
    LLVMTypeRef ti = cgl_runtime_struct(e, "KilnTensorInfo");
    LLVMValueRef *rows = calloc((size_t)count, sizeof *rows);
    KILN_ASSERT(rows != NULL);
    for (int i = 0; i < count; i++) {
        const IrType *t = ids ? &ir_value(e->g, ids[i])->type : NULL;
        int r = t ? t->rank : rank;
        LLVMValueRef dv[IR_MAX_RANK];
        uint64_t bytes = t ? ir_dtype_size(t->dtype) : (dtype == IR_DTYPE_I64 ? 8 : 4);
        for (int d = 0; d < r; d++) {
            int64_t size = t ? t->dims[d].size : dims[d];
            dv[d] = cgl_i64c(e, size);
            bytes *= (uint64_t)size;
        }
        LLVMValueRef dims_gv = NULL;
        if (r > 0)
            dims_gv = cgl_const_global(e, "dims", LLVMConstArray(e->i64, dv, (unsigned)r), false);
        LLVMValueRef f[5] = {cgl_cstr(e, t ? ir_value(e->g, ids[i])->name : name),
                             cgl_i32c(e, t ? (int)t->dtype : dtype), cgl_i32c(e, r), dims_gv,
                             cgl_i64c(e, (int64_t)bytes)};
        rows[i] = cgl_struct(ti, f, 5);
    }
    LLVMValueRef gv =
        cgl_const_global(e, "tensors", LLVMConstArray(ti, rows, (unsigned)count), false);
    free(rows);
    return gv;
}

/* <prefix>_weights_blob(): the embedded weights (cgl_module_write_object fills the global). */
static LLVMValueRef cgl_blob_accessor(CglEmitter *e, LLVMValueRef blob) {
    char name[256];
    snprintf(name, sizeof name, "%s_weights_blob", e->opt->prefix);
    LLVMValueRef fn = cgl_export(e, name, LLVMFunctionType(e->vp, NULL, 0, 0));
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    LLVMBuildRet(e->b, LLVMConstPointerCast(blob, e->vp));
    return fn;
}

bool cgl_api_define(CglEmitter *e, LLVMValueRef blob) {
    const CgModule *m = e->m;
    const IrGraph *g = e->g;
    const char *p = e->opt->prefix;
    LLVMValueRef entries[2] = {cgl_entry(e, 0), m->n_entries > 1 ? cgl_entry(e, 1) : NULL};
    LLVMValueRef dec_table = NULL;
    if (m->is_decoder) {
        uint64_t kv_bytes = m->kv.bytes_per_token * (uint64_t)m->kv.capacity;
        LLVMValueRef f[12] = {cgl_i64c(e, m->decoder.vocab),
                              cgl_i64c(e, m->kv.capacity),
                              cgl_i64c(e, m->decoder.max_prefill),
                              cgl_i64c(e, (int64_t)m->kv.bytes_per_token),
                              cgl_i64c(e, (int64_t)kv_bytes),
                              cgl_i64c(e, g->meta.bos_token_id),
                              cgl_i64c(e, g->meta.eos_token_id),
                              cgl_i64c(e, m->prefill_ids_offset),
                              cgl_i64c(e, m->prefill_positions_offset),
                              cgl_i64c(e, m->scratch_offset),
                              entries[0],
                              entries[1]};
        dec_table = cgl_const_global(
            e, "decoder_table", cgl_struct(cgl_runtime_struct(e, "KrtDecoderTable"), f, 12), false);
    }
    LLVMValueRef accessor = blob ? cgl_blob_accessor(e, blob) : NULL;
    /* KrtModelTable's fields in order; device (the CUDA backend's hooks) is NULL: the entries
     * run on the host */
    LLVMValueRef tf[10] = {cgl_i64c(e, (int64_t)m->weights.payload_bytes),
                           cgl_i64c(e, (int64_t)m->weights.hash),
                           cgl_i64c(e, (int64_t)cg_weights_file_bytes(&m->weights)),
                           cgl_i64c(e, m->workspace_bytes),
                           accessor,
                           cgl_i32c(e, m->is_decoder ? 0 : g->n_inputs),
                           cgl_i32c(e, m->is_decoder ? 0 : g->n_outputs),
                           m->is_decoder ? NULL : entries[0],
                           dec_table,
                           NULL};
    LLVMValueRef table = cgl_const_global(
        e, "model_table", cgl_struct(cgl_runtime_struct(e, "KrtModelTable"), tf, 10), false);

    /* the wrappers every model has (cgc_write_api), then the entry-specific ones */
    char name[256];
    snprintf(name, sizeof name, "%s_workspace_size", p);
    cgl_export(e, name, LLVMFunctionType(e->i64, NULL, 0, 0));
    LLVMBuildRet(e->b, cgl_i64c(e, m->workspace_bytes));
    cgl_wrap(e, "init", "krt_model_init", table);
    cgl_wrap(e, "create", "krt_model_create", table);
    cgl_wrap(e, "destroy", "krt_model_destroy", NULL);
    cgl_wrap(e, "attach_pool", "krt_model_attach_pool", NULL);
    cgl_wrap(e, "status_string", "krt_model_status_string", NULL);
    if (m->is_decoder) {
        cgl_wrap(e, "attach_kv", "krt_model_attach_kv", NULL);
        cgl_wrap(e, "reset", "krt_model_reset", NULL);
        cgl_wrap(e, "position", "krt_model_position", NULL);
        cgl_wrap(e, "prefill", "krt_model_prefill", NULL);
        cgl_wrap(e, "decode", "krt_model_decode", NULL);
    } else {
        cgl_run_wrapper(e);
    }

    /* the descriptor (cgc_descriptor.c): <prefix>_model_create, tensor tables, kiln_model */
    LLVMValueRef ins = NULL, outs = NULL, kdec = NULL;
    int n_in = g->n_inputs, n_out = g->n_outputs;
    if (m->is_decoder) {
        int64_t P = m->decoder.max_prefill, V = m->decoder.vocab;
        int64_t in_dims[1] = {P}, out_dims[2] = {P, V};
        ins = cgl_tensor_table(e, 1, NULL, "input_ids", IR_DTYPE_I64, 1, in_dims);
        outs = cgl_tensor_table(e, 1, NULL, "logits", IR_DTYPE_F32, 2, out_dims);
        n_in = n_out = 1;
        LLVMValueRef f[11] = {
            cgl_i64c(e, V),
            cgl_i64c(e, m->kv.capacity),
            cgl_i64c(e, P),
            cgl_i64c(e, (int64_t)m->kv.bytes_per_token),
            cgl_i64c(e, (int64_t)(m->kv.bytes_per_token * (uint64_t)m->kv.capacity)),
            cgl_i64c(e, g->meta.bos_token_id),
            cgl_i64c(e, g->meta.eos_token_id),
            cgl_runtime_fn(e, "krt_kiln_reset"),
            cgl_runtime_fn(e, "krt_kiln_prefill"),
            cgl_runtime_fn(e, "krt_kiln_decode"),
            cgl_runtime_fn(e, "krt_kiln_position")};
        kdec = cgl_const_global(e, "kiln_decoder",
                                cgl_struct(cgl_runtime_struct(e, "KilnDecoder"), f, 11), false);
    } else {
        if (n_in) ins = cgl_tensor_table(e, n_in, g->inputs, NULL, 0, 0, NULL);
        if (n_out) outs = cgl_tensor_table(e, n_out, g->outputs, NULL, 0, 0, NULL);
    }
    /* create(void **ctx, path): KILN_ERR_ARGUMENT for NULL, else krt_model_create */
    LLVMTypeRef ct[2] = {LLVMPointerType(e->vp, 0), e->vp};
    snprintf(name, sizeof name, "%s_model_create", p);
    LLVMValueRef create = cgl_export(e, name, LLVMFunctionType(e->i32, ct, 2, 0));
    LLVMSetLinkage(create, LLVMInternalLinkage);
    LLVMBasicBlockRef bad = LLVMAppendBasicBlockInContext(e->cx, create, "null");
    LLVMBasicBlockRef good = LLVMAppendBasicBlockInContext(e->cx, create, "go");
    LLVMBuildCondBr(e->b, LLVMBuildIsNull(e->b, LLVMGetParam(create, 0), ""), bad, good);
    LLVMPositionBuilderAtEnd(e->b, bad);
    LLVMBuildRet(e->b, cgl_i32c(e, KILN_ERR_ARGUMENT));
    LLVMPositionBuilderAtEnd(e->b, good);
    LLVMValueRef cargs[3] = {LLVMGetParam(create, 0), table, LLVMGetParam(create, 1)};
    LLVMBuildRet(e->b, cgl_call_rt(e, "krt_model_create", cargs, 3));
    char file[256];
    snprintf(file, sizeof file, "%s.weights", p);
    LLVMValueRef mf[15] = {cgl_i32c(e, KILN_MODEL_ABI_VERSION),
                           cgl_cstr(e, g->name),
                           cgl_i32c(e, n_in),
                           ins,
                           cgl_i32c(e, n_out),
                           outs,
                           cgl_i64c(e, (int64_t)cg_weights_file_bytes(&m->weights)),
                           cgl_i64c(e, m->workspace_bytes),
                           cgl_i32c(e, blob ? 1 : 0),
                           blob ? NULL : cgl_cstr(e, file),
                           create,
                           cgl_runtime_fn(e, "krt_kiln_run"),
                           cgl_runtime_fn(e, "krt_kiln_destroy"),
                           cgl_runtime_fn(e, "krt_model_status_string"),
                           kdec};
    cgl_const_global(e, "kiln_model", cgl_struct(cgl_runtime_struct(e, "KilnModel"), mf, 15), true);
    return true;
}
