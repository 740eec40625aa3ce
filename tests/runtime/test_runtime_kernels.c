/* The runtime kernels against naive double-precision loops written straight from the op
 * definitions in ir/ops.h, plus the 16-bit conversions, float->int casts, gather bounds and
 * the weights helpers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../ir/ir.h"
#include "kiln_rt.h"
#include "test_util.h"

#define TOL 1e-5

static TestRng rng = {42};

static float *rand_f(int64_t n) {
    float *p = malloc(sizeof *p * (size_t)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++) p[i] = (float)test_rng_uniform(&rng, -1, 1);
    return p;
}

static double *zeros_d(int64_t n) {
    return calloc((size_t)(n > 0 ? n : 1), sizeof(double));
}

static void test_matmul(int64_t m, int64_t k, int64_t n) {
    float *a = rand_f(m * k), *b = rand_f(k * n), *c = rand_f(m * n);
    double *ref = zeros_d(m * n);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++)
            for (int64_t p = 0; p < k; p++) ref[i * n + j] += (double)a[i * k + p] * b[p * n + j];
    krt_matmul_f32(a, b, c, m, k, n);
    test_close("matmul", c, ref, m * n, TOL);
    free(a), free(b), free(c), free(ref);
}

static void test_linear(int64_t m, int64_t k, int64_t n, int tw, bool with_bias) {
    float *x = rand_f(m * k), *w = rand_f(k * n), *bias = rand_f(n), *y = rand_f(m * n);
    double *ref = zeros_d(m * n);
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double s = with_bias ? bias[j] : 0.0;
            for (int64_t p = 0; p < k; p++)
                s += (double)x[i * k + p] * (tw ? w[j * k + p] : w[p * n + j]);
            ref[i * n + j] = s;
        }
    krt_linear_f32(x, w, with_bias ? bias : NULL, y, m, k, n, tw);
    test_close("linear", y, ref, m * n, TOL);
    free(x), free(w), free(bias), free(y), free(ref);
}

static void test_softmax(int64_t outer, int64_t len, int64_t inner, bool in_place) {
    int64_t n = outer * len * inner;
    float *x = rand_f(n), *y = in_place ? x : rand_f(n);
    double *ref = zeros_d(n);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            double mx = -INFINITY, s = 0;
            for (int64_t j = 0; j < len; j++) mx = fmax(mx, x[(o * len + j) * inner + i]);
            for (int64_t j = 0; j < len; j++) s += exp(x[(o * len + j) * inner + i] - mx);
            for (int64_t j = 0; j < len; j++)
                ref[(o * len + j) * inner + i] = exp(x[(o * len + j) * inner + i] - mx) / s;
        }
    krt_softmax_f32(x, y, outer, len, inner);
    test_close("softmax", y, ref, n, TOL);
    if (!in_place) free(y);
    free(x), free(ref);
}

static void test_norms(int64_t rows, int64_t n) {
    float *x = rand_f(rows * n), *sc = rand_f(n), *bi = rand_f(n), *y = rand_f(rows * n);
    double *ln = zeros_d(rows * n), *rms = zeros_d(rows * n);
    for (int64_t r = 0; r < rows; r++) {
        double mean = 0, var = 0, sq = 0;
        for (int64_t j = 0; j < n; j++) mean += x[r * n + j] / (double)n;
        for (int64_t j = 0; j < n; j++) var += pow(x[r * n + j] - mean, 2) / (double)n;
        for (int64_t j = 0; j < n; j++) sq += pow(x[r * n + j], 2) / (double)n;
        for (int64_t j = 0; j < n; j++) {
            ln[r * n + j] = (x[r * n + j] - mean) / sqrt(var + 1e-5) * sc[j] + bi[j];
            rms[r * n + j] = x[r * n + j] / sqrt(sq + 1e-6) * sc[j];
        }
    }
    krt_layernorm_f32(x, sc, bi, y, rows, n, 1e-5);
    test_close("layernorm", y, ln, rows * n, TOL);
    krt_rmsnorm_f32(x, sc, y, rows, n, 1e-6);
    test_close("rmsnorm", y, rms, rows * n, TOL);
    krt_rmsnorm_f32(x, sc, x, rows, n, 1e-6); /* in place */
    test_close("rmsnorm in place", x, rms, rows * n, TOL);
    free(x), free(sc), free(bi), free(y), free(ln), free(rms);
}

static void test_rotary(int interleaved, int64_t rd, const int64_t *pos64) {
    const int64_t b = 2, s = 3, h = 2, d = 8, n = b * s * h * d;
    float *x = rand_f(n), *y = rand_f(n);
    double *ref = zeros_d(n);
    for (int64_t i = 0; i < n; i++) ref[i] = x[i];
    for (int64_t bb = 0; bb < b; bb++)
        for (int64_t t = 0; t < s; t++)
            for (int64_t hh = 0; hh < h; hh++)
                for (int64_t i = 0; i < rd / 2; i++) {
                    double p = pos64 ? (double)pos64[t] : 3.0 + (double)t;
                    double ang = p * pow(10000.0, -2.0 * (double)i / (double)rd);
                    int64_t base = ((bb * s + t) * h + hh) * d;
                    int64_t i0 = base + (interleaved ? 2 * i : i);
                    int64_t i1 = base + (interleaved ? 2 * i + 1 : i + rd / 2);
                    ref[i0] = x[i0] * cos(ang) - x[i1] * sin(ang);
                    ref[i1] = x[i0] * sin(ang) + x[i1] * cos(ang);
                }
    KrtPositions pos = {pos64, NULL, 3};
    krt_rotary_f32(x, y, b, s, h, d, rd, interleaved, 10000.0, pos);
    test_close("rotary", y, ref, n, TOL);
    krt_rotary_f32(x, x, b, s, h, d, rd, interleaved, 10000.0, pos);
    test_close("rotary in place", x, ref, n, TOL);
    free(x), free(y), free(ref);
}

static void test_attention(KrtAttnShape sh, int causal, double scale) {
    int64_t nq = sh.batch * sh.sq * sh.hq * sh.d, nk = sh.batch * sh.skv * sh.hkv * sh.d;
    int64_t nv = sh.batch * sh.skv * sh.hkv * sh.dv, ny = sh.batch * sh.sq * sh.hq * sh.dv;
    float *q = rand_f(nq), *k = rand_f(nk), *v = rand_f(nv), *y = rand_f(ny);
    double *ref = zeros_d(ny), *w = zeros_d(sh.skv);
    for (int64_t b = 0; b < sh.batch; b++)
        for (int64_t i = 0; i < sh.sq; i++)
            for (int64_t h = 0; h < sh.hq; h++) {
                int64_t kh = h / (sh.hq / sh.hkv), vis = causal ? i + sh.skv - sh.sq + 1 : sh.skv;
                if (vis > sh.skv) vis = sh.skv;
                double mx = -INFINITY, s = 0;
                for (int64_t j = 0; j < vis; j++) {
                    double dot = 0;
                    for (int64_t c = 0; c < sh.d; c++)
                        dot += (double)q[((b * sh.sq + i) * sh.hq + h) * sh.d + c] *
                               k[((b * sh.skv + j) * sh.hkv + kh) * sh.d + c];
                    w[j] = dot * scale;
                    mx = fmax(mx, w[j]);
                }
                for (int64_t j = 0; j < vis; j++) s += (w[j] = exp(w[j] - mx));
                for (int64_t j = 0; j < vis; j++)
                    for (int64_t c = 0; c < sh.dv; c++)
                        ref[((b * sh.sq + i) * sh.hq + h) * sh.dv + c] +=
                            w[j] / s * v[((b * sh.skv + j) * sh.hkv + kh) * sh.dv + c];
            }
    krt_attention_f32(q, k, v, y, sh, scale, causal);
    test_close("attention", y, ref, ny, TOL);
    free(q), free(k), free(v), free(y), free(ref), free(w);
}

static void test_conversions(void) {
    bool ok = true;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = krt_f16_to_f32((uint16_t)h), b = ir_f16_to_f32((uint16_t)h);
        if (memcmp(&a, &b, 4) != 0) ok = false;
        a = krt_bf16_to_f32((uint16_t)h), b = ir_bf16_to_f32((uint16_t)h);
        if (memcmp(&a, &b, 4) != 0) ok = false;
    }
    CHECK(ok);
    for (int i = 0; i < 200000; i++) {
        uint32_t bits = (uint32_t)test_rng_next(&rng);
        float f;
        memcpy(&f, &bits, 4);
        if (krt_f32_to_f16(f) != ir_f32_to_f16(f) || krt_f32_to_bf16(f) != ir_f32_to_bf16(f))
            ok = false;
    }
    CHECK(ok);
    CHECK(krt_cvt_i32(-2.9) == -2 && krt_cvt_i32(2.9) == 2 && krt_cvt_i32(NAN) == 0);
    CHECK(krt_cvt_u8(-3.5) == 253 && krt_cvt_i8(130.0) == -126 && krt_cvt_u8(1e30) == 255);
    CHECK(krt_cvt_i64(-1e300) == INT64_MIN && krt_cvt_i64(1e19) == INT64_MAX);
}

static void test_gather(void) {
    const int32_t data[6] = {1, 2, 3, 4, 5, 6}; /* [3, 2] */
    int32_t out[4] = {0};
    const int64_t idx[2] = {-1, 0};
    CHECK(krt_gather_i64(data, idx, out, 1, 3, 2, 2 * sizeof(int32_t)));
    CHECK(out[0] == 5 && out[1] == 6 && out[2] == 1 && out[3] == 2);
    const int32_t bad[2] = {0, 3}, bad_neg[1] = {-4};
    CHECK(!krt_gather_i32(data, bad, out, 1, 3, 2, 8));
    CHECK(!krt_gather_i32(data, bad_neg, out, 1, 3, 1, 8));
}

static void test_weights(void) {
    unsigned char blob[64 + 128] = "KILNWTS1";
    blob[8] = 1;
    blob[16] = 128;
    blob[24] = 0xab;
    CHECK(krt_weights_check(blob, sizeof blob, 128, 0xab));
    CHECK(!krt_weights_check(blob, sizeof blob - 1, 128, 0xab));
    CHECK(!krt_weights_check(blob, sizeof blob, 128, 0xac));
    CHECK(!krt_weights_check(blob, 10, 128, 0xab));
    const char *dir = test_tmpdir("rt-weights");
    char path[4200];
    snprintf(path, sizeof path, "%s/w.bin", dir);
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(blob, 1, sizeof blob, f) == sizeof blob);
    if (f) fclose(f);
    void *buf = NULL;
    CHECK(krt_read_file(path, sizeof blob, &buf) == KRT_LOAD_OK && buf &&
          (uintptr_t)buf % 64 == 0 && memcmp(buf, blob, sizeof blob) == 0);
    free(buf);
    CHECK(krt_read_file(path, sizeof blob + 1, &buf) == KRT_LOAD_SIZE && !buf);
    CHECK(krt_read_file(path, sizeof blob - 1, &buf) == KRT_LOAD_SIZE && !buf);
    snprintf(path, sizeof path, "%s/missing.bin", dir);
    CHECK(krt_read_file(path, 10, &buf) == KRT_LOAD_IO);
}

int main(void) {
    test_matmul(1, 1, 1);
    test_matmul(7, 13, 5);
    test_matmul(33, 130, 300); /* crosses both block sizes */
    test_linear(9, 17, 6, 1, true);
    test_linear(4, 8, 3, 1, false);
    test_linear(5, 70, 11, 0, true);
    test_softmax(3, 7, 1, false);
    test_softmax(2, 5, 4, true);
    test_norms(4, 33);
    test_rotary(0, 8, NULL);
    test_rotary(1, 8, NULL);
    test_rotary(0, 4, NULL);
    test_rotary(1, 6, (const int64_t[]){7, 0, 100});
    test_attention((KrtAttnShape){2, 3, 3, 2, 2, 8, 8}, 0, 1.0 / sqrt(8.0));
    test_attention((KrtAttnShape){1, 3, 5, 4, 2, 8, 6}, 1, 0.3);
    test_attention((KrtAttnShape){1, 5, 2, 2, 1, 4, 3}, 1, 0.5); /* early queries see nothing */
    test_conversions();
    test_gather();
    test_weights();
    return test_finish();
}
