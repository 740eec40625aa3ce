/* The services import functions build on (onnx_import.h): the value table, attributes,
 * constants, and node creation with type inference and constant folding. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_internal.h"

IrGraph *onnx_graph(OnnxImporter *im) {
    return im->g;
}

int64_t onnx_opset(const OnnxImporter *im, const char *domain) {
    for (int i = 0; i < im->n_opsets; i++)
        if (strcmp(im->opsets[i].domain, domain) == 0) return im->opsets[i].version;
    return 0;
}

bool onnx_error(OnnxImporter *im, const OnnxNode *n, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_at(im->d, im->path, n ? n->name : NULL, n ? n->op_type : NULL, "%s", buf);
    return false;
}

void onnx_note_training_dropout(OnnxImporter *im, const OnnxNode *n) {
    if (im->n_training_dropouts == im->cap_training_dropouts) {
        im->cap_training_dropouts = im->cap_training_dropouts ? im->cap_training_dropouts * 2 : 4;
        im->training_dropouts = realloc(im->training_dropouts, (size_t)im->cap_training_dropouts *
                                                                   sizeof *im->training_dropouts);
        KILN_ASSERT(im->training_dropouts != NULL);
    }
    im->training_dropouts[im->n_training_dropouts++] = ir_strdup(im->g, n->name);
}

/* At most this many node names are listed in the warning; a model exported in training mode
 * can have one Dropout per layer and more, and the count says how many there are. */
#define ONNX_MAX_LISTED_DROPOUTS 8

void onnx_warn_training_dropouts(OnnxImporter *im, bool imported) {
    int n = im->n_training_dropouts;
    if (imported && n > 0) {
        size_t cap = 64;
        for (int i = 0; i < n && i < ONNX_MAX_LISTED_DROPOUTS; i++)
            cap += strlen(im->training_dropouts[i]) + 2;
        char *names = malloc(cap);
        KILN_ASSERT(names != NULL);
        size_t len = 0;
        for (int i = 0; i < n && i < ONNX_MAX_LISTED_DROPOUTS; i++)
            len += (size_t)snprintf(names + len, cap - len, "%s%s", i ? ", " : "",
                                    im->training_dropouts[i]);
        if (n > ONNX_MAX_LISTED_DROPOUTS)
            snprintf(names + len, cap - len, ", and %d more", n - ONNX_MAX_LISTED_DROPOUTS);
        /* A Dropout that onnxruntime executes in training mode drops at random (see
         * core_dropout); kiln compiles for inference, so the warning says which the user
         * gets. */
        diag_warn_at(im->d, im->path, NULL, NULL,
                     "%d Dropout node%s training_mode=true (%s); imported as identity "
                     "(inference semantics: no random dropout, unlike a training-mode run)",
                     n, n == 1 ? " has" : "s have", names);
        free(names);
    }
    free(im->training_dropouts);
    im->training_dropouts = NULL;
    im->n_training_dropouts = im->cap_training_dropouts = 0;
}

int onnx_input(OnnxImporter *im, const OnnxNode *n, int i) {
    if (i < 0 || i >= n->n_inputs || n->inputs[i][0] == '\0') return -1;
    int v = onnx_map_get(&im->values, n->inputs[i]);
    KILN_ASSERT(v >= 0); /* the reader checks every input name before importing */
    return v;
}

IrType onnx_input_type(OnnxImporter *im, const OnnxNode *n, int i) {
    int v = onnx_input(im, n, i);
    if (v < 0) {
        IrType t;
        memset(&t, 0, sizeof t);
        t.rank = -1;
        return t;
    }
    return ir_value(im->g, v)->type;
}

bool onnx_input_is_const(OnnxImporter *im, const OnnxNode *n, int i) {
    int v = onnx_input(im, n, i);
    return v >= 0 && ir_value(im->g, v)->data != NULL;
}

/* Appends to buf the unbound symbols of the graph inputs value v is computed from. */
static void onnx_unbound_symbols(OnnxImporter *im, int v, char *buf, size_t cap) {
    IrGraph *g = im->g;
    bool *seen = calloc((size_t)g->n_values, 1);
    bool *sym_seen = calloc((size_t)g->n_symbols + 1, 1);
    int *stack = malloc(sizeof(int) * ((size_t)g->n_values + 1));
    KILN_ASSERT(seen && sym_seen && stack);
    int top = 0;
    stack[top++] = v;
    seen[v] = true;
    size_t len = strlen(buf);
    while (top > 0) {
        const IrValue *val = ir_value(g, stack[--top]);
        if (val->producer < 0) {
            for (int k = 0; k < val->type.rank; k++) {
                int s = val->type.dims[k].sym;
                if (s < 0 || sym_seen[s] || g->symbols[s].value >= 0) continue;
                sym_seen[s] = true;
                int w = snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", g->symbols[s].name);
                if (w > 0 && (size_t)w < cap - len) len += (size_t)w;
            }
            continue;
        }
        const IrNode *p = ir_node(g, val->producer);
        for (int k = 0; k < p->n_inputs; k++) {
            int in = p->inputs[k];
            if (in >= 0 && !seen[in]) {
                seen[in] = true;
                stack[top++] = in;
            }
        }
    }
    free(stack);
    free(sym_seen);
    free(seen);
}

bool onnx_input_const(OnnxImporter *im, const OnnxNode *n, int i, const char *why, IrTensor *t) {
    int v = onnx_input(im, n, i);
    if (v < 0) return onnx_error(im, n, "input %d (%s) is missing", i, why);
    const IrValue *val = ir_value(im->g, v);
    if (!val->data) {
        char syms[512] = "";
        onnx_unbound_symbols(im, v, syms, sizeof syms);
        if (syms[0])
            return onnx_error(im, n,
                              "input '%s' (%s) must be a compile-time constant, but it depends "
                              "on unbound symbols: %s (give their sizes with --bind)",
                              n->inputs[i], why, syms);
        return onnx_error(im, n,
                          "input '%s' (%s) must be a compile-time constant, but it is computed "
                          "from the model's input data",
                          n->inputs[i], why);
    }
    memset(t, 0, sizeof *t);
    t->dtype = val->type.dtype;
    t->rank = val->type.rank;
    for (int k = 0; k < t->rank; k++) t->dims[k] = val->type.dims[k].size;
    t->data = (void *)val->data;
    t->nbytes = val->nbytes;
    return true;
}

bool onnx_input_ints(OnnxImporter *im, const OnnxNode *n, int i, const char *why, int64_t *vals,
                     int cap, int *count) {
    IrTensor t;
    if (!onnx_input_const(im, n, i, why, &t)) return false;
    if (t.dtype != IR_DTYPE_I64 && t.dtype != IR_DTYPE_I32)
        return onnx_error(im, n, "input '%s' (%s) must be int32 or int64, not %s", n->inputs[i],
                          why, ir_dtype_name(t.dtype));
    int64_t numel = ir_tensor_numel(&t);
    if (t.rank > 1 || numel > cap)
        return onnx_error(im, n, "input '%s' (%s) must be a list of at most %d values",
                          n->inputs[i], why, cap);
    for (int64_t k = 0; k < numel; k++)
        vals[k] =
            t.dtype == IR_DTYPE_I64 ? ((const int64_t *)t.data)[k] : ((const int32_t *)t.data)[k];
    *count = (int)numel;
    return true;
}

const OnnxAttr *onnx_attr(const OnnxNode *n, const char *name) {
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
    return NULL;
}

static const char *const onnx_attr_type_names[] = {
    "undefined", "float", "int", "string", "tensor", "graph", "floats", "ints", "strings",
};

static const OnnxAttr *onnx_attr_typed(OnnxImporter *im, const OnnxNode *n, const char *name,
                                       OnnxAttrType want, bool *bad) {
    const OnnxAttr *a = onnx_attr(n, name);
    *bad = false;
    if (a && a->type != want) {
        const char *have =
            a->type >= 0 && a->type <= ONNX_ATTR_STRINGS ? onnx_attr_type_names[a->type] : "other";
        onnx_error(im, n, "attribute '%s' must be of type %s, not %s", name,
                   onnx_attr_type_names[want], have);
        *bad = true;
        return NULL;
    }
    return a;
}

bool onnx_attr_int(OnnxImporter *im, const OnnxNode *n, const char *name, int64_t def,
                   int64_t *out) {
    bool bad;
    const OnnxAttr *a = onnx_attr_typed(im, n, name, ONNX_ATTR_INT, &bad);
    *out = a ? a->i : def;
    return !bad;
}

bool onnx_attr_float(OnnxImporter *im, const OnnxNode *n, const char *name, double def,
                     double *out) {
    bool bad;
    const OnnxAttr *a = onnx_attr_typed(im, n, name, ONNX_ATTR_FLOAT, &bad);
    *out = a ? a->f : def;
    return !bad;
}

bool onnx_attr_string(OnnxImporter *im, const OnnxNode *n, const char *name, const char *def,
                      const char **out) {
    bool bad;
    const OnnxAttr *a = onnx_attr_typed(im, n, name, ONNX_ATTR_STRING, &bad);
    *out = a ? a->s : def;
    return !bad;
}

bool onnx_attr_ints(OnnxImporter *im, const OnnxNode *n, const char *name, const int64_t **out,
                    int *count, bool *present) {
    bool bad;
    const OnnxAttr *a = onnx_attr_typed(im, n, name, ONNX_ATTR_INTS, &bad);
    *out = a ? a->ints : NULL;
    *count = a ? a->count : 0;
    if (present) *present = a != NULL;
    return !bad;
}

bool onnx_attr_floats(OnnxImporter *im, const OnnxNode *n, const char *name, const double **out,
                      int *count, bool *present) {
    bool bad;
    const OnnxAttr *a = onnx_attr_typed(im, n, name, ONNX_ATTR_FLOATS, &bad);
    *out = a ? a->floats : NULL;
    *count = a ? a->count : 0;
    if (present) *present = a != NULL;
    return !bad;
}

/* "<base>" or "<base>.N": an IR node name not used yet. */
static const char *onnx_unique_node_name(OnnxImporter *im, const char *base) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", base);
    for (int k = 1; onnx_map_get(&im->node_names, buf) >= 0; k++)
        snprintf(buf, sizeof buf, "%.480s.%d", base, k);
    onnx_map_put(&im->node_names, buf, 1);
    return ir_strdup(im->g, buf);
}

int onnx_node_begin(OnnxImporter *im, const OnnxNode *src, IrOp op, const int *inputs, int n_in,
                    const char *const *out_names, int n_out) {
    IrGraph *g = im->g;
    int outs[64];
    KILN_ASSERT(n_out >= 0 && n_out <= 64);
    IrType placeholder;
    memset(&placeholder, 0, sizeof placeholder);
    for (int k = 0; k < n_out; k++) {
        const char *onnx_name = out_names && out_names[k] && out_names[k][0] ? out_names[k] : NULL;
        char base[512];
        if (onnx_name)
            snprintf(base, sizeof base, "%s", onnx_name);
        else
            snprintf(base, sizeof base, "%.400s.%s", src->name, ir_op_info(op)->name);
        outs[k] = ir_value_add(g, ir_value_unique_name(g, base), &placeholder);
        if (onnx_name) onnx_map_put(&im->values, onnx_name, outs[k]);
    }
    int node = ir_node_add(g, op, onnx_unique_node_name(im, src->name), inputs, n_in, outs, n_out);
    ir_node(g, node)->loc.file = im->path;
    ir_node(g, node)->loc.name = ir_strdup(g, src->name);
    return node;
}

/* Evaluates node (all inputs constant) with the interpreter on a graph of its own and turns
 * its outputs into constants in place, removing the node. */
static bool onnx_fold(OnnxImporter *im, const OnnxNode *src, int node) {
    IrGraph *g = im->g;
    const IrNode *n = ir_node(g, node);
    IrGraph *t = ir_graph_new("fold", im->path, ".");
    /* Variadic ops (Concat) take any number of inputs; outputs are bounded by the op table. */
    int *ins = malloc(sizeof *ins * (size_t)(n->n_inputs ? n->n_inputs : 1)), outs[64];
    KILN_ASSERT(ins != NULL && n->n_outputs <= 64);
    for (int i = 0; i < n->n_inputs; i++) {
        ins[i] = -1;
        if (n->inputs[i] < 0) continue;
        const IrValue *v = ir_value(g, n->inputs[i]);
        char name[32];
        snprintf(name, sizeof name, "in%d", i);
        ins[i] = ir_const_add(t, name, &v->type, v->data, v->nbytes, false);
    }
    for (int k = 0; k < n->n_outputs; k++) {
        char name[32];
        snprintf(name, sizeof name, "out%d", k);
        outs[k] = ir_value_add(t, name, &ir_value(g, n->outputs[k])->type);
    }
    int tn = ir_node_add(t, n->op, "fold", ins, n->n_inputs, outs, n->n_outputs);
    free(ins);
    for (int a = 0; a < n->n_attrs; a++) {
        const IrAttr *at = &n->attrs[a];
        switch (at->kind) {
        case IR_ATTR_INT:
            ir_attr_set_int(t, tn, at->name, at->i);
            break;
        case IR_ATTR_FLOAT:
            ir_attr_set_float(t, tn, at->name, at->f);
            break;
        case IR_ATTR_INTS:
            ir_attr_set_ints(t, tn, at->name, at->ints, at->count);
            break;
        case IR_ATTR_FLOATS:
            ir_attr_set_floats(t, tn, at->name, at->floats, at->count);
            break;
        case IR_ATTR_STRING:
            ir_attr_set_string(t, tn, at->name, at->s);
            break;
        }
    }
    for (int k = 0; k < n->n_outputs; k++) ir_output_add(t, outs[k]);
    IrTensor res[64];
    memset(res, 0, sizeof res);
    Diag fd;
    diag_init(&fd);
    bool ok = interp_run(t, NULL, res, &fd);
    if (!ok) {
        onnx_error(im, src, "evaluating this node on constant inputs failed: %s",
                   fd.count ? fd.messages[0] : "unknown error");
    } else {
        for (int k = 0; k < n->n_outputs; k++) {
            IrValue *v = ir_value(g, n->outputs[k]);
            void *data = ir_alloc(g, res[k].nbytes ? res[k].nbytes : 1);
            if (res[k].nbytes) memcpy(data, res[k].data, res[k].nbytes);
            v->data = data;
            v->nbytes = res[k].nbytes;
            v->producer = -1;
            ir_tensor_free(&res[k]);
        }
        KILN_ASSERT(node == g->n_nodes - 1);
        g->n_nodes--;
    }
    diag_free(&fd);
    ir_graph_free(t);
    return ok;
}

/* Folding copies whole tensors; huge constant computations stay in the graph. */
#define ONNX_FOLD_MAX_BYTES ((size_t)64 << 20)

bool onnx_node_end(OnnxImporter *im, const OnnxNode *src, int node, int *out_values) {
    IrGraph *g = im->g;
    IrNode *n = ir_node(g, node);
    /* Variadic ops (Concat) take any number of inputs; outputs are bounded by the op table. */
    IrType *in = malloc(sizeof *in * (size_t)(n->n_inputs ? n->n_inputs : 1)), out[64];
    KILN_ASSERT(in != NULL && n->n_outputs <= 64);
    bool all_const = n->n_inputs > 0;
    for (int i = 0; i < n->n_inputs; i++) {
        if (n->inputs[i] < 0) {
            memset(&in[i], 0, sizeof in[i]);
            in[i].rank = -1;
            continue;
        }
        const IrValue *v = ir_value(g, n->inputs[i]);
        in[i] = v->type;
        all_const &= v->data != NULL;
    }
    bool inferred = ir_infer_node(g, n, in, out, im->d);
    free(in);
    if (!inferred) return false;
    size_t total = 0;
    for (int k = 0; k < n->n_outputs; k++) {
        ir_value(g, n->outputs[k])->type = out[k];
        size_t nb;
        if (!ir_type_nbytes(&out[k], &nb) || __builtin_add_overflow(total, nb, &total))
            all_const = false;
    }
    /* The outputs' value ids survive folding (they become constants in place). */
    if (out_values)
        for (int k = 0; k < n->n_outputs; k++) out_values[k] = n->outputs[k];
    return !(all_const && total <= ONNX_FOLD_MAX_BYTES) || onnx_fold(im, src, node);
}

void onnx_bind_output(OnnxImporter *im, const OnnxNode *src, int k, int value) {
    if (k < 0 || k >= src->n_outputs || src->outputs[k][0] == '\0') return;
    onnx_map_put(&im->values, src->outputs[k], value);
}

int onnx_const(OnnxImporter *im, const OnnxNode *src, const char *name, IrDtype dtype, int rank,
               const int64_t *dims, const void *data) {
    IrType t;
    memset(&t, 0, sizeof t);
    t.dtype = dtype;
    t.rank = rank;
    KILN_ASSERT(rank >= 0 && rank <= IR_MAX_RANK);
    for (int i = 0; i < rank; i++) t.dims[i] = ir_dim_const(dims[i]);
    size_t nb;
    KILN_ASSERT(ir_type_nbytes(&t, &nb));
    char base[512];
    if (name)
        snprintf(base, sizeof base, "%s", name);
    else
        snprintf(base, sizeof base, "%.480s.const", src->name);
    return ir_const_add(im->g, ir_value_unique_name(im->g, base), &t, data, nb, true);
}
