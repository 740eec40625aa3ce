/* Diagnostics: the one channel user errors and warnings travel through, and the always-on
 * assert for bugs.
 *
 * A user error (bad model, unsupported op, bad flag) is recorded in a Diag and comes out as
 *     FILE: node 'NAME' (OP): message
 * (parts that are unknown are left out). A warning (the input is odd but kiln can go on, such as
 * a token id outside the vocabulary that is then ignored) comes out as
 *     FILE: warning: node 'NAME' (OP): message
 * Errors decide failure; warnings never do. The library never prints or exits on its own; the
 * CLI prints every recorded warning (also when the command succeeds) and error, and exits 1 when
 * there is an error. A broken invariant inside kiln is a bug: KILN_ASSERT prints file and line
 * and aborts, in every build type. */
#ifndef KILN_DIAG_H
#define KILN_DIAG_H

#include <stdbool.h>
#include <stdio.h>

typedef struct Diag {
    char **messages; /* errors, each fully formatted, without a trailing newline; malloc-owned */
    int count;
    int capacity;
    char **warnings; /* warnings, formatted the same way (with "warning: "); malloc-owned */
    int n_warnings;
    int cap_warnings;
} Diag;

void diag_init(Diag *d);
void diag_free(Diag *d);

/* Records "FILE: node 'NODE' (OP): message". file, node and op may each be NULL, and the
 * corresponding part is then omitted. Control characters in file and node names are escaped so
 * a hostile name cannot forge extra lines. */
void diag_at(Diag *d, const char *file, const char *node, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Records a message with no location (for example a bad command-line flag). */
void diag_error(Diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the warning "FILE: warning: node 'NODE' (OP): message", with the parts and escaping of
 * diag_at. A warning does not make diag_ok false. */
void diag_warn_at(Diag *d, const char *file, const char *node, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static inline bool diag_ok(const Diag *d) {
    return d->count == 0;
}

/* Prints every warning, then every error, one per line, to f. */
void diag_print(const Diag *d, FILE *f);

_Noreturn void kiln_assert_fail(const char *expr, const char *file, int line);

/* Always-on assert: for kiln's own invariants, never for user input. */
#define KILN_ASSERT(cond) ((cond) ? (void)0 : kiln_assert_fail(#cond, __FILE__, __LINE__))

#endif
