/* The list of backends, chosen by --target, and the default API prefix. */
#include "backend.h"

#include <ctype.h>
#include <string.h>

const CgBackend *cgc_backend_get(void); /* codegen/c/cgc_backend.c */

const CgBackend *cg_backend_find(const char *name) {
    const CgBackend *all[] = {cgc_backend_get()};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (name && strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}

const char *cg_default_prefix(const IrGraph *g, char *buf, size_t cap) {
    KILN_ASSERT(cap > 0);
    size_t len = 0;
    const char *name = g->name ? g->name : "";
    if (!isalpha((unsigned char)name[0])) {
        for (const char *s = "m_"; *s && len + 1 < cap; s++) buf[len++] = *s;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p && len + 1 < cap; p++)
        buf[len++] = isalnum(*p) || *p == '_' ? (char)tolower(*p) : '_';
    buf[len] = '\0';
    return buf;
}
