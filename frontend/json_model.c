/* kiln's JSON model description (docs/model-format.md): a list of graph inputs, inline
 * constants, nodes and graph outputs, with weights taken by name from one safetensors file.
 *
 * Reading is strict: unknown keys, duplicate keys, wrong JSON types and out-of-range numbers are
 * errors that name the model file and the place (node name, or a path such as
 * "inputs[0].shape[1]"), so a typo never silently changes the model. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <float.h>

#include "frontend.h"
#include "json_util.h"
#include "path.h"
#include "file.h"
#include "safetensors.h"

/* A model description is text; anything bigger is not one we wrote. */
#define FE_JSON_MAX_FILE_BYTES ((size_t)64 << 20)
/* Inline constants ("data" or "fill") live in memory; big tensors belong in the weights file. */
#define FE_JSON_MAX_INLINE_BYTES ((size_t)64 << 20)

typedef struct FeJson {
    const char *path;        /* the model file as the user gave it, for messages */
    IrGraph *g;              /* the graph being built */
    Diag *d;                 /* where errors go */
    StFile *weights;         /* the weights file, or NULL when the model has none */
    const char *weights_rel; /* "weights" as written (arena copy), for IrValue.data_file */
} FeJson;

/* Records "PATH: node 'NODE' (OP): message"; node and op may be NULL. */
static void fe_json_err(FeJson *j, const char *node, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fe_json_err(FeJson *j, const char *node, const char *op, const char *fmt, ...) {
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_at(j->d, j->path, node, op, "%s", msg);
}

/* Checks that obj is an object whose keys are all in `allowed` (NULL-terminated) and appear
 * once. ctx names the object in messages; node/op give the node context when inside one. */
static bool fe_json_check_keys(FeJson *j, const cJSON *obj, const char *const *allowed,
                               const char *ctx, const char *node, const char *op) {
    if (!cJSON_IsObject(obj)) {
        fe_json_err(j, node, op, "%s must be an object, not %s", ctx, fe_json_type_name(obj));
        return false;
    }
    for (const cJSON *k = obj->child; k; k = k->next) {
        bool known = false;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, k->string) == 0) known = true;
        if (!known) {
            char list[256] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, a == allowed ? "" : ", ", sizeof list - strlen(list) - 1);
                strncat(list, *a, sizeof list - strlen(list) - 1);
            }
            fe_json_err(j, node, op, "%s: unknown key \"%s\" (expected: %s)", ctx, k->string, list);
            return false;
        }
        for (const cJSON *p = obj->child; p != k; p = p->next) {
            if (strcmp(p->string, k->string) == 0) {
                fe_json_err(j, node, op, "%s: key \"%s\" appears twice", ctx, k->string);
                return false;
            }
        }
    }
    return true;
}

/* The non-empty string member `key` of obj, or NULL after an error. */
static const char *fe_json_name(FeJson *j, const cJSON *obj, const char *key, const char *ctx,
                                const char *node, const char *op) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!s) {
        fe_json_err(j, node, op, "%s: missing \"%s\"", ctx, key);
        return NULL;
    }
    if (!cJSON_IsString(s) || s->valuestring[0] == '\0') {
        fe_json_err(j, node, op, "%s.%s must be a non-empty string, not %s", ctx, key,
                    cJSON_IsString(s) ? "an empty string" : fe_json_type_name(s));
        return NULL;
    }
    return s->valuestring;
}

/* True for [A-Za-z_][A-Za-z0-9_]*. */
static bool fe_json_is_symbol(const char *s) {
    if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
    for (s++; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    return true;
}

/* Reads one dimension: a non-negative integer, or a symbol name when symbols are allowed. */
static bool fe_json_read_dim(FeJson *j, const cJSON *dim, const char *ctx, int i,
                             bool allow_symbols, IrDim *out) {
    if (cJSON_IsString(dim)) {
        if (!fe_json_is_symbol(dim->valuestring)) {
            fe_json_err(j, NULL, NULL,
                        "%s.shape[%d]: '%s' is not a valid symbol name ([A-Za-z_][A-Za-z0-9_]*)",
                        ctx, i, dim->valuestring);
            return false;
        }
        if (!allow_symbols) {
            fe_json_err(j, NULL, NULL,
                        "%s.shape[%d]: symbol '%s' is not allowed here; constants need static "
                        "shapes",
                        ctx, i, dim->valuestring);
            return false;
        }
        *out = ir_dim_sym(ir_symbol_get(j->g, dim->valuestring));
        return true;
    }
    if (!cJSON_IsNumber(dim)) {
        fe_json_err(j, NULL, NULL,
                    "%s.shape[%d]: a dimension is an integer or a symbol name, not %s", ctx, i,
                    fe_json_type_name(dim));
        return false;
    }
    double v = dim->valuedouble;
    if (v < 0) {
        fe_json_err(j, NULL, NULL, "%s.shape[%d]: dimension %.17g is negative", ctx, i, v);
        return false;
    }
    if (v != floor(v)) {
        fe_json_err(j, NULL, NULL, "%s.shape[%d]: dimension %.17g is not an integer", ctx, i, v);
        return false;
    }
    if (v > FE_JSON_MAX_EXACT_INT) {
        fe_json_err(j, NULL, NULL, "%s.shape[%d]: dimension %.17g is too large", ctx, i, v);
        return false;
    }
    *out = ir_dim_const((int64_t)v);
    return true;
}

/* Reads "dtype" and "shape" of obj into t. Checks that the element count of the constant
 * dims fits int64 and their byte size fits size_t. */
static bool fe_json_read_type(FeJson *j, const cJSON *obj, const char *ctx, bool allow_symbols,
                              IrType *t) {
    memset(t, 0, sizeof *t);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(obj, "dtype");
    if (!cJSON_IsString(dt)) {
        fe_json_err(j, NULL, NULL, "%s.dtype must be a string, not %s", ctx, fe_json_type_name(dt));
        return false;
    }
    if (!ir_dtype_parse(dt->valuestring, &t->dtype)) {
        fe_json_err(j, NULL, NULL,
                    "%s.dtype: unknown dtype '%s' (supported: f32 f16 bf16 f64 i8 u8 i32 i64 "
                    "bool)",
                    ctx, dt->valuestring);
        return false;
    }
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(obj, "shape");
    if (!cJSON_IsArray(shape)) {
        fe_json_err(j, NULL, NULL, "%s.shape must be an array, not %s", ctx,
                    fe_json_type_name(shape));
        return false;
    }
    int rank = cJSON_GetArraySize(shape);
    if (rank > IR_MAX_RANK) {
        fe_json_err(j, NULL, NULL, "%s.shape: rank %d is more than kiln's limit of %d", ctx, rank,
                    IR_MAX_RANK);
        return false;
    }
    t->rank = rank;
    int64_t numel = 1;
    int i = 0;
    for (const cJSON *dim = shape->child; dim; dim = dim->next, i++) {
        if (!fe_json_read_dim(j, dim, ctx, i, allow_symbols, &t->dims[i])) return false;
        int64_t v = t->dims[i].size;
        if (!ir_dim_is_const(t->dims[i]) || v == 0) continue;
        if (numel > INT64_MAX / v) {
            fe_json_err(j, NULL, NULL,
                        "%s.shape[%d]: dimension %" PRId64
                        " makes the element count overflow a 64-bit integer",
                        ctx, i, v);
            return false;
        }
        numel *= v;
    }
    if ((uint64_t)numel > SIZE_MAX / ir_dtype_size(t->dtype)) {
        fe_json_err(j, NULL, NULL, "%s.shape: %" PRId64 " elements of %s overflow the byte size",
                    ctx, numel, ir_dtype_name(t->dtype));
        return false;
    }
    return true;
}

/* Checks that `name` is not yet a value; ctx names the place for the message. */
static bool fe_json_name_is_free(FeJson *j, const char *name, const char *ctx, const char *node,
                                 const char *op) {
    if (ir_value_find(j->g, name) >= 0) {
        fe_json_err(j, node, op, "%s: value '%s' is already defined", ctx, name);
        return false;
    }
    return true;
}

static bool fe_json_read_inputs(FeJson *j, const cJSON *inputs) {
    static const char *const keys[] = {"name", "dtype", "shape", NULL};
    if (!cJSON_IsArray(inputs)) {
        fe_json_err(j, NULL, NULL, "\"inputs\" must be an array, not %s",
                    fe_json_type_name(inputs));
        return false;
    }
    int i = 0;
    for (const cJSON *in = inputs->child; in; in = in->next, i++) {
        char ctx[64];
        snprintf(ctx, sizeof ctx, "inputs[%d]", i);
        if (!fe_json_check_keys(j, in, keys, ctx, NULL, NULL)) return false;
        const char *name = fe_json_name(j, in, "name", ctx, NULL, NULL);
        IrType t;
        if (!name || !fe_json_name_is_free(j, name, ctx, NULL, NULL) ||
            !fe_json_read_type(j, in, ctx, true, &t))
            return false;
        ir_input_add(j->g, name, &t);
    }
    return true;
}

/* Converts JSON number v to one element of dtype dt at dst. */
static bool fe_json_store_elem(FeJson *j, const cJSON *v, IrDtype dt, unsigned char *dst,
                               const char *ctx, int64_t idx) {
    double x;
    if (cJSON_IsBool(v) && dt == IR_DTYPE_BOOL) {
        x = cJSON_IsTrue(v) ? 1.0 : 0.0;
    } else if (cJSON_IsNumber(v)) {
        x = v->valuedouble;
    } else {
        fe_json_err(j, NULL, NULL, "%s[%" PRId64 "]: expected a number, not %s", ctx, idx,
                    fe_json_type_name(v));
        return false;
    }
    if (ir_dtype_is_float(dt)) {
        double limit = dt == IR_DTYPE_F16 ? 65504.0 : dt == IR_DTYPE_F64 ? DBL_MAX : FLT_MAX;
        if (!(fabs(x) <= limit)) {
            fe_json_err(j, NULL, NULL, "%s[%" PRId64 "]: %.17g is out of range for %s", ctx, idx, x,
                        ir_dtype_name(dt));
            return false;
        }
    } else {
        double lo, hi; /* inclusive range */
        switch (dt) {
        case IR_DTYPE_I8:
            lo = -128, hi = 127;
            break;
        case IR_DTYPE_U8:
            lo = 0, hi = 255;
            break;
        case IR_DTYPE_I32:
            lo = -2147483648.0, hi = 2147483647.0;
            break;
        case IR_DTYPE_BOOL:
            lo = 0, hi = 1;
            break;
        default:
            lo = -FE_JSON_MAX_EXACT_INT, hi = FE_JSON_MAX_EXACT_INT;
            break;
        }
        if (x != floor(x) || x < lo || x > hi) {
            fe_json_err(j, NULL, NULL,
                        "%s[%" PRId64 "]: %.17g is not an integer in [%.17g, %.17g] for %s", ctx,
                        idx, x, lo, hi, ir_dtype_name(dt));
            return false;
        }
    }
    switch (dt) {
    case IR_DTYPE_F32: {
        float f = (float)x;
        memcpy(dst, &f, 4);
        break;
    }
    case IR_DTYPE_F64:
        memcpy(dst, &x, 8);
        break;
    case IR_DTYPE_F16:
    case IR_DTYPE_BF16: {
        uint16_t h = dt == IR_DTYPE_F16 ? ir_f32_to_f16((float)x) : ir_f32_to_bf16((float)x);
        dst[0] = (unsigned char)(h & 0xff);
        dst[1] = (unsigned char)(h >> 8);
        break;
    }
    case IR_DTYPE_I8: {
        int8_t b = (int8_t)x;
        memcpy(dst, &b, 1);
        break;
    }
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        dst[0] = (unsigned char)x;
        break;
    case IR_DTYPE_I32: {
        int32_t w = (int32_t)x;
        memcpy(dst, &w, 4);
        break;
    }
    case IR_DTYPE_I64: {
        int64_t w = (int64_t)x;
        memcpy(dst, &w, 8);
        break;
    }
    case IR_DTYPE_COUNT:
        KILN_ASSERT(!"bad dtype");
        break;
    }
    return true;
}

/* One inline constant: {"name", "dtype", "shape", "data": [...] | "fill": x}. */
static bool fe_json_read_constant(FeJson *j, const cJSON *c, int i) {
    static const char *const keys[] = {"name", "dtype", "shape", "data", "fill", NULL};
    char ctx[64];
    snprintf(ctx, sizeof ctx, "constants[%d]", i);
    if (!fe_json_check_keys(j, c, keys, ctx, NULL, NULL)) return false;
    const char *name = fe_json_name(j, c, "name", ctx, NULL, NULL);
    IrType t;
    if (!name || !fe_json_name_is_free(j, name, ctx, NULL, NULL) ||
        !fe_json_read_type(j, c, ctx, false, &t))
        return false;
    int64_t numel;
    size_t nbytes;
    KILN_ASSERT(ir_type_numel(&t, &numel) && ir_type_nbytes(&t, &nbytes)); /* checked above */
    if (nbytes > FE_JSON_MAX_INLINE_BYTES) {
        fe_json_err(j, NULL, NULL,
                    "%s: inline constant '%s' is %zu bytes, more than the limit of %zu; put it "
                    "in the weights file",
                    ctx, name, nbytes, FE_JSON_MAX_INLINE_BYTES);
        return false;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(c, "data");
    const cJSON *fill = cJSON_GetObjectItemCaseSensitive(c, "fill");
    if ((data != NULL) == (fill != NULL)) {
        fe_json_err(j, NULL, NULL, "%s: give exactly one of \"data\" and \"fill\"", ctx);
        return false;
    }
    char ectx[80];
    snprintf(ectx, sizeof ectx, "%s.%s", ctx, data ? "data" : "fill");
    if (data && !cJSON_IsArray(data)) {
        fe_json_err(j, NULL, NULL, "%s must be a flat array of numbers, not %s", ectx,
                    fe_json_type_name(data));
        return false;
    }
    if (data && cJSON_GetArraySize(data) != numel) {
        fe_json_err(j, NULL, NULL, "%s has %d elements but shape needs %" PRId64, ectx,
                    cJSON_GetArraySize(data), numel);
        return false;
    }
    size_t es = ir_dtype_size(t.dtype);
    unsigned char *buf = ir_alloc(j->g, nbytes ? nbytes : 1);
    if (fill) {
        if (!fe_json_store_elem(j, fill, t.dtype, buf, ectx, 0)) return false;
        for (int64_t k = 1; k < numel; k++) memcpy(buf + (size_t)k * es, buf, es);
    } else {
        int64_t k = 0;
        for (const cJSON *v = data->child; v; v = v->next, k++)
            if (!fe_json_store_elem(j, v, t.dtype, buf + (size_t)k * es, ectx, k)) return false;
    }
    ir_const_add(j->g, name, &t, buf, nbytes, false); /* buf already lives in the arena */
    return true;
}

static bool fe_json_read_constants(FeJson *j, const cJSON *consts) {
    if (!consts) return true;
    if (!cJSON_IsArray(consts)) {
        fe_json_err(j, NULL, NULL, "\"constants\" must be an array, not %s",
                    fe_json_type_name(consts));
        return false;
    }
    int i = 0;
    for (const cJSON *c = consts->child; c; c = c->next, i++)
        if (!fe_json_read_constant(j, c, i)) return false;
    return true;
}

/* A tensor of the weights file as a constant borrowing the mapped data; -1 if absent. */
static int fe_json_weight(FeJson *j, const char *name) {
    const StTensor *st = j->weights ? st_find(j->weights, name) : NULL;
    if (!st) return -1;
    IrType t;
    memset(&t, 0, sizeof t);
    t.dtype = st->dtype;
    t.rank = st->rank;
    for (int i = 0; i < st->rank; i++) t.dims[i] = ir_dim_const(st->dims[i]);
    int id = ir_const_add(j->g, name, &t, st_data_for(st, j->g), st->nbytes, false);
    IrValue *v = ir_value(j->g, id);
    v->data_file = j->weights_rel;
    v->data_key = v->name;
    return id;
}

/* "takes 2 to 3 inputs" / "takes exactly 1 output" / "takes at least 1 input". */
static void fe_json_arity_text(char *buf, size_t cap, int lo, int hi, const char *what) {
    if (hi < 0)
        snprintf(buf, cap, "at least %d %s%s", lo, what, lo == 1 ? "" : "s");
    else if (lo == hi)
        snprintf(buf, cap, "exactly %d %s%s", lo, what, lo == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%d to %d %ss", lo, hi, what);
}

/* Resolves the node's "inputs" into value indices (in[]; -1 for omitted ones). */
static bool fe_json_node_inputs(FeJson *j, const cJSON *arr, const char *name, IrOp op, int *in,
                                int n) {
    const IrOpInfo *info = ir_op_info(op);
    int i = 0;
    for (const cJSON *x = arr->child; x; x = x->next, i++) {
        if (cJSON_IsNull(x) || (cJSON_IsString(x) && x->valuestring[0] == '\0')) {
            if (i < info->min_inputs) {
                fe_json_err(j, name, info->name, "input %d is required and cannot be omitted", i);
                return false;
            }
            in[i] = -1;
            continue;
        }
        if (!cJSON_IsString(x)) {
            fe_json_err(j, name, info->name, "inputs[%d] must be a value name, not %s", i,
                        fe_json_type_name(x));
            return false;
        }
        int v = ir_value_find(j->g, x->valuestring);
        if (v < 0) v = fe_json_weight(j, x->valuestring);
        if (v < 0) {
            fe_json_err(j, name, info->name,
                        "input '%s' is not an input, constant, earlier output or weight%s",
                        x->valuestring, j->weights ? "" : " (the model has no weights file)");
            return false;
        }
        in[i] = v;
    }
    KILN_ASSERT(i == n);
    return true;
}

/* Reads the node's "attrs" object according to the op's schema. */
static bool fe_json_node_attrs(FeJson *j, const cJSON *attrs, int node, const char *name, IrOp op) {
    const IrOpInfo *info = ir_op_info(op);
    if (attrs && !cJSON_IsObject(attrs)) {
        fe_json_err(j, name, info->name, "\"attrs\" must be an object, not %s",
                    fe_json_type_name(attrs));
        return false;
    }
    for (const cJSON *a = attrs ? attrs->child : NULL; a; a = a->next) {
        const IrAttrSpec *spec = ir_op_attr_spec(op, a->string);
        if (!spec) {
            char list[256] = "";
            for (const IrAttrSpec *s = info->attrs; s->name; s++) {
                strncat(list, s == info->attrs ? "" : ", ", sizeof list - strlen(list) - 1);
                strncat(list, s->name, sizeof list - strlen(list) - 1);
            }
            fe_json_err(j, name, info->name, "unknown attribute '%s' (%s takes: %s)", a->string,
                        info->name, list[0] ? list : "no attributes");
            return false;
        }
        if (ir_attr_find(ir_node(j->g, node), a->string)) {
            fe_json_err(j, name, info->name, "attribute '%s' is given twice", a->string);
            return false;
        }
        const char *kind = ir_attr_kind_name(spec->kind);
        int64_t iv;
        switch (spec->kind) {
        case IR_ATTR_INT:
            if (cJSON_IsBool(a)) {
                iv = cJSON_IsTrue(a) ? 1 : 0;
            } else if (!fe_json_get_int(a, &iv)) {
                fe_json_err(j, name, info->name, "attribute '%s' must be an int, not %s", a->string,
                            cJSON_IsNumber(a) ? "a fraction or huge number" : fe_json_type_name(a));
                return false;
            }
            ir_attr_set_int(j->g, node, a->string, iv);
            break;
        case IR_ATTR_FLOAT:
            if (!cJSON_IsNumber(a)) {
                fe_json_err(j, name, info->name, "attribute '%s' must be a float, not %s",
                            a->string, fe_json_type_name(a));
                return false;
            }
            ir_attr_set_float(j->g, node, a->string, a->valuedouble);
            break;
        case IR_ATTR_STRING:
            if (!cJSON_IsString(a)) {
                fe_json_err(j, name, info->name, "attribute '%s' must be a string, not %s",
                            a->string, fe_json_type_name(a));
                return false;
            }
            ir_attr_set_string(j->g, node, a->string, a->valuestring);
            break;
        case IR_ATTR_INTS:
        case IR_ATTR_FLOATS: {
            if (!cJSON_IsArray(a)) {
                fe_json_err(j, name, info->name, "attribute '%s' must be an array (%s), not %s",
                            a->string, kind, fe_json_type_name(a));
                return false;
            }
            int n = cJSON_GetArraySize(a), k = 0;
            int64_t *ints = calloc((size_t)(n ? n : 1), sizeof *ints);
            double *floats = calloc((size_t)(n ? n : 1), sizeof *floats);
            KILN_ASSERT(ints && floats);
            bool ok = true;
            for (const cJSON *e = a->child; e && ok; e = e->next, k++) {
                if (spec->kind == IR_ATTR_INTS ? !fe_json_get_int(e, &ints[k])
                                               : !cJSON_IsNumber(e)) {
                    fe_json_err(j, name, info->name, "attribute '%s'[%d] must be %s, not %s",
                                a->string, k,
                                spec->kind == IR_ATTR_INTS ? "an integer" : "a number",
                                fe_json_type_name(e));
                    ok = false;
                } else if (spec->kind == IR_ATTR_FLOATS) {
                    floats[k] = e->valuedouble;
                }
            }
            if (ok && spec->kind == IR_ATTR_INTS) ir_attr_set_ints(j->g, node, a->string, ints, n);
            if (ok && spec->kind == IR_ATTR_FLOATS)
                ir_attr_set_floats(j->g, node, a->string, floats, n);
            free(ints);
            free(floats);
            if (!ok) return false;
            break;
        }
        }
    }
    for (const IrAttrSpec *s = info->attrs; s->name; s++) {
        if (s->required && !ir_attr_find(ir_node(j->g, node), s->name)) {
            fe_json_err(j, name, info->name, "missing required attribute '%s' (%s)", s->name,
                        ir_attr_kind_name(s->kind));
            return false;
        }
    }
    return true;
}

/* One node: {"op", "name", "inputs", "outputs", "attrs"}. */
static bool fe_json_read_node(FeJson *j, const cJSON *n, int index) {
    static const char *const keys[] = {"op", "name", "inputs", "outputs", "attrs", NULL};
    char ctx[64];
    snprintf(ctx, sizeof ctx, "nodes[%d]", index);
    if (!fe_json_check_keys(j, n, keys, ctx, NULL, NULL)) return false;
    const char *name = fe_json_name(j, n, "name", ctx, NULL, NULL);
    if (!name) return false;
    const char *opname = fe_json_name(j, n, "op", ctx, name, NULL);
    if (!opname) return false;
    IrOp op;
    if (!ir_op_parse(opname, &op)) {
        fe_json_err(j, name, opname, "unknown op '%s'", opname);
        return false;
    }
    const IrOpInfo *info = ir_op_info(op);
    if (ir_node_find(j->g, name) >= 0) {
        fe_json_err(j, name, info->name, "a node named '%s' already exists", name);
        return false;
    }
    const cJSON *ins = cJSON_GetObjectItemCaseSensitive(n, "inputs");
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(n, "outputs");
    if (!cJSON_IsArray(ins) || !cJSON_IsArray(outs)) {
        fe_json_err(j, name, info->name, "\"%s\" must be an array of value names, not %s",
                    cJSON_IsArray(ins) ? "outputs" : "inputs",
                    fe_json_type_name(cJSON_IsArray(ins) ? outs : ins));
        return false;
    }
    int n_in = cJSON_GetArraySize(ins), n_out = cJSON_GetArraySize(outs);
    char want[64];
    if (n_in < info->min_inputs || (info->max_inputs >= 0 && n_in > info->max_inputs)) {
        fe_json_arity_text(want, sizeof want, info->min_inputs, info->max_inputs, "input");
        fe_json_err(j, name, info->name, "takes %s, got %d", want, n_in);
        return false;
    }
    if (n_out < info->min_outputs || n_out > info->max_outputs) {
        fe_json_arity_text(want, sizeof want, info->min_outputs, info->max_outputs, "output");
        fe_json_err(j, name, info->name, "takes %s, got %d", want, n_out);
        return false;
    }
    int *in = calloc((size_t)(n_in ? n_in : 1), sizeof *in);
    int *out = calloc((size_t)(n_out ? n_out : 1), sizeof *out);
    KILN_ASSERT(in && out);
    bool ok = fe_json_node_inputs(j, ins, name, op, in, n_in);
    int k = 0;
    for (const cJSON *o = outs->child; o && ok; o = o->next, k++) {
        if (!cJSON_IsString(o) || o->valuestring[0] == '\0') {
            fe_json_err(j, name, info->name, "outputs[%d] must be a non-empty value name", k);
            ok = false;
        } else if (ir_value_find(j->g, o->valuestring) >= 0) {
            fe_json_err(j, name, info->name, "output '%s' is already defined", o->valuestring);
            ok = false;
        } else {
            IrType placeholder; /* ir_infer_shapes computes the real type */
            memset(&placeholder, 0, sizeof placeholder);
            out[k] = ir_value_add(j->g, o->valuestring, &placeholder);
        }
    }
    int node = ok ? ir_node_add(j->g, op, name, in, n_in, out, n_out) : -1;
    free(in);
    free(out);
    return ok &&
           fe_json_node_attrs(j, cJSON_GetObjectItemCaseSensitive(n, "attrs"), node, name, op);
}

static bool fe_json_read_nodes(FeJson *j, const cJSON *nodes) {
    if (!cJSON_IsArray(nodes)) {
        fe_json_err(j, NULL, NULL, "\"nodes\" must be an array, not %s", fe_json_type_name(nodes));
        return false;
    }
    int i = 0;
    for (const cJSON *n = nodes->child; n; n = n->next, i++)
        if (!fe_json_read_node(j, n, i)) return false;
    return true;
}

static bool fe_json_read_outputs(FeJson *j, const cJSON *outs) {
    if (!cJSON_IsArray(outs)) {
        fe_json_err(j, NULL, NULL, "\"outputs\" must be an array of value names, not %s",
                    fe_json_type_name(outs));
        return false;
    }
    if (cJSON_GetArraySize(outs) == 0) {
        fe_json_err(j, NULL, NULL, "\"outputs\" is empty; a model needs at least one output");
        return false;
    }
    int i = 0;
    for (const cJSON *o = outs->child; o; o = o->next, i++) {
        if (!cJSON_IsString(o)) {
            fe_json_err(j, NULL, NULL, "outputs[%d] must be a value name, not %s", i,
                        fe_json_type_name(o));
            return false;
        }
        int v = ir_value_find(j->g, o->valuestring);
        if (v < 0) {
            fe_json_err(j, NULL, NULL, "outputs[%d]: unknown value '%s'", i, o->valuestring);
            return false;
        }
        for (int k = 0; k < j->g->n_outputs; k++) {
            if (j->g->outputs[k] == v) {
                fe_json_err(j, NULL, NULL, "outputs[%d]: '%s' is listed twice", i, o->valuestring);
                return false;
            }
        }
        ir_output_add(j->g, v);
    }
    return true;
}

/* Opens the weights file named by "weights" and hands its mapping to the graph. */
static bool fe_json_open_weights(FeJson *j, const cJSON *w) {
    if (!w) return true;
    if (!cJSON_IsString(w)) {
        fe_json_err(j, NULL, NULL, "\"weights\" must be a path string, not %s",
                    fe_json_type_name(w));
        return false;
    }
    char *real = fe_path_resolve(j->path, "weights", w->valuestring, j->d);
    if (!real) return false;
    char *dir = fe_path_dirname(j->path);
    char *display = fe_path_join(dir, w->valuestring);
    j->weights = st_open(real, display, j->d);
    free(display);
    free(dir);
    free(real);
    if (!j->weights) return false;
    st_adopt(j->weights, j->g);
    j->weights_rel = ir_strdup(j->g, w->valuestring);
    return true;
}

/* Builds the graph from the parsed document; false with messages on error. */
static bool fe_json_build(FeJson *j, const cJSON *root) {
    return fe_json_open_weights(j, cJSON_GetObjectItemCaseSensitive(root, "weights")) &&
           fe_json_read_inputs(j, cJSON_GetObjectItemCaseSensitive(root, "inputs")) &&
           fe_json_read_constants(j, cJSON_GetObjectItemCaseSensitive(root, "constants")) &&
           fe_json_read_nodes(j, cJSON_GetObjectItemCaseSensitive(root, "nodes")) &&
           fe_json_read_outputs(j, cJSON_GetObjectItemCaseSensitive(root, "outputs")) &&
           ir_infer_shapes(j->g, j->d) && ir_verify(j->g, j->d);
}

/* Parses the text; reports syntax errors with line and column. */
static cJSON *fe_json_parse_model(const char *path, const char *text, size_t len, Diag *d) {
    size_t off = 0;
    bool too_deep = false;
    cJSON *root = fe_json_parse(text, len, &off, &too_deep);
    if (root) return root;
    int line, col;
    fe_json_line_col(text, off, &line, &col);
    if (too_deep)
        diag_at(d, path, NULL, NULL, "JSON nests deeper than %d levels (line %d, column %d)",
                FE_JSON_MAX_DEPTH, line, col);
    else
        diag_at(d, path, NULL, NULL, "JSON syntax error at line %d, column %d", line, col);
    return NULL;
}

IrGraph *fe_json_load(const char *path, Diag *d) {
    static const char *const keys[] = {"name",      "weights", "inputs", "outputs",
                                       "constants", "nodes",   NULL};
    size_t len = 0;
    char *text = fe_file_read(path, FE_JSON_MAX_FILE_BYTES, &len, d);
    if (!text) return NULL;
    cJSON *root = fe_json_parse_model(path, text, len, d);
    free(text);
    if (!root) return NULL;
    FeJson j = {path, NULL, d, NULL, NULL};
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "name");
    bool ok = fe_json_check_keys(&j, root, keys, "the top level", NULL, NULL);
    static const char *const required[] = {"name", "inputs", "outputs", "nodes", NULL};
    for (const char *const *r = required; ok && *r; r++) {
        if (!cJSON_GetObjectItemCaseSensitive(root, *r)) {
            diag_at(d, path, NULL, NULL, "missing \"%s\" at the top level", *r);
            ok = false;
        }
    }
    if (ok && !cJSON_IsString(name)) {
        diag_at(d, path, NULL, NULL, "\"name\" must be a string, not %s", fe_json_type_name(name));
        ok = false;
    }
    if (ok) {
        char *dir = fe_path_dirname(path);
        j.g = ir_graph_new(name->valuestring, path, dir);
        free(dir);
        ok = fe_json_build(&j, root);
    }
    st_close(j.weights);
    cJSON_Delete(root);
    if (!ok) {
        ir_graph_free(j.g);
        return NULL;
    }
    return j.g;
}
