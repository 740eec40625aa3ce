/* OnnxMap: a string -> int hash map with open addressing and linear probing. */
#include <stdlib.h>
#include <string.h>

#include "onnx_internal.h"

static size_t onnx_hash(const char *s) {
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void onnx_map_free(OnnxMap *m) {
    for (size_t i = 0; i < m->cap; i++) free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

int onnx_map_get(const OnnxMap *m, const char *key) {
    if (m->cap == 0) return -1;
    for (size_t i = onnx_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return -1;
        if (strcmp(m->keys[i], key) == 0) return m->vals[i];
    }
}

static void onnx_map_grow(OnnxMap *m) {
    OnnxMap n = {0};
    n.cap = m->cap ? m->cap * 2 : 64;
    n.keys = calloc(n.cap, sizeof *n.keys);
    n.vals = calloc(n.cap, sizeof *n.vals);
    KILN_ASSERT(n.keys && n.vals);
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        size_t j = onnx_hash(m->keys[i]) & (n.cap - 1);
        while (n.keys[j]) j = (j + 1) & (n.cap - 1);
        n.keys[j] = m->keys[i];
        n.vals[j] = m->vals[i];
    }
    n.count = m->count;
    free(m->keys);
    free(m->vals);
    *m = n;
}

void onnx_map_put(OnnxMap *m, const char *key, int val) {
    if ((m->count + 1) * 2 > m->cap) onnx_map_grow(m);
    size_t i = onnx_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) {
        m->keys[i] = strdup(key);
        KILN_ASSERT(m->keys[i] != NULL);
        m->count++;
    }
    m->vals[i] = val;
}
