/* .npy reading and writing. The layout of a .npy file:
 *
 *   bytes 0..5   magic "\x93NUMPY"
 *   byte  6, 7   format version major, minor (1.0, 2.0 or 3.0)
 *   then         header length: u16 little-endian (v1) or u32 little-endian (v2, v3)
 *   then         header: a Python dict literal {'descr': '<f4', 'fortran_order': False,
 *                'shape': (2, 3), } padded with spaces and ended by '\n'
 *   then         the elements, packed, row-major, exactly numel x element size bytes
 *
 * The header is untrusted text: it is parsed by a small strict parser (not evaluated), and every
 * number in it is checked for overflow before use. */
#include "npy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "frontend/file.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* The .npy spelling of each supported dtype; bf16 has none. */
typedef struct NpyDtypeName {
    IrDtype dtype;
    const char *descr;
} NpyDtypeName;

static const NpyDtypeName npy_dtype_names[] = {
    {IR_DTYPE_F32, "<f4"}, {IR_DTYPE_F16, "<f2"}, {IR_DTYPE_F64, "<f8"}, {IR_DTYPE_I8, "|i1"},
    {IR_DTYPE_U8, "|u1"},  {IR_DTYPE_I32, "<i4"}, {IR_DTYPE_I64, "<i8"}, {IR_DTYPE_BOOL, "|b1"},
};
#define NPY_N_DTYPES ((int)(sizeof npy_dtype_names / sizeof npy_dtype_names[0]))

static const char *npy_descr_of(IrDtype t) {
    for (int i = 0; i < NPY_N_DTYPES; i++)
        if (npy_dtype_names[i].dtype == t) return npy_dtype_names[i].descr;
    return NULL;
}

/* Accepts the spellings numpy writes; one-byte types may carry any byte-order mark since byte
 * order does not apply to them. */
static bool npy_dtype_of(const char *descr, IrDtype *out) {
    for (int i = 0; i < NPY_N_DTYPES; i++) {
        const char *want = npy_dtype_names[i].descr;
        if (strcmp(descr, want) == 0) {
            *out = npy_dtype_names[i].dtype;
            return true;
        }
        if (want[0] == '|' && strlen(descr) == 3 && strchr("<>=|", descr[0]) &&
            strcmp(descr + 1, want + 1) == 0) {
            *out = npy_dtype_names[i].dtype;
            return true;
        }
    }
    return false;
}

/* ---- header parser ------------------------------------------------------------------------ */

typedef struct NpyHeader {
    const char *p, *end; /* cursor into the header text */
    const char *name;    /* for messages */
    Diag *d;
    char descr[32];
    bool have_descr, have_fortran, have_shape;
    bool fortran_order;
    int rank;
    int64_t dims[IR_MAX_RANK];
} NpyHeader;

static void npy_skip_space(NpyHeader *h) {
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t')) h->p++;
}

static bool npy_expect(NpyHeader *h, char c, const char *what) {
    npy_skip_space(h);
    if (h->p >= h->end || *h->p != c) {
        diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: expected '%c' %s", c, what);
        return false;
    }
    h->p++;
    return true;
}

/* A Python string literal in single or double quotes, without escapes (numpy never writes
 * any). */
static bool npy_parse_string(NpyHeader *h, char *buf, size_t cap) {
    npy_skip_space(h);
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) {
        diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: expected a quoted string");
        return false;
    }
    char quote = *h->p++;
    const char *close = h->p;
    while (close < h->end && *close != quote && *close != '\n') close++;
    if (close >= h->end || *close != quote) {
        diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: unterminated string");
        return false;
    }
    size_t n = (size_t)(close - h->p);
    if (memchr(h->p, '\\', n) || n + 1 > cap) {
        diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: string with %s",
                memchr(h->p, '\\', n) ? "escapes" : "too many characters");
        return false;
    }
    memcpy(buf, h->p, n);
    h->p = close;
    h->p++;
    buf[n] = '\0';
    return true;
}

static bool npy_parse_bool(NpyHeader *h, bool *out) {
    npy_skip_space(h);
    size_t left = (size_t)(h->end - h->p);
    if (left >= 4 && memcmp(h->p, "True", 4) == 0) {
        h->p += 4;
        *out = true;
        return true;
    }
    if (left >= 5 && memcmp(h->p, "False", 5) == 0) {
        h->p += 5;
        *out = false;
        return true;
    }
    diag_at(h->d, h->name, NULL, NULL,
            "malformed .npy header: fortran_order must be True or False");
    return false;
}

/* A non-negative decimal integer that fits int64. */
static bool npy_parse_dim(NpyHeader *h, int64_t *out) {
    npy_skip_space(h);
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') {
        diag_at(h->d, h->name, NULL, NULL,
                "malformed .npy header: shape entries must be non-negative integers");
        return false;
    }
    int64_t v = 0;
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        int digit = *h->p++ - '0';
        if (v > (INT64_MAX - digit) / 10) {
            diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: shape entry overflows");
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* A Python tuple of integers: (), (5,), (2, 3) or (2, 3,). */
static bool npy_parse_shape(NpyHeader *h) {
    if (!npy_expect(h, '(', "to open the shape tuple")) return false;
    h->rank = 0;
    bool trailing_comma = false;
    for (;;) {
        npy_skip_space(h);
        if (h->p < h->end && *h->p == ')') break;
        if (h->rank == IR_MAX_RANK) {
            diag_at(h->d, h->name, NULL, NULL, "shape has more than %d dimensions", IR_MAX_RANK);
            return false;
        }
        if (!npy_parse_dim(h, &h->dims[h->rank++])) return false;
        npy_skip_space(h);
        trailing_comma = false;
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            trailing_comma = true;
            continue;
        }
        break;
    }
    if (!npy_expect(h, ')', "to close the shape tuple")) return false;
    if (h->rank == 1 && !trailing_comma) {
        diag_at(h->d, h->name, NULL, NULL,
                "malformed .npy header: a one-element shape must be written (N,)");
        return false;
    }
    return true;
}

static bool npy_parse_header(NpyHeader *h) {
    if (!npy_expect(h, '{', "at the start of the header")) return false;
    for (;;) {
        npy_skip_space(h);
        if (h->p < h->end && *h->p == '}') break;
        char key[32];
        if (!npy_parse_string(h, key, sizeof key)) return false;
        if (!npy_expect(h, ':', "after a key")) return false;
        bool *seen;
        bool ok;
        if (strcmp(key, "descr") == 0) {
            seen = &h->have_descr;
            ok = npy_parse_string(h, h->descr, sizeof h->descr);
        } else if (strcmp(key, "fortran_order") == 0) {
            seen = &h->have_fortran;
            ok = npy_parse_bool(h, &h->fortran_order);
        } else if (strcmp(key, "shape") == 0) {
            seen = &h->have_shape;
            ok = npy_parse_shape(h);
        } else {
            diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: unknown key '%s'", key);
            return false;
        }
        if (!ok) return false;
        if (*seen) {
            diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: duplicate key '%s'", key);
            return false;
        }
        *seen = true;
        npy_skip_space(h);
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            continue;
        }
        break;
    }
    if (!npy_expect(h, '}', "at the end of the header")) return false;
    /* Only padding may follow: spaces, then one newline at the very end. */
    npy_skip_space(h);
    if (h->p < h->end && *h->p == '\n') h->p++;
    if (h->p != h->end) {
        diag_at(h->d, h->name, NULL, NULL, "malformed .npy header: trailing characters");
        return false;
    }
    if (!h->have_descr || !h->have_fortran || !h->have_shape) {
        diag_at(h->d, h->name, NULL, NULL,
                "malformed .npy header: needs the keys 'descr', 'fortran_order' and 'shape'");
        return false;
    }
    return true;
}

/* ---- reading ------------------------------------------------------------------------------ */

static uint32_t npy_le(const unsigned char *p, int n) {
    uint32_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

bool npy_parse(const void *buf, size_t len, const char *name, IrTensor *out, Diag *d) {
    memset(out, 0, sizeof *out);
    const unsigned char *b = buf;
    if (len < 10 || memcmp(b, npy_magic, sizeof npy_magic) != 0) {
        diag_at(d, name, NULL, NULL, "not a .npy file (missing the \\x93NUMPY magic)");
        return false;
    }
    int major = b[6], minor = b[7];
    if ((major != 1 && major != 2 && major != 3) || minor != 0) {
        diag_at(d, name, NULL, NULL, "unsupported .npy format version %d.%d", major, minor);
        return false;
    }
    size_t prefix = major == 1 ? 10 : 12;
    if (len < prefix) {
        diag_at(d, name, NULL, NULL, "truncated .npy file: header length missing");
        return false;
    }
    uint32_t header_len = npy_le(b + 8, major == 1 ? 2 : 4);
    if (header_len > NPY_MAX_HEADER_BYTES) {
        diag_at(d, name, NULL, NULL, "header length %" PRIu32 " exceeds the limit of %u bytes",
                header_len, NPY_MAX_HEADER_BYTES);
        return false;
    }
    if (header_len > len - prefix) {
        diag_at(d, name, NULL, NULL,
                "truncated .npy file: header of %" PRIu32 " bytes runs past the end of the file",
                header_len);
        return false;
    }
    NpyHeader h = {0};
    h.p = (const char *)b + prefix;
    h.end = h.p + header_len;
    h.name = name;
    h.d = d;
    if (!npy_parse_header(&h)) return false;
    if (h.fortran_order) {
        diag_at(d, name, NULL, NULL,
                "Fortran-ordered arrays are not supported; save a C-ordered array "
                "(numpy.ascontiguousarray)");
        return false;
    }
    IrDtype dtype;
    if (!npy_dtype_of(h.descr, &dtype)) {
        diag_at(
            d, name, NULL, NULL,
            "unsupported dtype '%s' (supported: <f4 <f2 <f8 |i1 |u1 <i4 <i8 |b1, little-endian)",
            h.descr);
        return false;
    }
    int64_t numel = 1;
    for (int i = 0; i < h.rank; i++) {
        if (h.dims[i] != 0 && numel > INT64_MAX / h.dims[i]) {
            diag_at(d, name, NULL, NULL, "shape's element count overflows");
            return false;
        }
        numel *= h.dims[i];
    }
    size_t esize = ir_dtype_size(dtype);
    if ((uint64_t)numel > SIZE_MAX / esize) {
        diag_at(d, name, NULL, NULL, "shape's byte size overflows");
        return false;
    }
    size_t nbytes = (size_t)numel * esize;
    size_t data_len = len - prefix - header_len;
    if (data_len != nbytes) {
        diag_at(d, name, NULL, NULL,
                "data is %zu bytes but dtype %s and the shape need %zu bytes%s", data_len, h.descr,
                nbytes, data_len < nbytes ? " (file truncated?)" : "");
        return false;
    }
    const unsigned char *data = b + prefix + header_len;
    if (dtype == IR_DTYPE_BOOL) {
        for (size_t i = 0; i < nbytes; i++) {
            if (data[i] > 1) {
                diag_at(d, name, NULL, NULL, "bool element %zu holds %d, not 0 or 1", i, data[i]);
                return false;
            }
        }
    }
    if (!ir_tensor_alloc(out, dtype, h.rank, h.dims)) {
        diag_at(d, name, NULL, NULL, "cannot allocate %zu bytes", nbytes);
        memset(out, 0, sizeof *out);
        return false;
    }
    KILN_ASSERT(out->nbytes == nbytes);
    if (nbytes) memcpy(out->data, data, nbytes);
    return true;
}

bool npy_read(const char *path, IrTensor *out, Diag *d) {
    memset(out, 0, sizeof *out);
    size_t len = 0;
    /* fe_file_read refuses a FIFO or device before reading (a FIFO would block forever) */
    char *buf = fe_file_read(path, NPY_MAX_FILE_BYTES, &len, d);
    if (!buf) return false;
    bool ok = npy_parse(buf, len, path, out, d);
    free(buf);
    return ok;
}

/* ---- writing ------------------------------------------------------------------------------ */

bool npy_format(const IrTensor *t, const char *name, void **out_buf, size_t *out_len, Diag *d) {
    *out_buf = NULL;
    *out_len = 0;
    const char *descr = npy_descr_of(t->dtype);
    if (!descr) {
        diag_at(d, name, NULL, NULL, "dtype %s has no .npy equivalent; cast it to f32 first",
                ir_dtype_name(t->dtype));
        return false;
    }
    char header[512];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
    for (int i = 0; i < t->rank; i++)
        n += snprintf(header + n, sizeof header - (size_t)n, "%s%" PRId64, i ? ", " : "",
                      t->dims[i]);
    n += snprintf(header + n, sizeof header - (size_t)n, "%s), }", t->rank == 1 ? "," : "");
    KILN_ASSERT(n > 0 && (size_t)n < sizeof header - 70);
    /* Pad with spaces so the data starts on a 64-byte boundary; the header ends with '\n'. */
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t header_len = padded - 10;
    KILN_ASSERT(header_len <= 0xffff);
    if (t->nbytes > SIZE_MAX - padded) {
        diag_at(d, name, NULL, NULL, "tensor too large");
        return false;
    }
    unsigned char *buf = malloc(padded + t->nbytes);
    if (!buf) {
        diag_at(d, name, NULL, NULL, "cannot allocate %zu bytes", padded + t->nbytes);
        return false;
    }
    memcpy(buf, npy_magic, sizeof npy_magic);
    buf[6] = 1;
    buf[7] = 0;
    buf[8] = (unsigned char)(header_len & 0xff);
    buf[9] = (unsigned char)(header_len >> 8);
    memcpy(buf + 10, header, (size_t)n);
    memset(buf + 10 + n, ' ', header_len - (size_t)n - 1);
    buf[padded - 1] = '\n';
    if (t->nbytes) memcpy(buf + padded, t->data, t->nbytes);
    *out_buf = buf;
    *out_len = padded + t->nbytes;
    return true;
}

bool npy_write(const char *path, const IrTensor *t, Diag *d) {
    void *buf;
    size_t len;
    if (!npy_format(t, path, &buf, &len, d)) return false;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    KILN_ASSERT(tmp != NULL);
    snprintf(tmp, plen + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        diag_at(d, path, NULL, NULL, "cannot create: %s", strerror(errno));
        free(tmp);
        free(buf);
        return false;
    }
    FILE *f = fdopen(fd, "wb");
    bool ok = f != NULL;
    if (!f) close(fd);
    if (ok) ok = fwrite(buf, 1, len, f) == len;
    if (f && fclose(f) != 0) ok = false;
    /* mkstemp creates 0600; output files should be ordinary 0644 (less the umask). */
    if (ok) {
        mode_t mask = umask(0);
        umask(mask);
        ok = chmod(tmp, 0666 & ~mask) == 0;
    }
    if (ok) ok = rename(tmp, path) == 0;
    if (!ok) {
        diag_at(d, path, NULL, NULL, "cannot write: %s", strerror(errno));
        remove(tmp);
    }
    free(tmp);
    free(buf);
    return ok;
}
