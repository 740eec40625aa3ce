/* Renders a row of the scalar table (ir/scalar.h) as a C expression: its template with the
 * operands, the parameters as exact literals, the computing type's suffix and name substituted.
 * Every C emitter of an elementwise formula (core ops, Unary/Binary, fused programs) goes
 * through here, so the formulas live only in the table. */
#include "cgc.h"

#include <string.h>

/* Appends s to buf[*len..cap); false when it does not fit. */
static bool cgc_scalar_put(char *buf, size_t cap, size_t *len, const char *s) {
    size_t n = strlen(s);
    if (*len + n >= cap) return false;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
    return true;
}

bool cgc_scalar_expr(const CgcEmitter *e, const IrNode *n, IrScalar fn, const char *const *operands,
                     const double *params, const char *ctype, const char *suffix, char *buf,
                     size_t cap) {
    const IrScalarInfo *s = ir_scalar_info(fn);
    char lits[3][72];
    for (int k = 0; k < s->n_params; k++) {
        char lit[64];
        if (!cgc_double_literal(params[k], suffix, lit, sizeof lit)) {
            char msg[96];
            snprintf(msg, sizeof msg, "the parameters of %s must be finite", s->mnemonic);
            return cgc_node_fail(e, n, msg);
        }
        snprintf(lits[k], sizeof lits[k], "(%s)", lit); /* "-$A" must not become "--1.0f" */
    }
    size_t len = 0;
    bool ok = cap > 0;
    if (ok) buf[0] = '\0';
    for (const char *t = s->tmpl; ok && *t; t++) {
        char one[2] = {*t, '\0'};
        const char *put = one;
        if (*t == '@') {
            put = suffix;
        } else if (*t == '$') {
            char c = *++t;
            KILN_ASSERT(c != '\0');
            if (c == '0' || c == '1') {
                KILN_ASSERT(c - '0' < s->arity);
                put = operands[c - '0'];
            } else if (c == 'T') {
                put = ctype;
            } else {
                int k = c == 'A' ? 0 : c == 'B' ? 1 : 2;
                KILN_ASSERT((c == 'A' || c == 'B' || c == 'G') && k < s->n_params);
                put = lits[k];
            }
        }
        ok = cgc_scalar_put(buf, cap, &len, put);
    }
    return ok || cgc_node_fail(e, n, "a scalar expression is too long");
}
