/* A small .npy helper for the shell tests, so they need no numpy:
 *
 *   npy_tool compare GOT.npy WANT.npy TOL      same dtype and shape, and every element within
 *                                              TOL x max(1, |want|) of WANT (nan matches nan)
 *   npy_tool compare-text TEXT WANT.npy TOL    the same against whitespace-separated numbers
 *   npy_tool pattern OUT.npy ROWS COLS         f32[ROWS, COLS] with x[i] = (i % 17) / 8 - 1, the
 *                                              input examples/embed/main.c builds
 *
 * Exit status 0 when the check holds, 1 otherwise (with the reason on stderr). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/npy.h"

static bool tool_read(const char *path, IrTensor *t) {
    Diag d;
    diag_init(&d);
    bool ok = npy_read(path, t, &d);
    diag_print(&d, stderr);
    diag_free(&d);
    return ok;
}

/* Compares got[0..n-1] with want elementwise; prints the worst error. */
static int tool_compare_values(const char *what, const double *got, const IrTensor *want,
                               double tol) {
    int64_t n = ir_tensor_numel(want);
    double worst = 0;
    int bad = 0;
    for (int64_t i = 0; i < n; i++) {
        double w = ir_tensor_get(want, i), g = got[i];
        if (isnan(w) && isnan(g)) continue;
        double err = fabs(g - w), bound = tol * (fabs(w) > 1 ? fabs(w) : 1);
        if (err > worst || isnan(err)) worst = err;
        if (!(err <= bound)) {
            if (bad++ < 5)
                fprintf(stderr, "%s[%lld]: got %.9g want %.9g\n", what, (long long)i, g, w);
        }
    }
    printf("%s: %lld elements, max abs error %.3g, %d over tolerance\n", what, (long long)n, worst,
           bad);
    return bad ? 1 : 0;
}

static int tool_compare(const char *got_path, const char *want_path, double tol) {
    IrTensor got, want;
    if (!tool_read(got_path, &got)) return 1;
    if (!tool_read(want_path, &want)) {
        ir_tensor_free(&got);
        return 1;
    }
    int rc = 0;
    bool same = got.dtype == want.dtype && got.rank == want.rank;
    for (int i = 0; same && i < got.rank; i++) same = got.dims[i] == want.dims[i];
    if (!same) {
        fprintf(stderr, "%s and %s differ in dtype or shape\n", got_path, want_path);
        rc = 1;
    } else {
        int64_t n = ir_tensor_numel(&got);
        double *g = malloc((size_t)(n ? n : 1) * sizeof *g);
        for (int64_t i = 0; i < n; i++) g[i] = ir_tensor_get(&got, i);
        rc = tool_compare_values(got_path, g, &want, tol);
        free(g);
    }
    ir_tensor_free(&got);
    ir_tensor_free(&want);
    return rc;
}

static int tool_compare_text(const char *text_path, const char *want_path, double tol) {
    IrTensor want;
    if (!tool_read(want_path, &want)) return 1;
    FILE *f = fopen(text_path, "r");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", text_path);
        ir_tensor_free(&want);
        return 1;
    }
    int64_t n = ir_tensor_numel(&want), count = 0;
    double *g = malloc((size_t)(n ? n : 1) * sizeof *g);
    double v;
    while (fscanf(f, "%lf", &v) == 1) {
        if (count < n) g[count] = v;
        count++;
    }
    bool at_end = feof(f);
    fclose(f);
    int rc;
    if (!at_end || count != n) {
        fprintf(stderr, "%s: read %lld numbers%s, want %lld\n", text_path, (long long)count,
                at_end ? "" : " then text", (long long)n);
        rc = 1;
    } else {
        rc = tool_compare_values(text_path, g, &want, tol);
    }
    free(g);
    ir_tensor_free(&want);
    return rc;
}

static int tool_pattern(const char *out, long rows, long cols) {
    int64_t dims[2] = {rows, cols};
    IrTensor t;
    if (rows < 0 || cols < 0 || !ir_tensor_alloc(&t, IR_DTYPE_F32, 2, dims)) return 1;
    float *x = t.data;
    for (int64_t i = 0; i < rows * cols; i++) x[i] = (float)(i % 17) / 8.0f - 1.0f;
    Diag d;
    diag_init(&d);
    bool ok = npy_write(out, &t, &d);
    diag_print(&d, stderr);
    diag_free(&d);
    ir_tensor_free(&t);
    return ok ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "compare") == 0)
        return tool_compare(argv[2], argv[3], atof(argv[4]));
    if (argc == 5 && strcmp(argv[1], "compare-text") == 0)
        return tool_compare_text(argv[2], argv[3], atof(argv[4]));
    if (argc == 5 && strcmp(argv[1], "pattern") == 0)
        return tool_pattern(argv[2], atol(argv[3]), atol(argv[4]));
    fprintf(stderr, "usage: npy_tool compare GOT WANT TOL | compare-text TEXT WANT TOL | "
                    "pattern OUT ROWS COLS\n");
    return 2;
}
