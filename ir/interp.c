/* The interpreter's driver: binds symbols from the inputs, runs the nodes in order with each
 * node's concrete output types from ir_infer_node, rounds every result to its dtype, frees each
 * intermediate after its last reader, and hands the graph outputs back as IrTensors. Also the
 * IrTensor helpers. */
#include "interp_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- IrTensor ------------------------------------------------------------------------------ */

bool ir_tensor_alloc(IrTensor *t, IrDtype dtype, int rank, const int64_t *dims) {
    memset(t, 0, sizeof *t);
    if (rank < 0 || rank > IR_MAX_RANK) return false;
    size_t size = ir_dtype_size(dtype);
    size_t nbytes = size;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return false;
        if (dims[i] != 0 && nbytes > SIZE_MAX / (uint64_t)dims[i]) return false;
        nbytes *= (size_t)dims[i];
    }
    void *data = calloc(nbytes ? nbytes : 1, 1);
    if (!data) return false;
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++) t->dims[i] = dims[i];
    t->data = data;
    t->nbytes = nbytes;
    return true;
}

void ir_tensor_free(IrTensor *t) {
    if (!t) return;
    free(t->data);
    memset(t, 0, sizeof *t);
}

int64_t ir_tensor_numel(const IrTensor *t) {
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) n *= t->dims[i];
    return n;
}

double ir_tensor_get(const IrTensor *t, int64_t i) {
    KILN_ASSERT(i >= 0 && i < ir_tensor_numel(t));
    return interp_read(t->dtype, t->data, i);
}

/* ---- run state ----------------------------------------------------------------------------- */

static const InterpOpFn interp_op_table[] = {
#define IR_X(E, name, fn, min_in, max_in, min_out, max_out, flags) interp_##fn,
    IR_OPS(IR_X)
#undef IR_X
};
_Static_assert(sizeof interp_op_table / sizeof interp_op_table[0] == IR_OP_COUNT,
               "one interpreter function per op");

/* Everything one interp_run call owns. */
typedef struct InterpRun {
    const IrGraph *g;
    Diag *d;
    int64_t *sym_value; /* [n_symbols]: bound size, or -1 while unbound */
    int *sym_binder;    /* [n_symbols]: graph input that bound it; -1 when unbound or bound by
                           the graph itself (IrSymbol.value) or by a node's result */
    InterpValue *vals;  /* [n_values]: each value's concrete type and data while live */
    int *last_use;      /* [n_values]: last node reading it; n_nodes for graph outputs (kept to
                           the end); -1 if nothing reads it */
    InterpKvCache *kv;  /* KvAttention state (interp_run_decoder); NULL for interp_run */
} InterpRun;

static const char *interp_file(const InterpRun *r) {
    return r->g->source_path && *r->g->source_path ? r->g->source_path : NULL;
}

static void interp_value_release(InterpValue *v) {
    free(v->data);
    v->data = NULL;
}

/* Allocates v's zeroed doubles for concrete type t. On failure (size overflow, out of memory)
 * records a message about `what` and returns false. */
static bool interp_value_alloc(InterpRun *r, InterpValue *v, const IrType *t, const char *what) {
    int64_t numel;
    if (!ir_type_numel(t, &numel) || (uint64_t)numel > SIZE_MAX / sizeof(double)) {
        diag_at(r->d, interp_file(r), NULL, NULL, "value '%s': too many elements", what);
        return false;
    }
    double *data = calloc(numel ? (size_t)numel : 1, sizeof(double));
    if (!data) {
        diag_at(r->d, interp_file(r), NULL, NULL,
                "value '%s': cannot allocate %" PRId64 " elements", what, numel);
        return false;
    }
    v->type = *t;
    v->numel = numel;
    v->data = data;
    return true;
}

static void interp_last_uses(InterpRun *r) {
    const IrGraph *g = r->g;
    for (int v = 0; v < g->n_values; v++) r->last_use[v] = -1;
    for (int i = 0; i < g->n_nodes; i++) {
        const IrNode *n = &g->nodes[i];
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) r->last_use[n->inputs[k]] = i;
    }
    for (int k = 0; k < g->n_outputs; k++) r->last_use[g->outputs[k]] = g->n_nodes;
}

/* ---- binding the inputs -------------------------------------------------------------------- */

/* Binds (or checks) the dims of graph input k against the given tensor. */
static bool interp_bind_input_dims(InterpRun *r, int k, const IrTensor *t, IrType *concrete) {
    const IrGraph *g = r->g;
    const IrValue *v = ir_value(g, g->inputs[k]);
    for (int i = 0; i < v->type.rank; i++) {
        IrDim dim = v->type.dims[i];
        int64_t got = t->dims[i];
        if (got < 0) {
            diag_at(r->d, interp_file(r), NULL, NULL,
                    "input '%s': dim %d is negative (%" PRId64 ")", v->name, i, got);
            return false;
        }
        if (dim.sym < 0) {
            if (got != dim.size) {
                diag_at(r->d, interp_file(r), NULL, NULL,
                        "input '%s': dim %d is %" PRId64 " but the model needs %" PRId64, v->name,
                        i, got, dim.size);
                return false;
            }
        } else {
            const char *sym = g->symbols[dim.sym].name;
            int64_t bound = r->sym_value[dim.sym];
            if (bound < 0) {
                r->sym_value[dim.sym] = got;
                r->sym_binder[dim.sym] = k;
            } else if (bound != got) {
                int by = r->sym_binder[dim.sym];
                if (by >= 0)
                    diag_at(r->d, interp_file(r), NULL, NULL,
                            "input '%s': dim %d binds symbol '%s' to %" PRId64
                            ", but input '%s' bound it to %" PRId64,
                            v->name, i, sym, got, ir_value(g, g->inputs[by])->name, bound);
                else
                    diag_at(r->d, interp_file(r), NULL, NULL,
                            "input '%s': dim %d binds symbol '%s' to %" PRId64
                            ", but the model fixes it to %" PRId64,
                            v->name, i, sym, got, bound);
                return false;
            }
        }
        concrete->dims[i] = ir_dim_const(got);
    }
    return true;
}

/* Checks every graph input against its tensor, binds the symbols, and loads the data. */
static bool interp_load_inputs(InterpRun *r, const IrTensor *inputs) {
    const IrGraph *g = r->g;
    for (int k = 0; k < g->n_inputs; k++) {
        const IrValue *v = ir_value(g, g->inputs[k]);
        const IrTensor *t = &inputs[k];
        if (t->dtype != v->type.dtype || t->rank != v->type.rank) {
            char want[256];
            diag_at(r->d, interp_file(r), NULL, NULL,
                    "input '%s': got a %s tensor of rank %d, but the model needs %s", v->name,
                    (unsigned)t->dtype < IR_DTYPE_COUNT ? ir_dtype_name(t->dtype) : "(bad dtype)",
                    t->rank, ir_type_str(g, &v->type, want, sizeof want));
            return false;
        }
        IrType concrete = v->type;
        if (!interp_bind_input_dims(r, k, t, &concrete)) return false;
        size_t nbytes;
        if (!ir_type_nbytes(&concrete, &nbytes) || nbytes != t->nbytes ||
            (nbytes > 0 && !t->data)) {
            diag_at(r->d, interp_file(r), NULL, NULL,
                    "input '%s': the tensor holds %zu bytes of data, its shape needs a different "
                    "amount",
                    v->name, t->nbytes);
            return false;
        }
        InterpValue *iv = &r->vals[g->inputs[k]];
        if (iv->data) continue; /* the same value listed twice as an input: loaded already */
        if (!interp_value_alloc(r, iv, &concrete, v->name)) return false;
        for (int64_t i = 0; i < iv->numel; i++) iv->data[i] = interp_read(t->dtype, t->data, i);
    }
    return true;
}

/* ---- constants ----------------------------------------------------------------------------- */

/* Resolves the symbols of a declared type with the bound sizes. */
static bool interp_concrete_type(const InterpRun *r, const IrType *declared, IrType *out) {
    *out = *declared;
    for (int i = 0; i < declared->rank; i++) {
        IrDim dim = declared->dims[i];
        if (dim.sym < 0) continue;
        if (r->sym_value[dim.sym] < 0) return false;
        out->dims[i] = ir_dim_const(r->sym_value[dim.sym]);
    }
    return true;
}

/* A packed constant f32[R, K] (ir/wformat.h): each row dequantized with the format table, as
 * the reference of every kernel that reads the format in place. */
static bool interp_load_packed(InterpRun *r, const IrValue *v, InterpValue *iv) {
    int64_t rows = v->type.dims[0].size, k = v->type.dims[1].size;
    size_t row_bytes = 0;
    KILN_ASSERT(ir_wformat_row_bytes(v->wformat, k, &row_bytes));
    float *row = malloc((size_t)(k ? k : 1) * sizeof *row);
    if (!row) {
        diag_at(r->d, interp_file(r), NULL, NULL, "constant '%s': out of memory", v->name);
        return false;
    }
    const unsigned char *src = v->data;
    for (int64_t i = 0; i < rows; i++) {
        ir_wformat_dequantize_row(v->wformat, src + (size_t)i * row_bytes, k, row);
        for (int64_t j = 0; j < k; j++) iv->data[i * k + j] = row[j];
    }
    free(row);
    return true;
}

/* Converts constant value id to doubles (constants are loaded on first use, freed after the
 * last). */
static bool interp_load_const(InterpRun *r, int id) {
    const IrValue *v = ir_value(r->g, id);
    IrType t;
    size_t nbytes;
    if (!interp_concrete_type(r, &v->type, &t) || !ir_data_bytes(&t, v->wformat, &nbytes) ||
        nbytes != v->nbytes) {
        diag_at(r->d, interp_file(r), NULL, NULL,
                "constant '%s': its data (%zu bytes) does not fit its type", v->name, v->nbytes);
        return false;
    }
    InterpValue *iv = &r->vals[id];
    if (!interp_value_alloc(r, iv, &t, v->name)) return false;
    if (ir_wformat_is_packed(v->wformat)) return interp_load_packed(r, v, iv);
    for (int64_t i = 0; i < iv->numel; i++) iv->data[i] = interp_read(t.dtype, v->data, i);
    return true;
}

/* Makes value id live if it is a constant not loaded yet. Any other value is live by now
 * because nodes run in topological order. */
static bool interp_ensure_live(InterpRun *r, int id) {
    if (r->vals[id].data) return true;
    KILN_ASSERT(ir_value(r->g, id)->data != NULL);
    return interp_load_const(r, id);
}

/* ---- running one node ---------------------------------------------------------------------- */

/* Checks a node result's concrete type against the type the graph declares for it, binding
 * symbols that no input bound. */
static bool interp_check_result(InterpRun *r, const IrNode *n, int id, const IrType *got) {
    const IrGraph *g = r->g;
    const IrValue *v = ir_value(g, id);
    bool ok = got->dtype == v->type.dtype && got->rank == v->type.rank && ir_type_is_static(got);
    for (int i = 0; ok && i < got->rank; i++) {
        IrDim dim = v->type.dims[i];
        int64_t size = got->dims[i].size;
        if (dim.sym < 0)
            ok = dim.size == size;
        else if (r->sym_value[dim.sym] < 0)
            r->sym_value[dim.sym] = size;
        else
            ok = r->sym_value[dim.sym] == size;
    }
    if (!ok) {
        char want[256], have[256];
        ir_node_error(r->d, g, n, "output '%s' comes out as %s but the graph declares %s", v->name,
                      ir_type_str(g, got, have, sizeof have),
                      ir_type_str(g, &v->type, want, sizeof want));
    }
    return ok;
}

/* Frees the inputs of node i that no later node reads, and outputs nothing reads at all. */
static void interp_free_dead(InterpRun *r, int i) {
    const IrNode *n = &r->g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
        if (n->inputs[k] >= 0 && r->last_use[n->inputs[k]] == i)
            interp_value_release(&r->vals[n->inputs[k]]);
    for (int k = 0; k < n->n_outputs; k++)
        if (r->last_use[n->outputs[k]] < 0) interp_value_release(&r->vals[n->outputs[k]]);
}

static bool interp_run_node(InterpRun *r, int i) {
    const IrGraph *g = r->g;
    const IrNode *n = &g->nodes[i];
    size_t n_in = (size_t)n->n_inputs, n_out = (size_t)n->n_outputs;
    IrType *in_types = calloc(n_in + 1, sizeof *in_types);
    IrType *out_types = calloc(n_out + 1, sizeof *out_types);
    const InterpValue **in = calloc(n_in + 1, sizeof *in);
    InterpValue **out = calloc(n_out + 1, sizeof *out);
    KILN_ASSERT(in_types && out_types && in && out);

    bool ok = true;
    for (size_t k = 0; ok && k < n_in; k++) {
        int id = n->inputs[k];
        if (id < 0) {
            in_types[k].rank = -1;
            continue;
        }
        ok = interp_ensure_live(r, id);
        if (ok) {
            in[k] = &r->vals[id];
            in_types[k] = r->vals[id].type;
        }
    }
    ok = ok && ir_infer_node(g, n, in_types, out_types, r->d);
    for (size_t k = 0; ok && k < n_out; k++) {
        int id = n->outputs[k];
        ok = interp_check_result(r, n, id, &out_types[k]) &&
             interp_value_alloc(r, &r->vals[id], &out_types[k], ir_value(g, id)->name);
        out[k] = &r->vals[id];
    }
    if (ok) {
        InterpArgs args = {g, n, r->d, in, n->n_inputs, out, n->n_outputs, r->kv};
        ok = interp_op_table[n->op](&args);
    }
    for (size_t k = 0; ok && k < n_out; k++) {
        InterpValue *v = out[k];
        for (int64_t e = 0; e < v->numel; e++) v->data[e] = interp_round(v->type.dtype, v->data[e]);
    }
    if (ok) interp_free_dead(r, i);
    free(in_types);
    free(out_types);
    free(in);
    free(out);
    return ok;
}

/* ---- outputs ------------------------------------------------------------------------------- */

static bool interp_export_outputs(InterpRun *r, IrTensor *outputs) {
    const IrGraph *g = r->g;
    for (int k = 0; k < g->n_outputs; k++) {
        int id = g->outputs[k];
        if (!interp_ensure_live(r, id)) return false;
        const InterpValue *v = &r->vals[id];
        int64_t dims[IR_MAX_RANK];
        interp_type_dims(&v->type, dims);
        if (!ir_tensor_alloc(&outputs[k], v->type.dtype, v->type.rank, dims)) {
            diag_at(r->d, interp_file(r), NULL, NULL, "output '%s': cannot allocate it",
                    ir_value(g, id)->name);
            return false;
        }
        for (int64_t e = 0; e < v->numel; e++)
            interp_write(v->type.dtype, outputs[k].data, e, v->data[e]);
    }
    return true;
}

/* ---- entry point --------------------------------------------------------------------------- */

bool interp_run(const IrGraph *g, const IrTensor *inputs, IrTensor *outputs, Diag *d) {
    for (int k = 0; k < g->n_outputs; k++) memset(&outputs[k], 0, sizeof outputs[k]);
    size_t n_sym = (size_t)g->n_symbols, n_val = (size_t)g->n_values;
    InterpRun r = {g, d, NULL, NULL, NULL, NULL, NULL};
    r.sym_value = calloc(n_sym + 1, sizeof *r.sym_value);
    r.sym_binder = calloc(n_sym + 1, sizeof *r.sym_binder);
    r.vals = calloc(n_val + 1, sizeof *r.vals);
    r.last_use = calloc(n_val + 1, sizeof *r.last_use);
    KILN_ASSERT(r.sym_value && r.sym_binder && r.vals && r.last_use);
    for (size_t s = 0; s < n_sym; s++) {
        r.sym_value[s] = g->symbols[s].value;
        r.sym_binder[s] = -1;
    }
    interp_last_uses(&r);

    bool ok = interp_load_inputs(&r, inputs);
    for (int i = 0; ok && i < g->n_nodes; i++) ok = interp_run_node(&r, i);
    ok = ok && interp_export_outputs(&r, outputs);

    if (!ok)
        for (int k = 0; k < g->n_outputs; k++) ir_tensor_free(&outputs[k]);
    for (size_t v = 0; v < n_val; v++) interp_value_release(&r.vals[v]);
    free(r.sym_value);
    free(r.sym_binder);
    free(r.vals);
    free(r.last_use);
    return ok;
}

/* ---- decoder entry points ------------------------------------------------------------------ */

void interp_kv_free(InterpKvCache *kv) {
    for (int i = 0; i < kv->n_layers; i++) {
        free(kv->k[i]);
        free(kv->v[i]);
    }
    free(kv->k);
    free(kv->v);
    free(kv->layer_bytes);
    memset(kv, 0, sizeof *kv);
}

/* Marks in need[] the nodes that value v depends on (nodes are in topological order, so one
 * backward sweep over the marked values suffices). */
static void interp_mark_needed(const IrGraph *g, int v, bool *need, bool *live) {
    live[v] = true;
    for (int i = g->n_nodes - 1; i >= 0; i--) {
        const IrNode *n = &g->nodes[i];
        for (int k = 0; k < n->n_outputs && !need[i]; k++) need[i] = live[n->outputs[k]];
        if (!need[i]) continue;
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) live[n->inputs[k]] = true;
    }
}

bool interp_run_decoder(const IrGraph *g, const IrTensor *inputs, IrTensor *outputs, int entry,
                        InterpKvCache *kv, Diag *d) {
    KILN_ASSERT(entry >= 0 && entry < g->n_outputs && kv != NULL);
    for (int k = 0; k < g->n_outputs; k++) memset(&outputs[k], 0, sizeof outputs[k]);
    size_t n_sym = (size_t)g->n_symbols, n_val = (size_t)g->n_values;
    InterpRun r = {g, d, NULL, NULL, NULL, NULL, kv};
    r.sym_value = calloc(n_sym + 1, sizeof *r.sym_value);
    r.sym_binder = calloc(n_sym + 1, sizeof *r.sym_binder);
    r.vals = calloc(n_val + 1, sizeof *r.vals);
    r.last_use = calloc(n_val + 1, sizeof *r.last_use);
    bool *need = calloc((size_t)g->n_nodes + 1, sizeof *need);
    bool *live = calloc(n_val + 1, sizeof *live);
    KILN_ASSERT(r.sym_value && r.sym_binder && r.vals && r.last_use && need && live);
    for (size_t s = 0; s < n_sym; s++) {
        r.sym_value[s] = g->symbols[s].value;
        r.sym_binder[s] = -1;
    }
    interp_last_uses(&r);
    interp_mark_needed(g, g->outputs[entry], need, live);

    bool ok = interp_load_inputs(&r, inputs);
    for (int i = 0; ok && i < g->n_nodes; i++)
        if (need[i]) ok = interp_run_node(&r, i);
    int id = g->outputs[entry];
    ok = ok && interp_ensure_live(&r, id);
    if (ok) {
        const InterpValue *v = &r.vals[id];
        int64_t dims[IR_MAX_RANK];
        interp_type_dims(&v->type, dims);
        ok = ir_tensor_alloc(&outputs[entry], v->type.dtype, v->type.rank, dims);
        if (!ok)
            diag_at(d, interp_file(&r), NULL, NULL, "output '%s': cannot allocate it",
                    ir_value(g, id)->name);
        for (int64_t e = 0; ok && e < v->numel; e++)
            interp_write(v->type.dtype, outputs[entry].data, e, v->data[e]);
    }
    if (!ok) ir_tensor_free(&outputs[entry]);
    for (size_t v = 0; v < n_val; v++) interp_value_release(&r.vals[v]);
    free(r.sym_value);
    free(r.sym_binder);
    free(r.vals);
    free(r.last_use);
    free(need);
    free(live);
    return ok;
}
