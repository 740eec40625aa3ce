/* See fe_test_files.h. */
#include "fe_test_files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fe_test_path(const char *dir, const char *name) {
    static char bufs[4][4096];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

bool fe_test_write(const char *path, const void *bytes, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return false;
    bool ok = len == 0 || fwrite(bytes, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

bool fe_test_write_st(const char *path, const char *header, const void *data, size_t data_len) {
    size_t hlen = strlen(header);
    size_t total = 8 + hlen + data_len;
    unsigned char *buf = malloc(total ? total : 1);
    if (!buf) return false;
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
    memcpy(buf + 8, header, hlen);
    for (size_t i = 0; i < data_len; i++)
        buf[8 + hlen + i] =
            data ? ((const unsigned char *)data)[i] : (unsigned char)((i * 7) & 0xff);
    bool ok = fe_test_write(path, buf, total);
    free(buf);
    return ok;
}

bool fe_test_diag_has(const Diag *d, const char *want) {
    for (int i = 0; i < d->count; i++)
        if (strstr(d->messages[i], want)) return true;
    fprintf(stderr, "  expected a message containing \"%s\"; got %d message(s):\n", want, d->count);
    for (int i = 0; i < d->count; i++) fprintf(stderr, "    %s\n", d->messages[i]);
    return false;
}
