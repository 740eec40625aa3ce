/* The registry of backends chosen by --target, the support check every compile runs before it
 * writes anything, and the default API prefix. */
#include "backend.h"

#include <string.h>

const CgBackend *cgc_backend_get(void);  /* codegen/c/cgc_backend.c */
const CgBackend *cgcu_backend_get(void); /* codegen/cuda/cgcu_backend.c */
const CgBackend *cgl_backend_get(void);  /* codegen/llvm/cgl_backend.c */

/* Every backend built into kiln, the default first. A function rather than a table of
 * pointers because each backend's struct lives in its own file. */
static const CgBackend *cg_registry(int i) {
    switch (i) {
    case 0:
        return cgc_backend_get();
    case 1:
        return cgcu_backend_get();
    case 2:
        return cgl_backend_get();
    default:
        return NULL;
    }
}

int cg_backend_count(void) {
    int n = 0;
    while (cg_registry(n)) n++;
    return n;
}

const CgBackend *cg_backend_at(int i) {
    return i >= 0 ? cg_registry(i) : NULL;
}

const CgBackend *cg_backend_find(const char *name) {
    for (int i = 0; name && cg_registry(i); i++)
        if (strcmp(cg_registry(i)->name, name) == 0) return cg_registry(i);
    return NULL;
}

const CgBackend *cg_backend_for_target(const char *name, Diag *d) {
    const CgBackend *b = name ? cg_backend_find(name) : cg_registry(0);
    if (b) return b;
    char known[512] = "";
    size_t len = 0;
    for (int i = 0; cg_registry(i) && len < sizeof known; i++)
        len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "",
                                cg_registry(i)->name);
    diag_error(d, "unknown target '%s' (known: %s; --target list describes them)", name, known);
    return NULL;
}

bool cg_backend_check(const CgBackend *b, const IrGraph *g, Diag *d) {
    bool ok = true;
    for (int i = 0; i < g->n_nodes; i++) {
        char reason[512] = "";
        if (b->supports(g, &g->nodes[i], reason, sizeof reason)) continue;
        ir_node_error(d, g, &g->nodes[i], "the %s backend does not support this: %s", b->name,
                      reason[0] ? reason : "no reason given");
        ok = false;
    }
    return ok;
}

bool cg_emit(const CgBackend *b, const IrGraph *g, const CgOptions *opt, Diag *d) {
    CgModule m;
    memset(&m, 0, sizeof m); /* cg_module_free is safe when cg_lower never ran */
    /* every node is checked before anything is lowered or written */
    bool ok = cg_backend_check(b, g, d) && cg_lower(g, &m, d) && b->emit(&m, opt, d);
    cg_module_free(&m);
    return ok;
}
