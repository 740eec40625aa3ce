/* See fuzz_util.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz_util.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/frontend.h"

static char fuzz_scratch[512];

static int fuzz_unlink_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void fuzz_remove_path(const char *path) {
    nftw(path, fuzz_unlink_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void fuzz_cleanup(void) {
    if (fuzz_scratch[0]) fuzz_remove_path(fuzz_scratch);
}

const char *fuzz_dir(void) {
    if (fuzz_scratch[0]) return fuzz_scratch;
    const char *base = getenv("TMPDIR");
    struct stat st;
    if (!base || !base[0]) base = stat("/dev/shm", &st) == 0 ? "/dev/shm" : "/tmp";
    snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/kiln-fuzz.XXXXXX", base);
    if (!mkdtemp(fuzz_scratch)) {
        perror("fuzz: mkdtemp");
        abort();
    }
    atexit(fuzz_cleanup);
    return fuzz_scratch;
}

char *fuzz_path(const char *name) {
    const char *dir = fuzz_dir();
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) abort();
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

void fuzz_write(const char *name, const void *data, size_t n) {
    char *path = fuzz_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    const char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            perror(path);
            abort();
        }
        p += w;
        n -= (size_t)w;
    }
    close(fd);
    free(path);
}

void fuzz_remove(const char *name) {
    char *path = fuzz_path(name);
    fuzz_remove_path(path);
    free(path);
}

IrGraph *fuzz_load_model(const char *name, const uint8_t *data, size_t size, Diag *d) {
    fuzz_write(name, data, size);
    char *path = fuzz_path(name);
    IrGraph *g = fe_load_model(path, NULL, d);
    free(path);
    return g;
}

void fuzz_split(const uint8_t *data, size_t size, const char *sep, const uint8_t **a, size_t *alen,
                const uint8_t **b, size_t *blen) {
    size_t m = strlen(sep);
    *a = data;
    *alen = size;
    *b = data + size;
    *blen = 0;
    for (size_t i = 0; m <= size && i <= size - m; i++) {
        if (memcmp(data + i, sep, m) == 0) {
            *alen = i;
            *b = data + i + m;
            *blen = size - i - m;
            return;
        }
    }
}

#define FUZZ_ST_HEADER "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]}}"
const uint8_t fuzz_good_safetensors[] = {
    sizeof FUZZ_ST_HEADER - 1, 0, 0, 0, 0, 0, 0, 0, '{', '"', 'w', '"', ':', '{', '"', 'd', 't',
    'y', 'p', 'e', '"', ':', '"', 'F', '3', '2', '"', ',', '"', 's', 'h', 'a', 'p', 'e', '"', ':',
    '[', '2', ',', '3', ']', ',', '"', 'd', 'a', 't', 'a', '_', 'o', 'f', 'f', 's', 'e', 't', 's',
    '"', ':', '[', '0', ',', '2', '4', ']', '}', '}',
    /* 1.0f .. 6.0f, little-endian */
    0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40, 0, 0,
    0xc0, 0x40};
const size_t fuzz_good_safetensors_len = sizeof fuzz_good_safetensors;
