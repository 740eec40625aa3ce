/* Tensor helpers for `kiln run`: seeded random inputs, one-line summaries, output file names. */
#include "cli.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: small, seedable, and the same on every platform. */
static uint64_t cli_rng_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void cli_fill_random(IrTensor *t, uint64_t *rng) {
    int64_t n = ir_tensor_numel(t);
    for (int64_t i = 0; i < n; i++) {
        uint64_t r = cli_rng_next(rng);
        double u = -1.0 + 2.0 * (double)(r >> 11) * (1.0 / 9007199254740992.0);
        int bit = (int)(r >> 63);
        switch (t->dtype) {
        case IR_DTYPE_F32:
            ((float *)t->data)[i] = (float)u;
            break;
        case IR_DTYPE_F64:
            ((double *)t->data)[i] = u;
            break;
        case IR_DTYPE_F16:
            ((uint16_t *)t->data)[i] = ir_f32_to_f16((float)u);
            break;
        case IR_DTYPE_BF16:
            ((uint16_t *)t->data)[i] = ir_f32_to_bf16((float)u);
            break;
        case IR_DTYPE_I8:
            ((int8_t *)t->data)[i] = (int8_t)bit;
            break;
        case IR_DTYPE_U8:
        case IR_DTYPE_BOOL:
            ((uint8_t *)t->data)[i] = (uint8_t)bit;
            break;
        case IR_DTYPE_I32:
            ((int32_t *)t->data)[i] = bit;
            break;
        case IR_DTYPE_I64:
            ((int64_t *)t->data)[i] = bit;
            break;
        case IR_DTYPE_COUNT:
            KILN_ASSERT(!"bad dtype");
            break;
        }
    }
}

/* Writes name with control bytes and backslashes escaped, so output stays one line each. */
static void cli_put_escaped(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || c == '\\')
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
}

void cli_print_summary(FILE *f, const char *name, const IrTensor *t) {
    cli_put_escaped(f, name);
    fprintf(f, ": %s[", ir_dtype_name(t->dtype));
    for (int i = 0; i < t->rank; i++) fprintf(f, "%s%" PRId64, i ? ", " : "", t->dims[i]);
    fputc(']', f);
    int64_t n = ir_tensor_numel(t);
    if (n == 0) {
        fputs(" (empty)\n", f);
        return;
    }
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    int64_t nans = 0;
    for (int64_t i = 0; i < n; i++) {
        double v = ir_tensor_get(t, i);
        if (isnan(v)) {
            nans++;
            continue;
        }
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        sum += v;
    }
    if (nans == n) {
        fputs(" all nan\n", f);
        return;
    }
    fprintf(f, " min %.4f max %.4f mean %.4f", lo, hi, sum / (double)(n - nans));
    if (nans) fprintf(f, " (%" PRId64 " nan)", nans);
    fputc('\n', f);
}

char *cli_output_file_name(const char *name, Diag *d) {
    enum { CLI_MAX_FILE_NAME = 200 };
    char buf[CLI_MAX_FILE_NAME + 8];
    size_t n = 0;
    if (*name == '\0') {
        memcpy(buf, "%00", 3);
        n = 3;
    }
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        bool keep = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
                    (*p == '.' && p != (const unsigned char *)name);
        if (n + 3 > CLI_MAX_FILE_NAME) {
            diag_error(d, "output name '%s' is too long to be a file name", name);
            return NULL;
        }
        if (keep) {
            buf[n++] = (char)*p;
        } else {
            snprintf(buf + n, 4, "%%%02X", *p);
            n += 3;
        }
    }
    memcpy(buf + n, ".npy", 5);
    return strdup(buf);
}
