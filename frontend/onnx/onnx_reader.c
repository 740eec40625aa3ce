/* fe_onnx_load: decodes an ONNX model with protobuf-c, checks opsets and op support, then
 * builds the IR: graph inputs (symbolic dims bound from --bind), initializers, nodes through
 * the family import functions, and graph outputs. */
#include <stdlib.h>
#include <string.h>

#include "../file.h"
#include "../path.h"
#include "onnx_frontend.h"
#include "onnx_internal.h"

OnnxImportFn onnx_find_import(const char *domain, const char *op_type) {
    const OnnxOpImport *tables[] = {onnx_import_core,  onnx_import_math,  onnx_import_cnn,
                                    onnx_import_quant, onnx_import_index, onnx_import_attn};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const OnnxOpImport *e = tables[t]; e->op_type; e++)
            if (strcmp(e->domain, domain) == 0 && strcmp(e->op_type, op_type) == 0)
                return e->import;
    return NULL;
}

static const char *onnx_norm_domain(const char *domain) {
    return !domain || strcmp(domain, "ai.onnx") == 0 ? "" : domain;
}

static bool onnx_read_opsets(OnnxImporter *im, const KilnOnnx__ModelProto *m) {
    if (m->n_opset_import == 0) {
        diag_at(im->d, im->path, NULL, NULL, "the model imports no operator set");
        return false;
    }
    im->opsets = ir_alloc(im->g, sizeof *im->opsets * m->n_opset_import);
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *dom = onnx_norm_domain(m->opset_import[i]->domain);
        int64_t v = m->opset_import[i]->has_version ? m->opset_import[i]->version : 0;
        if (dom[0] == '\0') {
            if (v < ONNX_MIN_OPSET || v > ONNX_MAX_OPSET) {
                diag_at(im->d, im->path, NULL, NULL,
                        "opset %lld of ai.onnx is unsupported (kiln supports %d to %d)",
                        (long long)v, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
                return false;
            }
        } else if (strcmp(dom, "com.microsoft") != 0) {
            diag_at(im->d, im->path, NULL, NULL,
                    "operator set domain '%s' is unsupported (kiln reads ai.onnx and "
                    "com.microsoft)",
                    dom);
            return false;
        }
        im->opsets[im->n_opsets].domain = ir_strdup(im->g, dom);
        im->opsets[im->n_opsets++].version = v;
    }
    return true;
}

/* Reports, in one message, every (domain, op_type) the model uses that has no importer. */
static bool onnx_check_support(OnnxImporter *im, const KilnOnnx__GraphProto *gp) {
    char msg[2048] = "";
    size_t len = 0;
    int missing = 0;
    OnnxMap seen = {0};
    for (size_t i = 0; i < gp->n_node; i++) {
        const KilnOnnx__NodeProto *np = gp->node[i];
        const char *dom = onnx_norm_domain(np->domain);
        const char *op = np->op_type ? np->op_type : "";
        if (onnx_find_import(dom, op)) continue;
        char key[512];
        snprintf(key, sizeof key, "%s%s%s", dom, dom[0] ? "." : "", op);
        if (onnx_map_get(&seen, key) >= 0) continue;
        onnx_map_put(&seen, key, 1);
        char name[64];
        snprintf(name, sizeof name, "%s_%zu", op, i);
        const char *node = np->name && np->name[0] ? np->name : name;
        int w = snprintf(msg + len, sizeof msg - len, "%s%s (node '%s')", missing ? ", " : "", key,
                         node);
        if (w > 0 && (size_t)w < sizeof msg - len) len += (size_t)w;
        missing++;
    }
    onnx_map_free(&seen);
    if (!missing) return true;
    diag_at(im->d, im->path, NULL, NULL, "unsupported ops (opset %lld): %s",
            (long long)onnx_opset(im, ""), msg);
    return false;
}

static bool onnx_add_initializers(OnnxImporter *im, const KilnOnnx__GraphProto *gp) {
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const KilnOnnx__TensorProto *tp = gp->initializer[i];
        const char *name = tp->name ? tp->name : "";
        char what[600];
        snprintf(what, sizeof what, "initializer '%.512s'", name);
        if (!name[0] || onnx_map_get(&im->values, name) >= 0) {
            diag_at(im->d, im->path, NULL, NULL, "%s: %s", what,
                    name[0] ? "defined twice" : "has no name");
            return false;
        }
        OnnxTensor t;
        if (!onnx_tensor_decode(tp, im->g, im->path, what, &t, im->d)) return false;
        IrType ty;
        memset(&ty, 0, sizeof ty);
        ty.dtype = t.dtype;
        ty.rank = t.rank;
        for (int k = 0; k < t.rank; k++) ty.dims[k] = ir_dim_const(t.dims[k]);
        int v =
            ir_const_add(im->g, ir_value_unique_name(im->g, name), &ty, t.data, t.nbytes, false);
        onnx_map_put(&im->values, name, v);
    }
    return true;
}

/* The symbol for a named dim, bound from --bind when given. */
static int onnx_symbol(OnnxImporter *im, const char *name) {
    int s = ir_symbol_get(im->g, name);
    for (int i = 0; im->opt && i < im->opt->n_bindings; i++)
        if (strcmp(im->opt->bindings[i].name, name) == 0 && im->opt->bindings[i].value >= 0)
            im->g->symbols[s].value = im->opt->bindings[i].value;
    return s;
}

/* The value fe_onnx_load_spec gives graph input `name`, or NULL. */
static const IrTensor *onnx_const_input(const OnnxImporter *im, const char *name) {
    for (int i = 0; i < im->n_consts; i++)
        if (strcmp(im->consts[i].name, name) == 0) return im->consts[i].value;
    return NULL;
}

/* A constant given for a graph input must have its declared dtype, rank and static dims. */
static bool onnx_const_input_matches(OnnxImporter *im, const char *name, const IrType *ty,
                                     const IrTensor *cv) {
    bool ok = cv->dtype == ty->dtype && cv->rank == ty->rank;
    int64_t numel = 1;
    for (int k = 0; ok && k < ty->rank; k++) {
        int64_t size;
        ok = cv->dims[k] >= 0 && !__builtin_mul_overflow(numel, cv->dims[k], &numel) &&
             (!ir_dim_value(im->g, ty->dims[k], &size) || size == cv->dims[k]);
    }
    ok = ok && (uint64_t)numel * ir_dtype_size(cv->dtype) == cv->nbytes;
    if (!ok)
        diag_at(im->d, im->path, NULL, NULL,
                "graph input '%s': the constant given for it differs from its declared type", name);
    return ok;
}

static bool onnx_add_inputs(OnnxImporter *im, const KilnOnnx__GraphProto *gp) {
    char buf[32];
    for (size_t i = 0; i < gp->n_input; i++) {
        const KilnOnnx__ValueInfoProto *vi = gp->input[i];
        const char *name = vi->name ? vi->name : "";
        if (name[0] && onnx_map_get(&im->values, name) >= 0) {
            if (ir_value(im->g, onnx_map_get(&im->values, name))->data) continue; /* initializer */
            diag_at(im->d, im->path, NULL, NULL, "graph input '%s' is declared twice", name);
            return false;
        }
        if (!name[0]) {
            diag_at(im->d, im->path, NULL, NULL, "graph input %zu has no name", i);
            return false;
        }
        const KilnOnnx__TypeProto__Tensor *tt = vi->type ? vi->type->tensor_type : NULL;
        if (!tt) {
            diag_at(im->d, im->path, NULL, NULL,
                    "graph input '%s' is not a tensor (sequences, maps and optionals are "
                    "unsupported)",
                    name);
            return false;
        }
        IrType ty;
        memset(&ty, 0, sizeof ty);
        int64_t et = tt->has_elem_type ? tt->elem_type : 0;
        if (!onnx_dtype_to_ir(et, &ty.dtype)) {
            diag_at(im->d, im->path, NULL, NULL, "graph input '%s': element type %s is unsupported",
                    name, onnx_dtype_name(et, buf, sizeof buf));
            return false;
        }
        if (!tt->shape) {
            diag_at(im->d, im->path, NULL, NULL, "graph input '%s' has no shape (unknown rank)",
                    name);
            return false;
        }
        if (tt->shape->n_dim > IR_MAX_RANK) {
            diag_at(im->d, im->path, NULL, NULL, "graph input '%s': rank %zu exceeds %d", name,
                    tt->shape->n_dim, IR_MAX_RANK);
            return false;
        }
        ty.rank = (int)tt->shape->n_dim;
        int64_t numel = 1;
        for (int k = 0; k < ty.rank; k++) {
            const KilnOnnx__TensorShapeProto__Dimension *dm = tt->shape->dim[k];
            if (dm->value_case == KILN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
                if (dm->dim_value < 0) {
                    diag_at(im->d, im->path, NULL, NULL,
                            "graph input '%s': dim %d is negative (%lld)", name, k,
                            (long long)dm->dim_value);
                    return false;
                }
                if (__builtin_mul_overflow(numel, dm->dim_value, &numel) ||
                    numel > (INT64_MAX >> 4)) {
                    diag_at(im->d, im->path, NULL, NULL,
                            "graph input '%s': the element count overflows", name);
                    return false;
                }
                ty.dims[k] = ir_dim_const(dm->dim_value);
            } else if (dm->value_case ==
                           KILN_ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM &&
                       dm->dim_param[0]) {
                /* A bound symbol becomes the constant dim right away, so the shape rules
                 * of the nodes that follow (Reshape to a folded shape) see real sizes; the
                 * symbol stays in the graph for pass_bind. */
                int s = onnx_symbol(im, dm->dim_param);
                int64_t v = im->g->symbols[s].value;
                ty.dims[k] = v >= 0 ? ir_dim_const(v) : ir_dim_sym(s);
            } else {
                char sym[600];
                snprintf(sym, sizeof sym, "%.500s_dim%d", name, k);
                for (int n = 1; ir_symbol_find(im->g, sym) >= 0; n++)
                    snprintf(sym, sizeof sym, "%.500s_dim%d_%d", name, k, n);
                int s = onnx_symbol(im, sym);
                int64_t v = im->g->symbols[s].value;
                ty.dims[k] = v >= 0 ? ir_dim_const(v) : ir_dim_sym(s);
            }
        }
        const IrTensor *cv = onnx_const_input(im, name);
        int v;
        if (cv) {
            if (!onnx_const_input_matches(im, name, &ty, cv)) return false;
            for (int k = 0; k < ty.rank; k++) ty.dims[k] = ir_dim_const(cv->dims[k]);
            v = ir_const_add(im->g, ir_value_unique_name(im->g, name), &ty, cv->data, cv->nbytes,
                             false);
        } else {
            v = ir_input_add(im->g, ir_value_unique_name(im->g, name), &ty);
        }
        onnx_map_put(&im->values, name, v);
    }
    return true;
}

/* Inputs per node kiln reads (a Concat of this many is far beyond real models). */
#define ONNX_MAX_NODE_INPUTS 1024

/* ai.onnx ops whose versions before `since` mean something kiln's importers do not read (the
 * importers read the older forms of Clip, Pad, Slice, Resize and Upsample themselves). */
static const struct {
    const char *op;
    int64_t since;
} onnx_min_versions[] = {
    {"BatchNormalization", 9}, /* the `spatial` attribute */
    {"TopK", 10},              /* k was an attribute */
};

/* Refuses a node whose op, at the model's opset, has a meaning kiln does not implement. */
static bool onnx_check_version(OnnxImporter *im, const OnnxNode *n) {
    if (n->domain[0]) return true;
    int64_t opset = onnx_opset(im, "");
    for (size_t i = 0; i < sizeof onnx_min_versions / sizeof onnx_min_versions[0]; i++)
        if (strcmp(onnx_min_versions[i].op, n->op_type) == 0 && opset < onnx_min_versions[i].since)
            return onnx_error(
                im, n, "this op's opset-%lld form is unsupported (kiln reads opset %lld and later)",
                (long long)opset, (long long)onnx_min_versions[i].since);
    return true;
}

static bool onnx_import_nodes(OnnxImporter *im, const KilnOnnx__GraphProto *gp) {
    for (size_t i = 0; i < gp->n_node; i++) {
        const KilnOnnx__NodeProto *np = gp->node[i];
        OnnxNode n;
        memset(&n, 0, sizeof n);
        n.op_type = np->op_type ? np->op_type : "";
        n.domain = onnx_norm_domain(np->domain);
        if (np->name && np->name[0]) {
            n.name = np->name;
        } else {
            char buf[512];
            snprintf(buf, sizeof buf, "%.480s_%zu", n.op_type, i);
            n.name = ir_strdup(im->g, buf);
        }
        if (np->n_input > ONNX_MAX_NODE_INPUTS || np->n_output > 64)
            return onnx_error(im, &n,
                              "%zu inputs and %zu outputs: kiln reads at most %d inputs and "
                              "64 outputs per node",
                              np->n_input, np->n_output, ONNX_MAX_NODE_INPUTS);
        /* Every ONNX op has at least one output; importers may rely on outputs[0]. */
        if (np->n_output == 0) return onnx_error(im, &n, "the node has no outputs");
        n.n_inputs = (int)np->n_input;
        n.inputs = (const char *const *)np->input;
        n.n_outputs = (int)np->n_output;
        n.outputs = (const char *const *)np->output;
        for (int k = 0; k < n.n_inputs; k++)
            if (n.inputs[k][0] && onnx_map_get(&im->values, n.inputs[k]) < 0)
                return onnx_error(im, &n,
                                  "input '%s' is not defined by any earlier node, initializer or "
                                  "graph input",
                                  n.inputs[k]);
        /* ONNX graphs are SSA: a second definition would silently shadow the first */
        for (int k = 0; k < n.n_outputs; k++)
            if (n.outputs[k][0] && onnx_map_get(&im->values, n.outputs[k]) >= 0)
                return onnx_error(im, &n,
                                  "output '%s' is already defined by an earlier node, initializer "
                                  "or graph input",
                                  n.outputs[k]);
        OnnxAttr *attrs = NULL;
        int n_attrs = 0;
        if (!onnx_attrs_decode(im, np, n.name, &attrs, &n_attrs)) return false;
        n.attrs = attrs;
        n.n_attrs = n_attrs;
        if (!onnx_check_version(im, &n)) return false;
        OnnxImportFn fn = onnx_find_import(n.domain, n.op_type);
        KILN_ASSERT(fn != NULL); /* onnx_check_support ran first */
        int before = im->d->count;
        if (!fn(im, &n)) {
            if (im->d->count == before) onnx_error(im, &n, "import failed");
            return false;
        }
        for (int k = 0; k < n.n_outputs; k++)
            if (n.outputs[k][0] && onnx_map_get(&im->values, n.outputs[k]) < 0)
                return onnx_error(im, &n, "output '%s' is not supported by kiln's importer",
                                  n.outputs[k]);
    }
    return true;
}

/* A copy of value v as a new node output (Reshape to the same shape), for graph outputs that
 * are constants, graph inputs or already outputs. */
static int onnx_copy_value(OnnxImporter *im, int v, const char *name) {
    IrGraph *g = im->g;
    IrType ty = ir_value(g, v)->type;
    int out = ir_value_add(g, ir_value_unique_name(g, name), &ty);
    char nn[600];
    snprintf(nn, sizeof nn, "%.500s.copy", name);
    for (int k = 1; onnx_map_get(&im->node_names, nn) >= 0; k++)
        snprintf(nn, sizeof nn, "%.500s.copy%d", name, k);
    onnx_map_put(&im->node_names, nn, 1);
    int node = ir_node_add(g, IR_OP_RESHAPE, ir_strdup(g, nn), &v, 1, &out, 1);
    int64_t zeros[IR_MAX_RANK] = {0};
    ir_attr_set_ints(g, node, "shape", zeros, ty.rank);
    ir_node(g, node)->loc.file = im->path;
    return out;
}

static bool onnx_add_outputs(OnnxImporter *im, const KilnOnnx__GraphProto *gp) {
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *name = gp->output[i]->name ? gp->output[i]->name : "";
        int v = onnx_map_get(&im->values, name);
        if (v < 0) {
            diag_at(im->d, im->path, NULL, NULL, "graph output '%s' is never computed", name);
            return false;
        }
        bool reuse = ir_value(im->g, v)->data || ir_value(im->g, v)->producer < 0;
        for (int k = 0; k < im->g->n_outputs; k++) reuse |= im->g->outputs[k] == v;
        if (reuse) v = onnx_copy_value(im, v, name);
        ir_output_add(im->g, v);
    }
    return true;
}

IrGraph *fe_onnx_load(const char *path, const FeOptions *opt, Diag *d) {
    return fe_onnx_load_spec(path, opt, NULL, 0, d);
}

IrGraph *fe_onnx_load_spec(const char *path, const FeOptions *opt, const OnnxConstInput *consts,
                           int n_consts, Diag *d) {
    size_t len = 0;
    char *bytes = fe_file_read(path, ONNX_MAX_FILE_BYTES, &len, d);
    if (!bytes) return NULL;
    KilnOnnx__ModelProto *m = kiln_onnx__model_proto__unpack(NULL, len, (const uint8_t *)bytes);
    free(bytes);
    if (!m) {
        diag_at(d, path, NULL, NULL, "not a valid ONNX model (malformed protobuf)");
        return NULL;
    }
    if (!m->graph) {
        diag_at(d, path, NULL, NULL, "the model has no graph");
        kiln_onnx__model_proto__free_unpacked(m, NULL);
        return NULL;
    }
    char *dir = fe_path_dirname(path);
    const char *gname = m->graph->name && m->graph->name[0] ? m->graph->name : "onnx_model";
    OnnxImporter im;
    memset(&im, 0, sizeof im);
    im.g = ir_graph_new(gname, path, dir);
    free(dir);
    im.path = im.g->source_path;
    im.d = d;
    im.opt = opt;
    im.consts = consts;
    im.n_consts = n_consts > 0 ? n_consts : 0;
    bool ok = onnx_read_opsets(&im, m) && onnx_check_support(&im, m->graph) &&
              onnx_add_initializers(&im, m->graph) && onnx_add_inputs(&im, m->graph) &&
              onnx_import_nodes(&im, m->graph) && onnx_add_outputs(&im, m->graph) &&
              ir_verify(im.g, d);
    onnx_warn_training_dropouts(&im, ok);
    onnx_map_free(&im.values);
    onnx_map_free(&im.node_names);
    kiln_onnx__model_proto__free_unpacked(m, NULL);
    if (!ok) {
        ir_graph_free(im.g);
        return NULL;
    }
    return im.g;
}
