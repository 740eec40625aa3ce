/* The .kir parser: reads the text form of docs/ir-text.md back into a graph.
 *
 * The input is untrusted. The parser is a hand-written lexer plus one function per statement; it
 * never recurses, checks every number for overflow and range where it is read, and stops at the
 * first error, which it reports as "PATH:LINE:COL: message" (columns count bytes from 1). Each
 * node's written output types are compared with shape inference as soon as the node is read, so
 * a wrong type points at its line; ir_verify then checks the whole graph. */
#include "text.h"
#include "text_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef enum TxpKind {
    TXP_EOF,
    TXP_NEWLINE,
    TXP_IDENT,  /* [A-Za-z_.][A-Za-z0-9_.]*: keywords, op names, dtypes, symbols, `_` */
    TXP_VALUE,  /* %name or %"quoted name"; the decoded name is in TxpParser.str */
    TXP_STRING, /* "quoted"; the decoded bytes are in TxpParser.str */
    TXP_NUMBER, /* starts with a digit or a sign: 12, -3, 1.5e-05, -inf; checked when used */
    TXP_PUNCT,  /* one of [ ] ( ) { } , : = @ */
} TxpKind;

typedef struct TxpTok {
    TxpKind kind;
    const char *start; /* the token's bytes in the input */
    size_t len;
    int line, col;
} TxpTok;

/* An output of the node being read, before its value exists. */
typedef struct TxpOut {
    const char *name; /* arena copy */
    IrType type;
    int64_t offset; /* arena offset or -1 */
    int line, col;
} TxpOut;

typedef struct TxpParser {
    const char *path;
    Diag *d;
    bool failed; /* an error was reported: every caller unwinds */

    const char *p;          /* next unread byte */
    const char *line_start; /* first byte of the current line, for columns */
    int line;
    TxpTok tok; /* the current token */
    TxtBuf str; /* the current token's text, NUL-terminated (decoded for values and strings) */

    IrGraph *g;           /* NULL until the header is read */
    IrConstLoader loader; /* may be NULL: then file-backed constants are refused */
    void *loader_user;
    bool have_arena_bytes;
    unsigned meta_seen; /* bit k: metadata key k of txp_meta was given */

    /* Scratch lists for the statement being read (malloc-owned, reused). */
    int64_t *ints;
    size_t n_ints, cap_ints;
    double *floats;
    size_t n_floats, cap_floats;
    unsigned char *bytes; /* inline constant elements */
    size_t n_bytes, cap_bytes;
    int *ins; /* node inputs, -1 for `_` */
    size_t n_ins, cap_ins;
    TxpOut *outs;
    size_t n_outs, cap_outs;
    IrAttr *attrs;
    size_t n_attrs, cap_attrs;

    /* Node-name set: open addressing, slot = node index + 1, 0 = empty; cap a power of two. */
    int *names;
    size_t names_cap, names_used;
} TxpParser;

/* ---- errors ------------------------------------------------------------------------------ */

/* Reports "PATH:LINE:COL: message" once; later errors of the same parse are dropped because they
 * would only be consequences of the first. Always returns false, for `return txp_error(...)`. */
__attribute__((format(printf, 4, 5))) static bool txp_error(TxpParser *P, int line, int col,
                                                            const char *fmt, ...) {
    if (P->failed) return false;
    P->failed = true;
    char where[64], msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    TxtBuf loc = {0};
    snprintf(where, sizeof where, ":%d:%d", line, col);
    txt_puts(&loc, P->path);
    txt_puts(&loc, where);
    diag_at(P->d, loc.s, NULL, NULL, "%s", msg);
    free(loc.s);
    return false;
}

/* A short description of the current token for messages: its text, or "end of line". */
static const char *txp_tok_desc(TxpParser *P, char *buf, size_t cap) {
    if (P->tok.kind == TXP_EOF) return "end of file";
    if (P->tok.kind == TXP_NEWLINE) return "end of line";
    size_t n = P->tok.len < 40 ? P->tok.len : 40;
    snprintf(buf, cap, "'%.*s%s'", (int)n, P->tok.start, n < P->tok.len ? "..." : "");
    return buf;
}

/* Reports "expected WHAT, got TOKEN" at the current token. */
static bool txp_expected(TxpParser *P, const char *what) {
    char buf[64];
    return txp_error(P, P->tok.line, P->tok.col, "expected %s, got %s", what,
                     txp_tok_desc(P, buf, sizeof buf));
}

/* ---- scratch lists ----------------------------------------------------------------------- */

/* Grows *arr (elements of elem bytes, capacity *cap) to hold need elements. Lists are bounded by
 * INT_MAX elements because the IR counts them in int. */
static bool txp_grow(TxpParser *P, void **arr, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return true;
    if (need > INT_MAX) return txp_error(P, P->tok.line, P->tok.col, "list is too long");
    size_t ncap = *cap ? *cap * 2 : 16;
    if (ncap < need) ncap = need;
    void *q = realloc(*arr, ncap * elem);
    KILN_ASSERT(q != NULL);
    *arr = q;
    *cap = ncap;
    return true;
}

#define TXP_PUSH(P, list, n, cap, v)                                                               \
    (txp_grow((P), (void **)&(list), &(cap), (n) + 1, sizeof *(list))                              \
         ? ((list)[(n)++] = (v), true)                                                             \
         : false)

/* ---- lexer ------------------------------------------------------------------------------- */

static bool txp_ident_start(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool txp_ident_char(unsigned char c) {
    return txp_ident_start(c) || (c >= '0' && c <= '9');
}

static int txp_hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int txp_col(const TxpParser *P, const char *at) {
    size_t c = (size_t)(at - P->line_start) + 1;
    return c > INT_MAX ? INT_MAX : (int)c;
}

/* Reads a quoted string starting at the '"' under P->p into P->str, decoding \" \\ \n \t and
 * \xNN. Raw bytes >= 0x80 are taken as they are; other control bytes and NUL are refused. */
static bool txp_lex_string(TxpParser *P) {
    int line = P->line, col = txp_col(P, P->p);
    const unsigned char *s = (const unsigned char *)P->p + 1;
    for (;;) {
        unsigned char c = *s;
        if (c == '"') break;
        if (c == '\0' || c == '\n') return txp_error(P, line, col, "unterminated string");
        if (c == '\\') {
            unsigned char e = s[1];
            if (e == '"' || e == '\\') {
                txt_putc(&P->str, (char)e);
                s += 2;
            } else if (e == 'n' || e == 't') {
                txt_putc(&P->str, e == 'n' ? '\n' : '\t');
                s += 2;
            } else if (e == 'x' && txp_hex(s[2]) >= 0 && txp_hex(s[3]) >= 0) {
                int v = txp_hex(s[2]) * 16 + txp_hex(s[3]);
                if (v == 0)
                    return txp_error(P, line, txp_col(P, (const char *)s),
                                     "\\x00 is not allowed: names cannot contain NUL");
                txt_putc(&P->str, (char)v);
                s += 4;
            } else if (e == 'x') {
                return txp_error(P, line, txp_col(P, (const char *)s),
                                 "\\x must be followed by two hex digits");
            } else {
                return txp_error(P, line, txp_col(P, (const char *)s),
                                 "unknown escape in string; use \\\" \\\\ \\n \\t or \\xNN");
            }
            continue;
        }
        if (c < 0x20 && c != '\t')
            return txp_error(P, line, txp_col(P, (const char *)s),
                             "control byte 0x%02x in string; write it as \\x%02x", c, c);
        txt_putc(&P->str, (char)c);
        s++;
    }
    P->p = (const char *)s + 1;
    return true;
}

/* Advances to the next token. Spaces, tabs, carriage returns and `#` comments are skipped;
 * newlines are tokens because statements end at them. */
static bool txp_next(TxpParser *P) {
    for (;;) {
        char c = *P->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            P->p++;
        } else if (c == '#') {
            while (*P->p && *P->p != '\n') P->p++;
        } else {
            break;
        }
    }
    P->str.len = 0;
    txt_puts(&P->str, "");
    TxpTok *t = &P->tok;
    const char *start = P->p;
    unsigned char c = (unsigned char)*start;
    t->start = start;
    t->line = P->line;
    t->col = txp_col(P, start);
    if (c == '\0') {
        t->kind = TXP_EOF;
    } else if (c == '\n') {
        t->kind = TXP_NEWLINE;
        P->p++;
        if (P->line == INT_MAX) return txp_error(P, t->line, t->col, "too many lines");
        P->line++;
        P->line_start = P->p;
    } else if (c == '%') {
        t->kind = TXP_VALUE;
        P->p++;
        unsigned char n = (unsigned char)*P->p;
        if (n == '"') {
            if (!txp_lex_string(P)) return false;
        } else if (txp_ident_start(n)) {
            while (txp_ident_char((unsigned char)*P->p)) txt_putc(&P->str, *P->p++);
        } else {
            return txp_error(P, t->line, t->col,
                             "expected a value name after '%%' (an identifier not starting "
                             "with a digit, or a quoted string)");
        }
    } else if (c == '"') {
        t->kind = TXP_STRING;
        if (!txp_lex_string(P)) return false;
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
        t->kind = TXP_NUMBER;
        /* Greedy, so that "16abc" or "1.2.3" is one bad number rather than two tokens; a sign
         * continues the token only as an exponent's sign. */
        txt_putc(&P->str, *P->p++);
        for (;;) {
            unsigned char n = (unsigned char)*P->p;
            char prev = P->p[-1];
            if (!txp_ident_char(n) && !((n == '-' || n == '+') && (prev == 'e' || prev == 'E')))
                break;
            txt_putc(&P->str, *P->p++);
        }
    } else if (txp_ident_start(c)) {
        t->kind = TXP_IDENT;
        while (txp_ident_char((unsigned char)*P->p)) txt_putc(&P->str, *P->p++);
    } else if (strchr("[](){},:=@", c)) {
        t->kind = TXP_PUNCT;
        txt_putc(&P->str, *P->p++);
    } else if (c >= 0x20 && c < 0x7f) {
        return txp_error(P, t->line, t->col, "unexpected character '%c'", c);
    } else {
        return txp_error(P, t->line, t->col, "unexpected byte 0x%02x", c);
    }
    t->len = (size_t)(P->p - start);
    return true;
}

/* ---- token helpers ----------------------------------------------------------------------- */

static bool txp_is_punct(const TxpParser *P, char c) {
    return P->tok.kind == TXP_PUNCT && P->tok.start[0] == c;
}

static bool txp_is_word(const TxpParser *P, const char *w) {
    return P->tok.kind == TXP_IDENT && strcmp(P->str.s, w) == 0;
}

static bool txp_expect_punct(TxpParser *P, char c) {
    if (!txp_is_punct(P, c)) {
        char what[8];
        snprintf(what, sizeof what, "'%c'", c);
        return txp_expected(P, what);
    }
    return txp_next(P);
}

/* Takes a STRING token into the graph's arena. */
static bool txp_take_string(TxpParser *P, const char **out, const char *what) {
    if (P->tok.kind != TXP_STRING) return txp_expected(P, what);
    *out = ir_strdup(P->g, P->str.s);
    return txp_next(P);
}

/* A statement ends at a newline or the end of the file; anything else is trailing garbage. */
static bool txp_end_statement(TxpParser *P) {
    if (P->tok.kind == TXP_EOF) return true;
    if (P->tok.kind != TXP_NEWLINE) {
        char buf[64];
        return txp_error(P, P->tok.line, P->tok.col, "unexpected %s after the end of the statement",
                         txp_tok_desc(P, buf, sizeof buf));
    }
    return txp_next(P);
}

/* ---- numbers ----------------------------------------------------------------------------- */

static bool txp_tok_is_int(const TxpParser *P) {
    if (P->tok.kind != TXP_NUMBER) return false;
    const char *s = P->str.s;
    if (*s == '-' || *s == '+') s++;
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static bool txp_tok_is_float(const TxpParser *P) {
    if (P->tok.kind == TXP_IDENT) return txp_is_word(P, "nan") || txp_is_word(P, "inf");
    return P->tok.kind == TXP_NUMBER && !txp_tok_is_int(P);
}

/* Reads the current token as an integer (checking int64 overflow) and advances. */
static bool txp_int(TxpParser *P, int64_t *out, const char *what) {
    if (!txp_tok_is_int(P)) return txp_expected(P, what);
    errno = 0;
    long long v = strtoll(P->str.s, NULL, 10);
    if (errno == ERANGE)
        return txp_error(P, P->tok.line, P->tok.col, "integer %s does not fit in 64 bits",
                         P->str.s);
    *out = v;
    return txp_next(P);
}

/* Reads a non-negative integer. */
static bool txp_size(TxpParser *P, int64_t *out, const char *what) {
    int line = P->tok.line, col = P->tok.col;
    if (!txp_int(P, out, what)) return false;
    if (*out < 0) return txp_error(P, line, col, "%s must be >= 0, got %" PRId64, what, *out);
    return true;
}

/* Checks the current token is a float literal (an integer too when allow_int): nan, inf, their
 * negations, or a decimal number that strtod reads whole. Sets *special to 'n' (nan), 'i' (inf)
 * or 0, and *neg for a leading minus. Does not advance. */
static bool txp_float_lit(TxpParser *P, bool allow_int, char *special, bool *neg) {
    const char *s = P->str.s;
    *neg = *s == '-';
    *special = 0;
    if (P->tok.kind == TXP_IDENT || P->tok.kind == TXP_NUMBER) {
        const char *body = (*s == '-' || *s == '+') ? s + 1 : s;
        if (strcmp(body, "nan") == 0 && P->tok.kind == (body == s ? TXP_IDENT : TXP_NUMBER)) {
            *special = 'n';
            return true;
        }
        if (strcmp(body, "inf") == 0 && P->tok.kind == (body == s ? TXP_IDENT : TXP_NUMBER)) {
            *special = 'i';
            return true;
        }
    }
    if (P->tok.kind != TXP_NUMBER || (!allow_int && txp_tok_is_int(P)))
        return txp_expected(P, allow_int ? "a number" : "a float (with '.' or an exponent)");
    bool digit = false, charset_ok = true;
    for (const char *q = s; *q; q++) {
        if (*q >= '0' && *q <= '9') digit = true;
        if (!strchr("0123456789.eE+-", *q)) charset_ok = false; /* no hex floats, no words */
    }
    char *end;
    (void)strtod(s, &end);
    if (!digit || !charset_ok || *end != '\0')
        return txp_error(P, P->tok.line, P->tok.col, "malformed number '%s'", s);
    return true;
}

/* Reads a float literal as a double and advances. */
static bool txp_f64(TxpParser *P, bool allow_int, double *out) {
    char special;
    bool neg;
    if (!txp_float_lit(P, allow_int, &special, &neg)) return false;
    if (special) {
        double v = special == 'n' ? NAN : INFINITY;
        *out = neg ? -v : v;
    } else {
        errno = 0;
        *out = strtod(P->str.s, NULL);
        if (errno == ERANGE && isinf(*out))
            return txp_error(P, P->tok.line, P->tok.col, "number %s is out of range for f64",
                             P->str.s);
    }
    return txp_next(P);
}

/* Reads a float literal as a float (rounded once, from the decimal text) and advances.
 * *finite_text tells whether the text was a finite number, so callers narrowing to 16 bits can
 * tell overflow from a written inf. */
static bool txp_f32(TxpParser *P, bool *finite_text, float *out, const char *dtype) {
    char special;
    bool neg;
    if (!txp_float_lit(P, true, &special, &neg)) return false;
    if (special) {
        float v = special == 'n' ? NAN : INFINITY;
        *out = neg ? -v : v;
    } else {
        errno = 0;
        *out = strtof(P->str.s, NULL);
        if (errno == ERANGE && isinf(*out))
            return txp_error(P, P->tok.line, P->tok.col, "number %s is out of range for %s",
                             P->str.s, dtype);
    }
    *finite_text = !special;
    return txp_next(P);
}

/* ---- types ------------------------------------------------------------------------------- */

/* type := DTYPE '[' [dim {',' dim}] ']' ; dim := INTEGER | SYMBOL | STRING */
static bool txp_type(TxpParser *P, IrType *t) {
    if (P->tok.kind != TXP_IDENT) return txp_expected(P, "a type such as f32[4, 8]");
    IrDtype dt;
    if (!ir_dtype_parse(P->str.s, &dt))
        return txp_error(P, P->tok.line, P->tok.col,
                         "unknown dtype '%s' (expected f32, f16, bf16, f64, i8, u8, i32, i64 or "
                         "bool)",
                         P->str.s);
    memset(t, 0, sizeof *t);
    t->dtype = dt;
    if (!txp_next(P) || !txp_expect_punct(P, '[')) return false;
    while (!txp_is_punct(P, ']')) {
        if (t->rank && !txp_expect_punct(P, ',')) return false;
        if (t->rank == IR_MAX_RANK)
            return txp_error(P, P->tok.line, P->tok.col, "a type has at most %d dimensions",
                             IR_MAX_RANK);
        if (P->tok.kind == TXP_IDENT || P->tok.kind == TXP_STRING) {
            int sym = ir_symbol_find(P->g, P->str.s);
            if (sym < 0)
                return txp_error(P, P->tok.line, P->tok.col,
                                 "undefined symbol '%s' (declare it with a symbol line first)",
                                 P->str.s);
            t->dims[t->rank++] = ir_dim_sym(sym);
            if (!txp_next(P)) return false;
        } else {
            int64_t n;
            if (!txp_size(P, &n, "a dimension (an integer or a symbol)")) return false;
            t->dims[t->rank++] = ir_dim_const(n);
        }
    }
    return txp_next(P);
}

/* Formats t into a malloc'd string for a message. */
static char *txp_type_str(const IrGraph *g, const IrType *t) {
    TxtBuf b = {0};
    txt_put_type(&b, g, t);
    return b.s;
}

/* decl := VALUE ':' type ['@' INTEGER]. The name must not be defined yet. */
static bool txp_value_decl(TxpParser *P, TxpOut *o) {
    if (P->tok.kind != TXP_VALUE) return txp_expected(P, "a value such as %x");
    o->line = P->tok.line;
    o->col = P->tok.col;
    if (ir_value_find(P->g, P->str.s) >= 0)
        return txp_error(P, o->line, o->col, "value %%%s is defined twice", P->str.s);
    o->name = ir_strdup(P->g, P->str.s);
    o->offset = -1;
    if (!txp_next(P) || !txp_expect_punct(P, ':') || !txp_type(P, &o->type)) return false;
    if (txp_is_punct(P, '@')) {
        if (!txp_next(P) || !txp_size(P, &o->offset, "an arena offset")) return false;
    }
    return true;
}

/* Resolves a VALUE token to a defined value and advances. */
static bool txp_value_ref(TxpParser *P, int *out) {
    if (P->tok.kind != TXP_VALUE) return txp_expected(P, "a value such as %x");
    *out = ir_value_find(P->g, P->str.s);
    if (*out < 0) return txp_error(P, P->tok.line, P->tok.col, "undefined value %%%s", P->str.s);
    return txp_next(P);
}

/* ---- header, symbols, inputs, outputs ---------------------------------------------------- */

/* header := 'kiln.ir' VERSION 'graph' STRING */
static bool txp_header(TxpParser *P) {
    if (!txp_is_word(P, "kiln.ir"))
        return txp_expected(P, "the header line 'kiln.ir 1 graph \"NAME\"'");
    if (!txp_next(P)) return false;
    int line = P->tok.line, col = P->tok.col;
    int64_t version;
    if (!txp_int(P, &version, "a format version")) return false;
    if (version != TXT_FORMAT_VERSION)
        return txp_error(P, line, col,
                         "unsupported format version %" PRId64 " (this kiln reads %d)", version,
                         TXT_FORMAT_VERSION);
    if (!txp_is_word(P, "graph")) return txp_expected(P, "'graph'");
    if (!txp_next(P)) return false;
    if (P->tok.kind != TXP_STRING) return txp_expected(P, "the graph name as a quoted string");
    return true; /* the caller creates the graph from P->str, then advances */
}

/* symbol := 'symbol' NAME ['=' INTEGER] */
static bool txp_symbol(TxpParser *P) {
    if (P->tok.kind != TXP_IDENT && P->tok.kind != TXP_STRING)
        return txp_expected(P, "a symbol name");
    if (ir_symbol_find(P->g, P->str.s) >= 0)
        return txp_error(P, P->tok.line, P->tok.col, "symbol '%s' is declared twice", P->str.s);
    int sym = ir_symbol_get(P->g, P->str.s);
    if (!txp_next(P)) return false;
    if (txp_is_punct(P, '=')) {
        int64_t v;
        if (!txp_next(P) || !txp_size(P, &v, "the symbol's value")) return false;
        P->g->symbols[sym].value = v;
    }
    return true;
}

static bool txp_input(TxpParser *P) {
    TxpOut o;
    if (!txp_value_decl(P, &o)) return false;
    int v = ir_input_add(P->g, o.name, &o.type);
    ir_value(P->g, v)->arena_offset = o.offset;
    return true;
}

static bool txp_output(TxpParser *P) {
    int v = -1;
    if (!txp_value_ref(P, &v)) return false;
    ir_output_add(P->g, v);
    return true;
}

/* ---- model facts: meta, state, entry ------------------------------------------------------ */

/* meta := 'meta' KEY '=' (STRING | INTEGER); each key at most once. */
static bool txp_meta(TxpParser *P) {
    static const char *const keys[] = {"model_type", "source", "bos_token_id", "eos_token_id",
                                       "pad_token_id"};
    int line = P->tok.line, col = P->tok.col;
    int k = -1;
    for (int i = 0; i < 5 && P->tok.kind == TXP_IDENT; i++)
        if (strcmp(P->str.s, keys[i]) == 0) k = i;
    if (k < 0)
        return txp_expected(P, "a metadata key (model_type, source, bos_token_id, "
                               "eos_token_id or pad_token_id)");
    if (P->meta_seen & (1u << k))
        return txp_error(P, line, col, "metadata %s is given twice", keys[k]);
    P->meta_seen |= 1u << k;
    if (!txp_next(P) || !txp_expect_punct(P, '=')) return false;
    IrMetadata *m = &P->g->meta;
    if (k == 0) return txp_take_string(P, &m->model_type, "the model type as a quoted string");
    if (k == 1) return txp_take_string(P, &m->source, "the source format as a quoted string");
    int64_t *id = k == 2 ? &m->bos_token_id : k == 3 ? &m->eos_token_id : &m->pad_token_id;
    line = P->tok.line, col = P->tok.col;
    if (!txp_int(P, id, "a token id (an integer, -1 for none)")) return false;
    if (*id < -1) return txp_error(P, line, col, "a token id must be >= 0, or -1 for none");
    return true;
}

/* state := 'state' 'kv_cache' 'layer' INTEGER ':' DTYPE '[' capacity ',' kv_heads ','
 *          head_dim ']' */
static bool txp_state(TxpParser *P) {
    if (!txp_is_word(P, "kv_cache")) return txp_expected(P, "a state kind ('kv_cache')");
    if (!txp_next(P)) return false;
    if (!txp_is_word(P, "layer")) return txp_expected(P, "'layer'");
    IrState st = {IR_STATE_KV_CACHE, 0, IR_DTYPE_F32, 0, 0, 0};
    if (!txp_next(P)) return false;
    int line = P->tok.line, col = P->tok.col;
    if (!txp_size(P, &st.layer, "the layer number")) return false;
    if (ir_state_find(P->g, st.layer) >= 0)
        return txp_error(P, line, col, "the KV cache of layer %" PRId64 " is declared twice",
                         st.layer);
    if (!txp_expect_punct(P, ':')) return false;
    line = P->tok.line, col = P->tok.col;
    IrType t;
    if (!txp_type(P, &t)) return false;
    if (t.rank != 3 || !ir_type_is_static(&t) || t.dims[0].size < 1 || t.dims[1].size < 1 ||
        t.dims[2].size < 1 || !ir_dtype_is_float(t.dtype))
        return txp_error(P, line, col,
                         "a KV cache is a float type [capacity, kv_heads, head_dim] of constant "
                         "sizes >= 1");
    st.dtype = t.dtype;
    st.capacity = t.dims[0].size;
    st.kv_heads = t.dims[1].size;
    st.head_dim = t.dims[2].size;
    ir_state_add(P->g, &st);
    return true;
}

/* '(' [VALUE {',' VALUE}] ')' into a malloc'd list. */
static bool txp_value_list(TxpParser *P, int **list, int *n) {
    *list = NULL;
    *n = 0;
    size_t cap = 0;
    if (!txp_expect_punct(P, '(')) return false;
    while (!txp_is_punct(P, ')')) {
        if (*n && !txp_expect_punct(P, ',')) return false;
        if (!txp_grow(P, (void **)list, &cap, (size_t)*n + 1, sizeof **list)) return false;
        if (!txp_value_ref(P, &(*list)[*n])) return false;
        ++*n;
    }
    return txp_next(P);
}

/* entry := 'entry' NAME 'inputs' '(' values ')' 'outputs' '(' values ')' */
static bool txp_entry(TxpParser *P) {
    if (P->tok.kind != TXP_IDENT) return txp_expected(P, "an entry name");
    if (ir_entry_find(P->g, P->str.s) >= 0)
        return txp_error(P, P->tok.line, P->tok.col, "entry '%s' is declared twice", P->str.s);
    char *name = ir_strdup(P->g, P->str.s);
    int *ins = NULL, *outs = NULL, n_ins = 0, n_outs = 0;
    bool ok = txp_next(P) && (txp_is_word(P, "inputs") || txp_expected(P, "'inputs'")) &&
              txp_next(P) && txp_value_list(P, &ins, &n_ins) &&
              (txp_is_word(P, "outputs") || txp_expected(P, "'outputs'")) && txp_next(P) &&
              txp_value_list(P, &outs, &n_outs);
    if (ok) ir_entry_add(P->g, name, ins, n_ins, outs, n_outs);
    free(ins);
    free(outs);
    return ok;
}

/* weights_dir := 'weights_dir' STRING: the folder `load` paths are relative to, in place of the
 * folder the caller passed. It must be absolute (a relative one would depend on the reader's
 * working directory) and come before the first value, since constants load as they are read.
 * The frontend's loader still keeps every file inside that folder. */
static bool txp_weights_dir(TxpParser *P) {
    int line = P->tok.line, col = P->tok.col;
    if (P->g->weights_dir_stated) return txp_error(P, line, col, "weights_dir is given twice");
    if (P->g->n_values > 0)
        return txp_error(P, line, col, "weights_dir must come before inputs, constants and nodes");
    if (!txp_next(P)) return false;
    if (P->tok.kind != TXP_STRING) return txp_expected(P, "the weights folder as a quoted string");
    if (P->str.s[0] != '/')
        return txp_error(P, P->tok.line, P->tok.col, "weights_dir '%s' is not an absolute path",
                         P->str.s);
    P->g->base_dir = ir_strdup(P->g, P->str.s);
    P->g->weights_dir_stated = true;
    return txp_next(P);
}

/* ---- constants --------------------------------------------------------------------------- */

/* Appends one element of dtype dt, read from the current token, to P->bytes. */
static bool txp_element(TxpParser *P, IrDtype dt) {
    int line = P->tok.line, col = P->tok.col;
    unsigned char buf[8];
    size_t size = ir_dtype_size(dt);
    if (ir_dtype_is_float(dt)) {
        if (dt == IR_DTYPE_F64) {
            double v;
            if (!txp_f64(P, true, &v)) return false;
            memcpy(buf, &v, 8);
        } else {
            bool finite_text = false;
            float f;
            if (!txp_f32(P, &finite_text, &f, ir_dtype_name(dt))) return false;
            if (dt == IR_DTYPE_F32) {
                memcpy(buf, &f, 4);
            } else {
                uint16_t h = dt == IR_DTYPE_F16 ? ir_f32_to_f16(f) : ir_f32_to_bf16(f);
                float back = dt == IR_DTYPE_F16 ? ir_f16_to_f32(h) : ir_bf16_to_f32(h);
                if (finite_text && isinf(back))
                    return txp_error(P, line, col, "number is out of range for %s",
                                     ir_dtype_name(dt));
                memcpy(buf, &h, 2);
            }
        }
    } else {
        int64_t v, lo, hi;
        if (!txp_int(P, &v, "an integer element")) return false;
        switch (dt) {
        case IR_DTYPE_I8:
            lo = INT8_MIN, hi = INT8_MAX;
            break;
        case IR_DTYPE_U8:
            lo = 0, hi = UINT8_MAX;
            break;
        case IR_DTYPE_BOOL:
            lo = 0, hi = 1;
            break;
        case IR_DTYPE_I32:
            lo = INT32_MIN, hi = INT32_MAX;
            break;
        default:
            lo = INT64_MIN, hi = INT64_MAX;
            break;
        }
        if (v < lo || v > hi)
            return txp_error(P, line, col, "%" PRId64 " is out of range for %s", v,
                             ir_dtype_name(dt));
        if (size == 1) {
            buf[0] = (unsigned char)(uint8_t)v;
        } else if (size == 4) {
            int32_t x = (int32_t)v;
            memcpy(buf, &x, 4);
        } else {
            memcpy(buf, &v, 8);
        }
    }
    if (!txp_grow(P, (void **)&P->bytes, &P->cap_bytes, P->n_bytes + size, 1)) return false;
    memcpy(P->bytes + P->n_bytes, buf, size);
    P->n_bytes += size;
    return true;
}

static int txp_hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* 'packed' FORMAT STRING: the data of an f32[R, K] constant stored in a weight format
 * (ir/wformat.h), as the hex digits of its bytes. */
static bool txp_packed_const(TxpParser *P, const TxpOut *o) {
    int line = P->tok.line, col = P->tok.col;
    if (!txp_next(P)) return false;
    IrWFormat f;
    if (P->tok.kind != TXP_IDENT || !ir_wformat_parse(P->str.s, &f) || !ir_wformat_is_packed(f))
        return txp_expected(P, "a weight format (f16, bf16, i8, i4g32, i4g64, i4g128, "
                               "i4g32a, i4g64a, i4g128a)");
    if (!txp_next(P)) return false;
    size_t nbytes;
    if (!ir_data_bytes(&o->type, f, &nbytes)) {
        char *ts = txp_type_str(P->g, &o->type);
        txp_error(P, line, col,
                  "constant %%%s: a %s constant must be f32[R, K] with K a multiple of %lld, "
                  "got %s",
                  o->name, ir_wformat_name(f), (long long)ir_wformat_info(f)->block, ts);
        free(ts);
        return false;
    }
    if (P->tok.kind != TXP_STRING) return txp_expected(P, "the packed bytes as a hex string");
    if (P->str.len != 2 * nbytes)
        return txp_error(P, P->tok.line, P->tok.col,
                         "constant %%%s: %s data of its type is %zu bytes, the string holds %zu "
                         "hex digits",
                         o->name, ir_wformat_name(f), nbytes, P->str.len);
    unsigned char *data = ir_alloc(P->g, nbytes ? nbytes : 1);
    for (size_t i = 0; i < nbytes; i++) {
        int hi = txp_hex_digit(P->str.s[2 * i]), lo = txp_hex_digit(P->str.s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return txp_error(P, P->tok.line, P->tok.col,
                             "constant %%%s: the packed data must be hex digits", o->name);
        data[i] = (unsigned char)(hi << 4 | lo);
    }
    if (!txp_next(P)) return false;
    int v = ir_const_add_packed(P->g, o->name, &o->type, f, data, nbytes, false);
    ir_value(P->g, v)->arena_offset = o->offset;
    return true;
}

/* const := 'const' decl '=' ( 'load' STRING STRING | '[' [elem {',' elem}] ']' )
 * ('elided' COUNT, written by ir_print_summary, is recognised only to explain it is refused.) */
static bool txp_const(TxpParser *P) {
    TxpOut o;
    if (!txp_value_decl(P, &o)) return false;
    int64_t numel;
    size_t nbytes;
    if (!ir_type_numel(&o.type, &numel) || !ir_type_nbytes(&o.type, &nbytes)) {
        char *ts = txp_type_str(P->g, &o.type);
        txp_error(P, o.line, o.col,
                  "constant %%%s must have a static type whose size fits in memory, got %s", o.name,
                  ts);
        free(ts);
        return false;
    }
    if (!txp_expect_punct(P, '=')) return false;
    int v;
    if (txp_is_word(P, "packed")) return txp_packed_const(P, &o);
    if (txp_is_word(P, "elided"))
        return txp_error(P, P->tok.line, P->tok.col,
                         "the data of constant %%%s was left out of this dump; dump it again "
                         "with --full-constants to get text kiln can read back",
                         o.name);
    if (txp_is_word(P, "load")) {
        int line = P->tok.line, col = P->tok.col;
        const char *file = NULL, *key = NULL;
        if (!txp_next(P) || !txp_take_string(P, &file, "the data file as a quoted string") ||
            !txp_take_string(P, &key, "the tensor name as a quoted string"))
            return false;
        if (!P->loader)
            return txp_error(P, line, col,
                             "constant %%%s is stored in a file, but no loader was given", o.name);
        const void *data = NULL;
        size_t got = 0;
        if (!P->loader(P->g, file, key, &o.type, &data, &got, P->d, P->loader_user))
            return txp_error(P, line, col, "cannot load constant %%%s from \"%s\" \"%s\"", o.name,
                             file, key);
        if (got != nbytes || (!data && nbytes))
            return txp_error(P, line, col,
                             "constant %%%s: the loader returned %zu bytes, the type needs %zu",
                             o.name, got, nbytes);
        v = ir_const_add(P->g, o.name, &o.type, data, nbytes, false);
        ir_value(P->g, v)->data_file = file;
        ir_value(P->g, v)->data_key = key;
    } else {
        if (!txp_expect_punct(P, '[')) return false;
        P->n_bytes = 0;
        int64_t count = 0;
        while (!txp_is_punct(P, ']')) {
            if (count && !txp_expect_punct(P, ',')) return false;
            if (count == numel) {
                char *ts = txp_type_str(P->g, &o.type);
                txp_error(P, P->tok.line, P->tok.col,
                          "constant %%%s has more than the %" PRId64 " elements of %s", o.name,
                          numel, ts);
                free(ts);
                return false;
            }
            if (!txp_element(P, o.type.dtype)) return false;
            count++;
        }
        if (count != numel) {
            char *ts = txp_type_str(P->g, &o.type);
            txp_error(P, P->tok.line, P->tok.col,
                      "constant %%%s has %" PRId64 " elements but %s holds %" PRId64, o.name, count,
                      ts, numel);
            free(ts);
            return false;
        }
        if (!txp_next(P)) return false;
        v = ir_const_add(P->g, o.name, &o.type, P->bytes, nbytes, true);
    }
    ir_value(P->g, v)->arena_offset = o.offset;
    return true;
}

/* ---- nodes ------------------------------------------------------------------------------- */

static uint64_t txp_hash(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Index of the node named `name`, or -1. */
static int txp_names_find(const TxpParser *P, const char *name) {
    if (!P->names_cap) return -1;
    size_t mask = P->names_cap - 1;
    for (size_t i = txp_hash(name) & mask;; i = (i + 1) & mask) {
        int slot = P->names[i];
        if (!slot) return -1;
        if (strcmp(P->g->nodes[slot - 1].name, name) == 0) return slot - 1;
    }
}

static void txp_names_put(int *slots, size_t cap, const IrGraph *g, int node) {
    size_t mask = cap - 1;
    size_t i = txp_hash(g->nodes[node].name) & mask;
    while (slots[i]) i = (i + 1) & mask;
    slots[i] = node + 1;
}

/* Records node `node` (already in the graph) in the name set, growing it at half load. */
static void txp_names_add(TxpParser *P, int node) {
    if ((P->names_used + 1) * 2 > P->names_cap) {
        size_t cap = P->names_cap ? P->names_cap * 2 : 64;
        int *slots = calloc(cap, sizeof *slots);
        KILN_ASSERT(slots != NULL);
        for (size_t i = 0; i < P->names_cap; i++)
            if (P->names[i]) txp_names_put(slots, cap, P->g, P->names[i] - 1);
        free(P->names);
        P->names = slots;
        P->names_cap = cap;
    }
    txp_names_put(P->names, P->names_cap, P->g, node);
    P->names_used++;
}

/* attr := NAME '=' ( INTEGER | FLOAT | STRING | '[' [num {',' num}] ']' ). The name must be in
 * op's schema and the kind written must be the schema's kind; an empty list takes the schema's
 * list kind. The attribute goes to P->attrs with its lists copied into the arena. */
static bool txp_attr(TxpParser *P, IrOp op) {
    if (P->tok.kind != TXP_IDENT && P->tok.kind != TXP_STRING)
        return txp_expected(P, "an attribute name");
    const char *opname = ir_op_info(op)->name;
    const IrAttrSpec *spec = ir_op_attr_spec(op, P->str.s);
    if (!spec) {
        TxtBuf known = {0};
        for (const IrAttrSpec *s = ir_op_info(op)->attrs; s->name; s++) {
            if (known.len) txt_puts(&known, ", ");
            txt_puts(&known, s->name);
        }
        txp_error(P, P->tok.line, P->tok.col, "%s has no attribute '%s' (%s%s)", opname, P->str.s,
                  known.len ? "it takes: " : "it takes none", known.len ? known.s : "");
        free(known.s);
        return false;
    }
    for (size_t i = 0; i < P->n_attrs; i++)
        if (strcmp(P->attrs[i].name, spec->name) == 0)
            return txp_error(P, P->tok.line, P->tok.col, "attribute '%s' is given twice",
                             spec->name);
    if (!txp_next(P) || !txp_expect_punct(P, '=')) return false;

    IrAttr a;
    memset(&a, 0, sizeof a);
    a.name = spec->name;
    int line = P->tok.line, col = P->tok.col;
    bool list = txp_is_punct(P, '[');
    if (list) {
        if (!txp_next(P)) return false;
        if (txp_is_punct(P, ']'))
            a.kind = spec->kind == IR_ATTR_FLOATS ? IR_ATTR_FLOATS : IR_ATTR_INTS;
        else if (txp_tok_is_int(P))
            a.kind = IR_ATTR_INTS;
        else if (txp_tok_is_float(P))
            a.kind = IR_ATTR_FLOATS;
        else
            return txp_expected(P, "a number or ']'");
    } else if (P->tok.kind == TXP_STRING) {
        a.kind = IR_ATTR_STRING;
    } else if (txp_tok_is_int(P)) {
        a.kind = IR_ATTR_INT;
    } else if (txp_tok_is_float(P)) {
        a.kind = IR_ATTR_FLOAT;
    } else {
        return txp_expected(P, "an attribute value (integer, float, string or list)");
    }
    if (a.kind != spec->kind)
        return txp_error(P, line, col, "attribute '%s' of %s must be %s, got %s", spec->name,
                         opname, ir_attr_kind_name(spec->kind), ir_attr_kind_name(a.kind));

    switch (a.kind) {
    case IR_ATTR_INT:
        if (!txp_int(P, &a.i, "an integer")) return false;
        break;
    case IR_ATTR_FLOAT:
        if (!txp_f64(P, false, &a.f)) return false;
        break;
    case IR_ATTR_STRING:
        if (!txp_take_string(P, &a.s, "a string")) return false;
        break;
    case IR_ATTR_INTS:
    case IR_ATTR_FLOATS: {
        P->n_ints = P->n_floats = 0;
        while (!txp_is_punct(P, ']')) {
            if ((P->n_ints || P->n_floats) && !txp_expect_punct(P, ',')) return false;
            int64_t iv;
            double fv;
            if (a.kind == IR_ATTR_INTS) {
                if (!txp_int(P, &iv, "an integer (the list started with one)") ||
                    !TXP_PUSH(P, P->ints, P->n_ints, P->cap_ints, iv))
                    return false;
            } else {
                if (!txp_f64(P, false, &fv) ||
                    !TXP_PUSH(P, P->floats, P->n_floats, P->cap_floats, fv))
                    return false;
            }
        }
        if (!txp_next(P)) return false;
        size_t n = a.kind == IR_ATTR_INTS ? P->n_ints : P->n_floats;
        size_t esize = a.kind == IR_ATTR_INTS ? sizeof(int64_t) : sizeof(double);
        void *copy = ir_alloc(P->g, n ? n * esize : 1);
        if (n)
            memcpy(copy, a.kind == IR_ATTR_INTS ? (void *)P->ints : (void *)P->floats, n * esize);
        a.ints = a.kind == IR_ATTR_INTS ? copy : NULL;
        a.floats = a.kind == IR_ATTR_FLOATS ? copy : NULL;
        a.count = (int)n;
        break;
    }
    }
    return TXP_PUSH(P, P->attrs, P->n_attrs, P->cap_attrs, a);
}

/* Checks input/output counts, omitted inputs and required attributes against op's schema. */
static bool txp_node_schema(TxpParser *P, IrOp op, int line, int col) {
    const IrOpInfo *info = ir_op_info(op);
    int n_ins = (int)P->n_ins, n_outs = (int)P->n_outs;
    if (n_ins < info->min_inputs || (info->max_inputs >= 0 && n_ins > info->max_inputs)) {
        if (info->max_inputs < 0)
            return txp_error(P, line, col, "%s takes at least %d inputs, got %d", info->name,
                             info->min_inputs, n_ins);
        return txp_error(P, line, col, "%s takes %d to %d inputs, got %d", info->name,
                         info->min_inputs, info->max_inputs, n_ins);
    }
    if (n_outs < info->min_outputs || n_outs > info->max_outputs)
        return txp_error(P, line, col, "%s has %d to %d outputs, got %d", info->name,
                         info->min_outputs, info->max_outputs, n_outs);
    for (int i = 0; i < info->min_inputs; i++)
        if (P->ins[i] < 0)
            return txp_error(P, line, col, "input %d of %s is required and cannot be '_'", i,
                             info->name);
    for (const IrAttrSpec *s = info->attrs; s->name; s++) {
        if (!s->required) continue;
        bool found = false;
        for (size_t i = 0; i < P->n_attrs; i++)
            found = found || strcmp(P->attrs[i].name, s->name) == 0;
        if (!found)
            return txp_error(P, line, col, "%s needs the attribute '%s'", info->name, s->name);
    }
    return true;
}

/* Re-records inference's messages (which start with "SOURCE: ") at the node's line. */
static void txp_relay(TxpParser *P, const Diag *tmp, int line, int col) {
    size_t plen = strlen(P->g->source_path);
    for (int i = 0; i < tmp->count; i++) {
        const char *m = tmp->messages[i];
        if (plen && strncmp(m, P->g->source_path, plen) == 0 && strncmp(m + plen, ": ", 2) == 0)
            m += plen + 2;
        P->failed = false; /* each message of the batch is reported */
        txp_error(P, line, col, "%s", m);
    }
    P->failed = true;
}

/* Runs shape inference on node ni and checks its written output types equal the result. */
static bool txp_node_types(TxpParser *P, int ni, int line, int col) {
    const IrNode *n = ir_node(P->g, ni);
    IrType *in = calloc((size_t)n->n_inputs + 1, sizeof *in);
    IrType *out = calloc((size_t)n->n_outputs + 1, sizeof *out);
    KILN_ASSERT(in && out);
    for (int i = 0; i < n->n_inputs; i++) {
        if (n->inputs[i] < 0)
            in[i].rank = -1;
        else
            in[i] = ir_value(P->g, n->inputs[i])->type;
    }
    Diag tmp;
    diag_init(&tmp);
    bool ok = ir_infer_node(P->g, n, in, out, &tmp);
    if (!ok) {
        if (tmp.count == 0) diag_error(&tmp, "shape inference failed");
        txp_relay(P, &tmp, line, col);
    }
    for (int i = 0; ok && i < n->n_outputs; i++) {
        const IrValue *v = ir_value(P->g, n->outputs[i]);
        if (ir_type_equal(&v->type, &out[i])) continue;
        char *have = txp_type_str(P->g, &v->type), *want = txp_type_str(P->g, &out[i]);
        ok = txp_error(P, P->outs[i].line, P->outs[i].col,
                       "%%%s is written as %s but %s computes %s", v->name, have,
                       ir_op_info(n->op)->name, want);
        free(have);
        free(want);
    }
    diag_free(&tmp);
    free(in);
    free(out);
    return ok;
}

/* node := [decl {',' decl} '='] OP '(' [input {',' input}] ')' ['{' attr {',' attr} '}']
 *         ['name' STRING] ['loc' '(' STRING ',' STRING ')'] ; input := VALUE | '_' */
static bool txp_node(TxpParser *P) {
    P->n_outs = P->n_ins = P->n_attrs = 0;
    if (P->tok.kind == TXP_VALUE) {
        for (;;) {
            TxpOut o;
            if (!txp_value_decl(P, &o)) return false;
            for (size_t i = 0; i < P->n_outs; i++)
                if (strcmp(P->outs[i].name, o.name) == 0)
                    return txp_error(P, o.line, o.col, "value %%%s is defined twice", o.name);
            if (!TXP_PUSH(P, P->outs, P->n_outs, P->cap_outs, o)) return false;
            if (!txp_is_punct(P, ',')) break;
            if (!txp_next(P)) return false;
        }
        if (!txp_expect_punct(P, '=')) return false;
    }
    int line = P->tok.line, col = P->tok.col;
    IrOp op;
    if (P->tok.kind != TXP_IDENT) return txp_expected(P, "an op name");
    if (!ir_op_parse(P->str.s, &op)) return txp_error(P, line, col, "unknown op '%s'", P->str.s);
    if (!txp_next(P) || !txp_expect_punct(P, '(')) return false;
    while (!txp_is_punct(P, ')')) {
        if (P->n_ins && !txp_expect_punct(P, ',')) return false;
        int v = -1;
        if (txp_is_word(P, "_")) {
            if (!txp_next(P)) return false;
        } else if (!txp_value_ref(P, &v)) {
            return false;
        }
        if (!TXP_PUSH(P, P->ins, P->n_ins, P->cap_ins, v)) return false;
    }
    if (!txp_next(P)) return false;
    if (txp_is_punct(P, '{')) {
        if (!txp_next(P)) return false;
        while (!txp_is_punct(P, '}')) {
            if (P->n_attrs && !txp_expect_punct(P, ',')) return false;
            if (!txp_attr(P, op)) return false;
        }
        if (!txp_next(P)) return false;
    }
    const char *name = P->n_outs ? P->outs[0].name : NULL;
    int name_line = line, name_col = col;
    if (txp_is_word(P, "name")) {
        if (!txp_next(P)) return false;
        name_line = P->tok.line, name_col = P->tok.col;
        if (!txp_take_string(P, &name, "the node name as a quoted string")) return false;
    }
    const char *loc_file = NULL, *loc_name = NULL;
    if (txp_is_word(P, "loc")) {
        if (!txp_next(P) || !txp_expect_punct(P, '(') ||
            !txp_take_string(P, &loc_file, "the source file as a quoted string") ||
            !txp_expect_punct(P, ',') ||
            !txp_take_string(P, &loc_name, "the source node name as a quoted string") ||
            !txp_expect_punct(P, ')'))
            return false;
    }
    if (!txp_node_schema(P, op, line, col)) return false;
    if (!name) return txp_error(P, line, col, "a node without outputs needs a name clause");
    if (txp_names_find(P, name) >= 0)
        return txp_error(P, name_line, name_col, "a node named '%s' already exists", name);

    int *outs = ir_alloc(P->g, sizeof *outs * (P->n_outs + 1));
    for (size_t i = 0; i < P->n_outs; i++) {
        outs[i] = ir_value_add(P->g, P->outs[i].name, &P->outs[i].type);
        ir_value(P->g, outs[i])->arena_offset = P->outs[i].offset;
    }
    int ni = ir_node_add(P->g, op, name, P->ins, (int)P->n_ins, outs, (int)P->n_outs);
    txp_names_add(P, ni);
    for (size_t i = 0; i < P->n_attrs; i++) {
        const IrAttr *a = &P->attrs[i];
        switch (a->kind) {
        case IR_ATTR_INT:
            ir_attr_set_int(P->g, ni, a->name, a->i);
            break;
        case IR_ATTR_FLOAT:
            ir_attr_set_float(P->g, ni, a->name, a->f);
            break;
        case IR_ATTR_STRING:
            ir_attr_set_string(P->g, ni, a->name, a->s);
            break;
        case IR_ATTR_INTS:
            ir_attr_set_ints(P->g, ni, a->name, a->ints, a->count);
            break;
        case IR_ATTR_FLOATS:
            ir_attr_set_floats(P->g, ni, a->name, a->floats, a->count);
            break;
        }
    }
    if (loc_file) {
        IrNode *n = ir_node(P->g, ni);
        n->loc.file = loc_file;
        n->loc.name = loc_name;
    }
    return txp_node_types(P, ni, line, col);
}

/* ---- file -------------------------------------------------------------------------------- */

static bool txp_skip_newlines(TxpParser *P) {
    while (P->tok.kind == TXP_NEWLINE)
        if (!txp_next(P)) return false;
    return true;
}

/* One statement after the header, dispatched on its first token. */
static bool txp_statement(TxpParser *P) {
    if (txp_is_word(P, "arena_bytes")) {
        if (P->have_arena_bytes)
            return txp_error(P, P->tok.line, P->tok.col, "arena_bytes is given twice");
        P->have_arena_bytes = true;
        return txp_next(P) && txp_size(P, &P->g->arena_bytes, "the arena size in bytes");
    }
    if (txp_is_word(P, "weights_dir")) return txp_weights_dir(P);
    if (txp_is_word(P, "symbol")) return txp_next(P) && txp_symbol(P);
    if (txp_is_word(P, "input")) return txp_next(P) && txp_input(P);
    if (txp_is_word(P, "const")) return txp_next(P) && txp_const(P);
    if (txp_is_word(P, "output")) return txp_next(P) && txp_output(P);
    if (txp_is_word(P, "meta")) return txp_next(P) && txp_meta(P);
    if (txp_is_word(P, "state")) return txp_next(P) && txp_state(P);
    if (txp_is_word(P, "entry")) return txp_next(P) && txp_entry(P);
    IrOp op;
    if (P->tok.kind == TXP_VALUE || (P->tok.kind == TXP_IDENT && ir_op_parse(P->str.s, &op)))
        return txp_node(P);
    return txp_expected(P, "a statement (symbol, input, const, output, meta, state, entry or a "
                           "node)");
}

static bool txp_file(TxpParser *P, const char *base_dir) {
    if (!txp_next(P) || !txp_skip_newlines(P) || !txp_header(P)) return false;
    P->g = ir_graph_new(P->str.s, P->path, base_dir);
    if (!txp_next(P) || !txp_end_statement(P)) return false;
    for (;;) {
        if (!txp_skip_newlines(P)) return false;
        if (P->tok.kind == TXP_EOF) return true;
        if (!txp_statement(P) || !txp_end_statement(P)) return false;
    }
}

/* Parses a .kir text into a verified graph, or returns NULL with messages in d. */
IrGraph *ir_parse_string(const char *text, const char *path, const char *base_dir,
                         IrConstLoader loader, void *loader_user, Diag *d) {
    TxpParser P;
    memset(&P, 0, sizeof P);
    P.path = path ? path : "";
    P.d = d;
    P.p = P.line_start = text;
    P.line = 1;
    P.loader = loader;
    P.loader_user = loader_user;
    bool ok = txp_file(&P, base_dir);
    if (ok && !ir_verify(P.g, d)) ok = false;
    free(P.str.s);
    free(P.ints);
    free(P.floats);
    free(P.bytes);
    free(P.ins);
    free(P.outs);
    free(P.attrs);
    free(P.names);
    if (!ok) {
        ir_graph_free(P.g);
        return NULL;
    }
    return P.g;
}
