/* Weights: checking a weights file's header and reading the file into aligned memory. */
#include "kiln_rt.h"

#include <stdio.h>
#include <stdlib.h>

static uint64_t krt_load_u64le(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static uint32_t krt_load_u32le(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

bool krt_weights_check(const void *blob, size_t bytes, uint64_t payload_bytes, uint64_t hash) {
    const unsigned char *p = blob;
    if (!p || bytes < KRT_WEIGHTS_HEADER_BYTES) return false;
    if (memcmp(p, "KILNWTS1", 8) != 0) return false;
    if (krt_load_u32le(p + 8) != KRT_WEIGHTS_VERSION) return false;
    uint64_t stored = krt_load_u64le(p + 16);
    if (stored != payload_bytes || bytes - KRT_WEIGHTS_HEADER_BYTES != stored) return false;
    return krt_load_u64le(p + 24) == hash;
}

void *krt_alloc_aligned(size_t bytes) {
    size_t rounded = bytes < 64 ? 64 : bytes;
    if (rounded % 64 != 0) {
        if (rounded > SIZE_MAX - 63) return NULL;
        rounded += 64 - rounded % 64;
    }
    void *p = aligned_alloc(64, rounded);
    if (p) memset(p, 0, rounded);
    return p;
}

KrtLoad krt_read_file(const char *path, size_t expected, void **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return KRT_LOAD_IO;
    unsigned char *buf = krt_alloc_aligned(expected);
    if (!buf) {
        fclose(f);
        return KRT_LOAD_NO_MEMORY;
    }
    size_t got = fread(buf, 1, expected, f);
    int extra = fgetc(f); /* a longer file is a different file */
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return KRT_LOAD_IO;
    }
    if (got != expected || extra != EOF) {
        free(buf);
        return KRT_LOAD_SIZE;
    }
    *out = buf;
    return KRT_LOAD_OK;
}
