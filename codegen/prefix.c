/* The C identifier prefix of a generated API: the default one from a graph's name, and the
 * names kept for the runtime (codegen/backend.h). Apart from the backend registry, so that a
 * backend can check a prefix without calling back into the file that lists it. */
#include "backend.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

bool cg_prefix_reserved(const char *p) {
    static const char *const reserved[] = {"krt", "kiln"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        size_t n = strlen(reserved[i]);
        if (strncasecmp(p, reserved[i], n) == 0 && (p[n] == '\0' || p[n] == '_')) return true;
    }
    return false;
}

const char *cg_default_prefix(const IrGraph *g, char *buf, size_t cap) {
    KILN_ASSERT(cap > 0);
    size_t len = 0;
    const char *name = g->name ? g->name : "";
    if (!isalpha((unsigned char)name[0]) || cg_prefix_reserved(name)) {
        for (const char *s = "m_"; *s && len + 1 < cap; s++) buf[len++] = *s;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p && len + 1 < cap; p++)
        buf[len++] = isalnum(*p) || *p == '_' ? (char)tolower(*p) : '_';
    buf[len] = '\0';
    return buf;
}
