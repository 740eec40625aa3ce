/* Diagnostics: formatting and storage of user-facing errors and warnings. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(Diag *d) {
    memset(d, 0, sizeof *d);
}

void diag_free(Diag *d) {
    for (int i = 0; i < d->count; i++) free(d->messages[i]);
    free(d->messages);
    for (int i = 0; i < d->n_warnings; i++) free(d->warnings[i]);
    free(d->warnings);
    memset(d, 0, sizeof *d);
}

static void *diag_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n);
    KILN_ASSERT(q != NULL);
    return q;
}

/* Growable string used while formatting one message. */
typedef struct DiagBuf {
    char *s;
    size_t len, cap;
} DiagBuf;

static void diag_buf_putc(DiagBuf *b, char c) {
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 128;
        b->s = diag_xrealloc(b->s, b->cap);
    }
    b->s[b->len++] = c;
    b->s[b->len] = '\0';
}

static void diag_buf_puts(DiagBuf *b, const char *s) {
    while (*s) diag_buf_putc(b, *s++);
}

/* Names come from user files: escape control bytes so one message stays one line. */
static void diag_buf_put_escaped(DiagBuf *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f) {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
            diag_buf_puts(b, tmp);
        } else {
            diag_buf_putc(b, (char)c);
        }
    }
}

static void diag_buf_vprintf(DiagBuf *b, const char *fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    char *tmp = diag_xrealloc(NULL, (size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    diag_buf_put_escaped(b, tmp);
    free(tmp);
}

/* Appends msg to the list *list of *count entries and *cap capacity. */
static void diag_push(char ***list, int *count, int *cap, char *msg) {
    if (*count == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        *list = diag_xrealloc(*list, (size_t)*cap * sizeof **list);
    }
    (*list)[(*count)++] = msg;
}

/* Formats "FILE: [warning: ]node 'NODE' (OP): message" and records it as an error or a
 * warning. */
static void diag_vat(Diag *d, bool warning, const char *file, const char *node, const char *op,
                     const char *fmt, va_list ap) {
    DiagBuf b = {0};
    diag_buf_puts(&b, "");
    if (file && *file) {
        diag_buf_put_escaped(&b, file);
        diag_buf_puts(&b, ": ");
    }
    if (warning) diag_buf_puts(&b, "warning: ");
    if (node) {
        diag_buf_puts(&b, "node '");
        diag_buf_put_escaped(&b, node);
        diag_buf_puts(&b, "'");
        if (op) {
            diag_buf_puts(&b, " (");
            diag_buf_put_escaped(&b, op);
            diag_buf_puts(&b, ")");
        }
        diag_buf_puts(&b, ": ");
    } else if (op) {
        diag_buf_puts(&b, "op ");
        diag_buf_put_escaped(&b, op);
        diag_buf_puts(&b, ": ");
    }
    diag_buf_vprintf(&b, fmt, ap);
    if (warning)
        diag_push(&d->warnings, &d->n_warnings, &d->cap_warnings, b.s);
    else
        diag_push(&d->messages, &d->count, &d->capacity, b.s);
}

void diag_at(Diag *d, const char *file, const char *node, const char *op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vat(d, false, file, node, op, fmt, ap);
    va_end(ap);
}

void diag_error(Diag *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vat(d, false, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
}

void diag_warn_at(Diag *d, const char *file, const char *node, const char *op, const char *fmt,
                  ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vat(d, true, file, node, op, fmt, ap);
    va_end(ap);
}

void diag_print(const Diag *d, FILE *f) {
    for (int i = 0; i < d->n_warnings; i++) fprintf(f, "%s\n", d->warnings[i]);
    for (int i = 0; i < d->count; i++) fprintf(f, "%s\n", d->messages[i]);
}

void kiln_assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "kiln: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    fflush(stderr);
    abort();
}
