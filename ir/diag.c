/* Diagnostics: formatting and storage of user-facing error messages. */
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

static void diag_push(Diag *d, char *msg) {
    if (d->count == d->capacity) {
        d->capacity = d->capacity ? d->capacity * 2 : 4;
        d->messages = diag_xrealloc(d->messages, (size_t)d->capacity * sizeof *d->messages);
    }
    d->messages[d->count++] = msg;
}

static void diag_vat(Diag *d, const char *file, const char *node, const char *op, const char *fmt,
                     va_list ap) {
    DiagBuf b = {0};
    diag_buf_puts(&b, "");
    if (file && *file) {
        diag_buf_put_escaped(&b, file);
        diag_buf_puts(&b, ": ");
    }
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
    diag_push(d, b.s);
}

void diag_at(Diag *d, const char *file, const char *node, const char *op, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vat(d, file, node, op, fmt, ap);
    va_end(ap);
}

void diag_error(Diag *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    diag_vat(d, NULL, NULL, NULL, fmt, ap);
    va_end(ap);
}

void diag_print(const Diag *d, FILE *f) {
    for (int i = 0; i < d->count; i++) fprintf(f, "%s\n", d->messages[i]);
}

void kiln_assert_fail(const char *expr, const char *file, int line) {
    fprintf(stderr, "kiln: internal error: assertion '%s' failed at %s:%d\n", expr, file, line);
    fflush(stderr);
    abort();
}
