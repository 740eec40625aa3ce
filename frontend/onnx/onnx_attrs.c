/* AttributeProto -> OnnxAttr: every attribute kind, copied into the graph's arena. */
#include <string.h>

#include "onnx_internal.h"

/* The attribute's type; old models leave `type` unset, so it is then read from the fields. */
static int onnx_attr_kind(const KilnOnnx__AttributeProto *a) {
    if (a->has_type && a->type != 0) return a->type;
    if (a->n_floats) return ONNX_ATTR_FLOATS;
    if (a->n_ints) return ONNX_ATTR_INTS;
    if (a->n_strings) return ONNX_ATTR_STRINGS;
    if (a->t) return ONNX_ATTR_TENSOR;
    if (a->g) return ONNX_ATTR_GRAPH;
    if (a->has_s) return ONNX_ATTR_STRING;
    if (a->has_f) return ONNX_ATTR_FLOAT;
    if (a->has_i) return ONNX_ATTR_INT;
    return ONNX_ATTR_UNDEFINED;
}

static char *onnx_bytes_dup(IrGraph *g, const ProtobufCBinaryData *b) {
    char *s = ir_alloc(g, b->len + 1);
    if (b->len) memcpy(s, b->data, b->len);
    return s;
}

bool onnx_attrs_decode(OnnxImporter *im, const KilnOnnx__NodeProto *np, const char *node_name,
                       OnnxAttr **out, int *count) {
    IrGraph *g = im->g;
    const char *op = np->op_type ? np->op_type : "";
    if (np->n_attribute > 4096) {
        diag_at(im->d, im->path, node_name, op, "too many attributes");
        return false;
    }
    OnnxAttr *attrs = ir_alloc(g, sizeof *attrs * (np->n_attribute + 1));
    for (size_t i = 0; i < np->n_attribute; i++) {
        const KilnOnnx__AttributeProto *a = np->attribute[i];
        OnnxAttr *o = &attrs[i];
        o->name = ir_strdup(g, a->name ? a->name : "");
        if (a->ref_attr_name && a->ref_attr_name[0]) {
            diag_at(im->d, im->path, node_name, op,
                    "attribute '%s' refers to a function attribute; functions are unsupported",
                    o->name);
            return false;
        }
        int kind = onnx_attr_kind(a);
        o->type = (OnnxAttrType)kind;
        switch (kind) {
        case ONNX_ATTR_FLOAT:
            o->f = a->f;
            break;
        case ONNX_ATTR_INT:
            o->i = a->i;
            break;
        case ONNX_ATTR_STRING:
            o->s = onnx_bytes_dup(g, &a->s);
            o->s_len = a->s.len;
            break;
        case ONNX_ATTR_TENSOR: {
            if (!a->t) {
                diag_at(im->d, im->path, node_name, op, "tensor attribute '%s' has no tensor",
                        o->name);
                return false;
            }
            char what[600];
            snprintf(what, sizeof what, "node '%.200s' (%.100s): attribute '%.200s'", node_name, op,
                     o->name);
            OnnxTensor *t = ir_alloc(g, sizeof *t);
            if (!onnx_tensor_decode(a->t, g, im->path, what, t, im->d)) return false;
            o->t = t;
            break;
        }
        case ONNX_ATTR_FLOATS: {
            double *f = ir_alloc(g, sizeof *f * (a->n_floats + 1));
            for (size_t k = 0; k < a->n_floats; k++) f[k] = a->floats[k];
            o->floats = f;
            o->count = (int)a->n_floats;
            break;
        }
        case ONNX_ATTR_INTS: {
            int64_t *v = ir_alloc(g, sizeof *v * (a->n_ints + 1));
            if (a->n_ints) memcpy(v, a->ints, sizeof *v * a->n_ints);
            o->ints = v;
            o->count = (int)a->n_ints;
            break;
        }
        case ONNX_ATTR_STRINGS: {
            const char **v = ir_alloc(g, sizeof *v * (a->n_strings + 1));
            for (size_t k = 0; k < a->n_strings; k++) v[k] = onnx_bytes_dup(g, &a->strings[k]);
            o->strings = v;
            o->count = (int)a->n_strings;
            break;
        }
        default:
            break; /* graphs, sparse tensors, type protos: kept by name and type only */
        }
        if (a->n_floats > (size_t)INT32_MAX || a->n_ints > (size_t)INT32_MAX) {
            diag_at(im->d, im->path, node_name, op, "attribute '%s' is too long", o->name);
            return false;
        }
    }
    *out = attrs;
    *count = (int)np->n_attribute;
    return true;
}
