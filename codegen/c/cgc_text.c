/* Model names and numbers as C text: escaped string literals, harmless comments, literals. */
#include "cgc.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

void cgc_put_string_body(FILE *f, const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\' || c == '?')
            fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\%03o", c); /* always three digits: the next byte cannot extend it */
    }
}

void cgc_put_comment_text(FILE *f, const char *s) {
    int prev = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int c = *p;
        if (c < 0x20 || c >= 0x7f) c = '_';
        /* break up comment delimiters and trigraph starts by inserting a space */
        if ((prev == '*' && c == '/') || (prev == '/' && c == '*') || (prev == '?' && c == '?'))
            fputc(' ', f);
        fputc(c, f);
        prev = c;
    }
    /* a trailing backslash would splice the next line into this one */
    if (prev == '\\') fputc(' ', f);
}

const char *cgc_ctype(IrDtype t) {
    switch (t) {
    case IR_DTYPE_F32:
        return "float";
    case IR_DTYPE_F64:
        return "double";
    case IR_DTYPE_F16:
    case IR_DTYPE_BF16:
        return "uint16_t";
    case IR_DTYPE_I8:
        return "int8_t";
    case IR_DTYPE_U8:
    case IR_DTYPE_BOOL:
        return "uint8_t";
    case IR_DTYPE_I32:
        return "int32_t";
    case IR_DTYPE_I64:
        return "int64_t";
    case IR_DTYPE_COUNT:
        break;
    }
    KILN_ASSERT(!"unknown dtype");
    return "";
}

void cgc_put_node_origin(FILE *f, const IrGraph *g, const IrNode *n) {
    fputs("node '", f);
    cgc_put_comment_text(f, n->loc.name ? n->loc.name : n->name);
    fprintf(f, "' (%s)", ir_op_info(n->op)->name);
    const char *file = n->loc.file && *n->loc.file ? n->loc.file : g->source_path;
    if (file && *file) {
        fputs(" from ", f);
        cgc_put_comment_text(f, file);
    }
}

bool cgc_double_literal(double v, const char *suffix, char *buf, size_t cap) {
    if (!isfinite(v)) return false;
    char num[48];
    snprintf(num, sizeof num, "%.17g", v);
    /* "1" would be an int literal: every literal gets a '.' or an exponent */
    bool has_mark = strpbrk(num, ".eE") != NULL;
    snprintf(buf, cap, "%s%s%s", num, has_mark ? "" : ".0", suffix);
    return true;
}

void cgc_put_upper(FILE *f, const char *s) {
    for (; *s; s++) fputc(toupper((unsigned char)*s), f);
}

void cgc_put_node_comment(FILE *f, const IrGraph *g, const IrNode *n) {
    fputs("/* ", f);
    cgc_put_node_origin(f, g, n);
    fputs("\n", f);
    for (int io = 0; io < 2; io++) {
        int count = io ? n->n_outputs : n->n_inputs;
        for (int j = 0; j < count; j++) {
            int v = io ? n->outputs[j] : n->inputs[j];
            if (v < 0) continue;
            char buf[256];
            fprintf(f, " *   %s%d: v_%d ", io ? "y" : "x", j, v);
            cgc_put_comment_text(f, ir_type_str(g, &ir_value(g, v)->type, buf, sizeof buf));
            fputs(" '", f);
            cgc_put_comment_text(f, ir_value(g, v)->name);
            fputs("'\n", f);
        }
    }
    fputs(" */\n", f);
}
