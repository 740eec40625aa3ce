/* The .kir printer: writes a graph in the text form of docs/ir-text.md, and the spelling helpers
 * (names, strings, types, floats) that the parser's round trip and the Graphviz writer rely on.
 * Everything printed is a pure function of the graph, so print(parse(print(g))) is byte-equal to
 * print(g). */
#include "text.h"
#include "text_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffer ------------------------------------------------------------------------------ */

static void txt_reserve(TxtBuf *b, size_t extra) {
    KILN_ASSERT(b->len <= SIZE_MAX - extra - 1);
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        KILN_ASSERT(cap <= SIZE_MAX / 2);
        cap *= 2;
    }
    char *s = realloc(b->s, cap);
    KILN_ASSERT(s != NULL);
    b->s = s;
    b->cap = cap;
}

void txt_putc(TxtBuf *b, char c) {
    txt_reserve(b, 1);
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

void txt_puts(TxtBuf *b, const char *s) {
    size_t n = strlen(s);
    txt_reserve(b, n);
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

void txt_printf(TxtBuf *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    KILN_ASSERT(n >= 0);
    txt_reserve(b, (size_t)n);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

/* ---- names and strings ------------------------------------------------------------------- */

static bool txt_ident_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

bool txt_is_ident(const char *s) {
    if (!*s || (*s >= '0' && *s <= '9')) return false;
    for (; *s; s++)
        if (!txt_ident_char((unsigned char)*s)) return false;
    return true;
}

/* Length of the well-formed UTF-8 sequence (2..4 bytes) starting at s, or 0 when s does not
 * start one (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, truncated). */
static int txt_utf8_len(const unsigned char *s) {
    unsigned c = s[0];
    int n;
    unsigned min, cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2, min = 0x80, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3, min = 0x800, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0; /* also stops at the NUL terminator */
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

void txt_put_quoted(TxtBuf *b, const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    txt_putc(b, '"');
    while (*s) {
        if (*s == '"' || *s == '\\') {
            txt_putc(b, '\\');
            txt_putc(b, (char)*s++);
        } else if (*s >= 0x20 && *s < 0x7f) {
            txt_putc(b, (char)*s++);
        } else {
            int n = *s >= 0x80 ? txt_utf8_len(s) : 0;
            if (n) {
                for (int i = 0; i < n; i++) txt_putc(b, (char)*s++);
            } else {
                txt_printf(b, "\\x%02x", *s++);
            }
        }
    }
    txt_putc(b, '"');
}

void txt_put_name(TxtBuf *b, const char *s) {
    if (txt_is_ident(s))
        txt_puts(b, s);
    else
        txt_put_quoted(b, s);
}

void txt_put_type(TxtBuf *b, const IrGraph *g, const IrType *t) {
    txt_puts(b, (unsigned)t->dtype < IR_DTYPE_COUNT ? ir_dtype_name(t->dtype) : "?");
    txt_putc(b, '[');
    for (int i = 0; i < t->rank && i < IR_MAX_RANK; i++) {
        if (i) txt_puts(b, ", ");
        int sym = t->dims[i].sym;
        if (sym >= 0 && sym < g->n_symbols)
            txt_put_name(b, g->symbols[sym].name);
        else if (sym >= 0)
            txt_printf(b, "\"<symbol %d>\"", sym); /* a broken graph: still print something */
        else
            txt_printf(b, "%" PRId64, t->dims[i].size);
    }
    txt_putc(b, ']');
}

/* ---- numbers ----------------------------------------------------------------------------- */

/* Writes nan/inf spelled out into buf; false for finite v. */
static bool txt_nonfinite(char *buf, size_t cap, double v) {
    if (isnan(v))
        snprintf(buf, cap, "%s", signbit(v) ? "-nan" : "nan");
    else if (isinf(v))
        snprintf(buf, cap, "%s", v < 0 ? "-inf" : "inf");
    else
        return false;
    return true;
}

/* Makes a %g spelling read as a float: "1" becomes "1.0", "-0" becomes "-0.0". */
static void txt_floatify(char *buf, size_t cap) {
    if (strpbrk(buf, ".e")) return;
    size_t n = strlen(buf);
    if (n + 3 <= cap) memcpy(buf + n, ".0", 3);
}

typedef enum TxtFloatKind { TXT_F64, TXT_F32, TXT_F16, TXT_BF16 } TxtFloatKind;

/* Whether text reads back to the value whose bits are `bits` in the given format. */
static bool txt_reads_back(const char *text, TxtFloatKind k, uint64_t bits) {
    switch (k) {
    case TXT_F64: {
        double d = strtod(text, NULL);
        uint64_t u;
        memcpy(&u, &d, 8);
        return u == bits;
    }
    case TXT_F32: {
        float f = strtof(text, NULL);
        uint32_t u;
        memcpy(&u, &f, 4);
        return u == bits;
    }
    case TXT_F16:
        return ir_f32_to_f16(strtof(text, NULL)) == bits;
    case TXT_BF16:
        return ir_f32_to_bf16(strtof(text, NULL)) == bits;
    }
    return false;
}

/* Shortest %.Ng spelling of v (whose bits in format k are `bits`) that reads back exactly. The
 * longest tried precision (17 for f64, 9 otherwise) always reads back for finite values. */
static void txt_put_float_bits(TxtBuf *b, double v, TxtFloatKind k, uint64_t bits) {
    char buf[64];
    if (!txt_nonfinite(buf, sizeof buf, v)) {
        int max = k == TXT_F64 ? 17 : 9;
        for (int p = 1; p <= max; p++) {
            snprintf(buf, sizeof buf, "%.*g", p, v);
            if (txt_reads_back(buf, k, bits)) break;
        }
        /* %g writes 100 as "1e+02" at the shortest precision; a plain spelling that is hardly
         * longer reads better ("100.0", "65504.0") and still reads back exactly. */
        const char *e = strchr(buf, 'e');
        int exp10 = e ? atoi(e + 1) : 0;
        if (exp10 >= 1 && exp10 < max) {
            char plain[64];
            snprintf(plain, sizeof plain, "%.*g", exp10 + 1, v);
            if (!strchr(plain, 'e') && strlen(plain) <= strlen(buf) + 2 &&
                txt_reads_back(plain, k, bits))
                memcpy(buf, plain, strlen(plain) + 1);
        }
        txt_floatify(buf, sizeof buf);
    }
    txt_puts(b, buf);
}

void txt_put_f64(TxtBuf *b, double v) {
    uint64_t bits;
    memcpy(&bits, &v, 8);
    txt_put_float_bits(b, v, TXT_F64, bits);
}

void txt_put_element(TxtBuf *b, IrDtype t, const void *data, size_t i) {
    const unsigned char *p = (const unsigned char *)data + i * ir_dtype_size(t);
    switch (t) {
    case IR_DTYPE_F32: {
        float f;
        uint32_t u;
        memcpy(&f, p, 4);
        memcpy(&u, p, 4);
        txt_put_float_bits(b, f, TXT_F32, u);
        return;
    }
    case IR_DTYPE_F64: {
        double d;
        memcpy(&d, p, 8);
        txt_put_f64(b, d);
        return;
    }
    case IR_DTYPE_F16:
    case IR_DTYPE_BF16: {
        uint16_t h;
        memcpy(&h, p, 2);
        float f = t == IR_DTYPE_F16 ? ir_f16_to_f32(h) : ir_bf16_to_f32(h);
        txt_put_float_bits(b, f, t == IR_DTYPE_F16 ? TXT_F16 : TXT_BF16, h);
        return;
    }
    case IR_DTYPE_I8:
        txt_printf(b, "%d", (int)(int8_t)p[0]);
        return;
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        txt_printf(b, "%u", (unsigned)p[0]);
        return;
    case IR_DTYPE_I32: {
        int32_t x;
        memcpy(&x, p, 4);
        txt_printf(b, "%" PRId32, x);
        return;
    }
    case IR_DTYPE_I64: {
        int64_t x;
        memcpy(&x, p, 8);
        txt_printf(b, "%" PRId64, x);
        return;
    }
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
}

/* ---- graph ------------------------------------------------------------------------------- */

/* `%name: type` plus ` @OFFSET` once the memory plan has placed the value. */
static void txt_put_value_decl(TxtBuf *b, const IrGraph *g, int id) {
    const IrValue *v = ir_value(g, id);
    txt_putc(b, '%');
    txt_put_name(b, v->name);
    txt_puts(b, ": ");
    txt_put_type(b, g, &v->type);
    if (v->arena_offset >= 0) txt_printf(b, " @%" PRId64, v->arena_offset);
}

static void txt_put_attr(TxtBuf *b, const IrAttr *a) {
    txt_put_name(b, a->name);
    txt_puts(b, " = ");
    switch (a->kind) {
    case IR_ATTR_INT:
        txt_printf(b, "%" PRId64, a->i);
        break;
    case IR_ATTR_FLOAT:
        txt_put_f64(b, a->f);
        break;
    case IR_ATTR_STRING:
        txt_put_quoted(b, a->s ? a->s : "");
        break;
    case IR_ATTR_INTS:
    case IR_ATTR_FLOATS:
        txt_putc(b, '[');
        for (int i = 0; i < a->count; i++) {
            if (i) txt_puts(b, ", ");
            if (a->kind == IR_ATTR_INTS)
                txt_printf(b, "%" PRId64, a->ints[i]);
            else
                txt_put_f64(b, a->floats[i]);
        }
        txt_putc(b, ']');
        break;
    }
}

static bool txt_str_eq(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* One node line: outputs = Op(inputs) {attrs} name "..." loc("file", "name"). The name clause is
 * left out when the node is named after its first output, the loc clause when the location is
 * the default one (the graph's source file and the node's own name). */
static void txt_put_node(TxtBuf *b, const IrGraph *g, const IrNode *n) {
    for (int i = 0; i < n->n_outputs; i++) {
        if (i) txt_puts(b, ", ");
        txt_put_value_decl(b, g, n->outputs[i]);
    }
    if (n->n_outputs) txt_puts(b, " = ");
    txt_puts(b, ir_op_info(n->op)->name);
    txt_putc(b, '(');
    for (int i = 0; i < n->n_inputs; i++) {
        if (i) txt_puts(b, ", ");
        if (n->inputs[i] < 0) {
            txt_putc(b, '_');
        } else {
            txt_putc(b, '%');
            txt_put_name(b, ir_value(g, n->inputs[i])->name);
        }
    }
    txt_putc(b, ')');
    if (n->n_attrs) {
        txt_puts(b, " {");
        for (int i = 0; i < n->n_attrs; i++) {
            if (i) txt_puts(b, ", ");
            txt_put_attr(b, &n->attrs[i]);
        }
        txt_putc(b, '}');
    }
    if (n->n_outputs == 0 || strcmp(n->name, ir_value(g, n->outputs[0])->name) != 0) {
        txt_puts(b, " name ");
        txt_put_quoted(b, n->name);
    }
    if (!txt_str_eq(n->loc.file, g->source_path) || !txt_str_eq(n->loc.name, n->name)) {
        txt_puts(b, " loc(");
        txt_put_quoted(b, n->loc.file ? n->loc.file : "");
        txt_puts(b, ", ");
        txt_put_quoted(b, n->loc.name ? n->loc.name : "");
        txt_putc(b, ')');
    }
    txt_putc(b, '\n');
}

/* A value is printed as a constant when it holds data and is neither produced nor an input. */
static bool txt_is_const(const IrGraph *g, int id, const bool *is_input) {
    const IrValue *v = &g->values[id];
    return v->data && v->producer < 0 && !is_input[id];
}

/* max_inline: inline constants with more elements are written `= elided COUNT`. */
static void txt_put_const(TxtBuf *b, const IrGraph *g, int id, size_t max_inline) {
    const IrValue *v = ir_value(g, id);
    size_t count = v->nbytes / ir_dtype_size(v->type.dtype);
    int64_t numel = 0;
    bool packed = ir_wformat_is_packed(v->wformat);
    if (packed && ir_type_numel(&v->type, &numel)) count = (size_t)numel;
    txt_puts(b, "const ");
    txt_put_value_decl(b, g, id);
    if (packed && count <= max_inline) {
        /* the packed bytes as one hex string (docs/ir-text.md) */
        txt_printf(b, " = packed %s \"", ir_wformat_name(v->wformat));
        const unsigned char *p = v->data;
        for (size_t i = 0; i < v->nbytes; i++) txt_printf(b, "%02x", p[i]);
        txt_putc(b, '"');
    } else if (packed) {
        txt_printf(b, " = elided %zu", count);
    } else if (!(v->data_file && v->data_key) && count > max_inline) {
        txt_printf(b, " = elided %zu", count);
    } else if (v->data_file && v->data_key) {
        txt_puts(b, " = load ");
        txt_put_quoted(b, v->data_file);
        txt_putc(b, ' ');
        txt_put_quoted(b, v->data_key);
    } else {
        size_t esize = ir_dtype_size(v->type.dtype);
        txt_puts(b, " = [");
        for (size_t i = 0; i < v->nbytes / esize; i++) {
            if (i) txt_puts(b, ", ");
            txt_put_element(b, v->type.dtype, v->data, i);
        }
        txt_putc(b, ']');
    }
    txt_putc(b, '\n');
}

/* Writes the whole graph into b: header, symbols, inputs, constants, nodes, outputs, with a
 * blank line between non-empty sections. */
static void txt_put_value_list(TxtBuf *b, const IrGraph *g, const int *list, int n) {
    txt_putc(b, '(');
    for (int i = 0; i < n; i++) {
        txt_puts(b, i ? ", %" : "%");
        txt_put_name(b, ir_value(g, list[i])->name);
    }
    txt_putc(b, ')');
}

/* The model facts, after the outputs (entries refer to inputs and outputs): metadata that
 * differs from ir_graph_new's defaults, states, entries. */
static void txt_put_facts(TxtBuf *b, const IrGraph *g) {
    const IrMetadata *m = &g->meta;
    if (ir_meta_is_set(m)) txt_putc(b, '\n');
    if (m->model_type) {
        txt_puts(b, "meta model_type = ");
        txt_put_quoted(b, m->model_type);
        txt_putc(b, '\n');
    }
    if (m->source) {
        txt_puts(b, "meta source = ");
        txt_put_quoted(b, m->source);
        txt_putc(b, '\n');
    }
    if (m->bos_token_id >= 0) txt_printf(b, "meta bos_token_id = %" PRId64 "\n", m->bos_token_id);
    if (m->eos_token_id >= 0) txt_printf(b, "meta eos_token_id = %" PRId64 "\n", m->eos_token_id);
    if (m->pad_token_id >= 0) txt_printf(b, "meta pad_token_id = %" PRId64 "\n", m->pad_token_id);

    if (g->n_states) txt_putc(b, '\n');
    for (int i = 0; i < g->n_states; i++) {
        const IrState *st = &g->states[i];
        txt_printf(b,
                   "state kv_cache layer %" PRId64 ": %s[%" PRId64 ", %" PRId64 ", %" PRId64 "]\n",
                   st->layer, ir_dtype_name(st->dtype), st->capacity, st->kv_heads, st->head_dim);
    }

    if (g->n_entries) txt_putc(b, '\n');
    for (int i = 0; i < g->n_entries; i++) {
        const IrEntry *e = &g->entries[i];
        txt_printf(b, "entry %s inputs", e->name);
        txt_put_value_list(b, g, e->inputs, e->n_inputs);
        txt_puts(b, " outputs");
        txt_put_value_list(b, g, e->outputs, e->n_outputs);
        txt_putc(b, '\n');
    }
}

static void txt_put_graph(TxtBuf *b, const IrGraph *g, size_t max_inline) {
    txt_printf(b, "kiln.ir %d graph ", TXT_FORMAT_VERSION);
    txt_put_quoted(b, g->name ? g->name : "");
    txt_putc(b, '\n');
    if (g->weights_dir_stated) {
        txt_puts(b, "weights_dir ");
        txt_put_quoted(b, g->base_dir);
        txt_putc(b, '\n');
    }
    if (g->arena_bytes) txt_printf(b, "arena_bytes %" PRId64 "\n", g->arena_bytes);

    if (g->n_symbols) txt_putc(b, '\n');
    for (int i = 0; i < g->n_symbols; i++) {
        txt_puts(b, "symbol ");
        txt_put_name(b, g->symbols[i].name);
        if (g->symbols[i].value >= 0) txt_printf(b, " = %" PRId64, g->symbols[i].value);
        txt_putc(b, '\n');
    }

    if (g->n_inputs) txt_putc(b, '\n');
    bool *is_input = calloc((size_t)g->n_values + 1, sizeof *is_input);
    KILN_ASSERT(is_input != NULL);
    for (int i = 0; i < g->n_inputs; i++) {
        txt_puts(b, "input ");
        txt_put_value_decl(b, g, g->inputs[i]);
        txt_putc(b, '\n');
        is_input[g->inputs[i]] = true;
    }

    bool first = true;
    for (int v = 0; v < g->n_values; v++) {
        if (!txt_is_const(g, v, is_input)) continue;
        if (first) txt_putc(b, '\n');
        first = false;
        txt_put_const(b, g, v, max_inline);
    }
    free(is_input);

    if (g->n_nodes) txt_putc(b, '\n');
    for (int i = 0; i < g->n_nodes; i++) txt_put_node(b, g, &g->nodes[i]);

    if (g->n_outputs) txt_putc(b, '\n');
    for (int i = 0; i < g->n_outputs; i++) {
        txt_puts(b, "output %");
        txt_put_name(b, ir_value(g, g->outputs[i])->name);
        txt_putc(b, '\n');
    }
    txt_put_facts(b, g);
}

/* Writes g in the text form to f. */
void ir_print(const IrGraph *g, FILE *f) {
    char *s = ir_print_to_string(g);
    fputs(s, f);
    free(s);
}

/* The text form as a malloc'd string; the caller frees it. */
char *ir_print_to_string(const IrGraph *g) {
    TxtBuf b = {0};
    txt_put_graph(&b, g, SIZE_MAX);
    return b.s;
}

/* The text form for reading, with large inline constants elided. */
void ir_print_summary(const IrGraph *g, FILE *f, size_t max_elements) {
    TxtBuf b = {0};
    txt_put_graph(&b, g, max_elements);
    fputs(b.s, f);
    free(b.s);
}
