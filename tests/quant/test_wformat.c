/* Weight formats (ir/wformat.h, runtime/krt_wformat.h, docs/quantization.md): the table and
 * the runtime agree on every layout; quantize -> dequantize stays within half a step per
 * element on odd sizes (zero blocks, one-sided blocks); every portable kernel (matvec, matmul,
 * pooled, gather) against a double reference on the dequantized weights; the verifier's rule on
 * who may read a packed constant; and the text form of a packed constant. The byte layout
 * itself is checked against numpy in test_wformat_numpy.py. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../ir/ir.h"
#include "../../ir/text.h"
#include "kiln_rt.h"
#include "test_util.h"

/* An input dimension that every format can take, and one only the elementwise formats and i8
 * can (odd). */
static int64_t pick_k(IrWFormat f, bool odd) {
    int64_t b = ir_wformat_info(f)->block;
    if (b > 1) return odd ? 3 * b : 2 * b;
    return odd ? 37 : 64;
}

static void fill(TestRng *r, float *x, int64_t n, double lo, double hi) {
    for (int64_t i = 0; i < n; i++) x[i] = (float)test_rng_uniform(r, lo, hi);
}

static void test_table(void) {
    for (int f = 0; f < IR_WFMT_COUNT; f++) {
        IrWFormat back;
        CHECK(ir_wformat_parse(ir_wformat_name((IrWFormat)f), &back) && back == (IrWFormat)f);
        for (int odd = 0; odd < 2; odd++) {
            int64_t k = pick_k((IrWFormat)f, odd);
            size_t row = 0;
            CHECK(ir_wformat_row_bytes((IrWFormat)f, k, &row));
            /* the runtime computes the same row size from its own copy of the layout */
            CHECK(row == krt_wf_row_bytes(f, k));
        }
    }
    IrWFormat f;
    CHECK(!ir_wformat_parse("i4g16", &f) && !ir_wformat_parse("I8", &f));
    CHECK(ir_wformat_parse("f32", &f) && f == IR_WFMT_DENSE);
    size_t bytes;
    CHECK(!ir_wformat_row_bytes(IR_WFMT_I4G32, 48, &bytes)); /* 48 is not a multiple of 32 */
    CHECK(!ir_wformat_row_bytes(IR_WFMT_I4G128A, 64, &bytes));
    CHECK(ir_wformat_row_bytes(IR_WFMT_I8, 37, &bytes) && bytes == 41);
    CHECK(ir_wformat_row_bytes(IR_WFMT_I4G32, 64, &bytes) && bytes == 2 * 20);
    CHECK(ir_wformat_row_bytes(IR_WFMT_I4G128A, 256, &bytes) && bytes == 2 * 72);
    CHECK(ir_wformat_bytes(IR_WFMT_BF16, 3, 5, &bytes) && bytes == 30);
    CHECK(!ir_wformat_bytes(IR_WFMT_I8, INT64_C(1) << 40, INT64_C(1) << 30, &bytes));
}

/* The largest |x - dequant(quant(x))| allowed for element i of a row: half a step of its block
 * (plus rounding of the f32 arithmetic), or the 16-bit formats' relative rounding. */
static double allowed(IrWFormat f, const float *row, int64_t k, int64_t i) {
    if (f == IR_WFMT_F16) return fabs(row[i]) * 0x1p-11 + 1e-7;
    if (f == IR_WFMT_BF16) return fabs(row[i]) * 0x1p-8;
    const IrWFormatInfo *in = ir_wformat_info(f);
    int64_t b = in->block ? in->block : k, b0 = i / b * b;
    double lo = 0, hi = 0, amax = 0;
    for (int64_t j = b0; j < b0 + b; j++) {
        lo = fmin(lo, row[j]), hi = fmax(hi, row[j]);
        amax = fmax(amax, fabs(row[j]));
    }
    double step = in->zero_point ? (hi - lo) / 15 : amax / (in->code_bits == 8 ? 127 : 7);
    /* asymmetric: the zero point's rounding can move the grid by up to half a step too */
    return step * (in->zero_point ? 1.0 : 0.5) * (1 + 1e-5) + 1e-9;
}

static void test_round_trip(void) {
    TestRng r = {7};
    for (int f = 1; f < IR_WFMT_COUNT; f++) {
        for (int odd = 0; odd < 2; odd++) {
            int64_t k = pick_k((IrWFormat)f, odd);
            size_t row_bytes = 0;
            CHECK(ir_wformat_row_bytes((IrWFormat)f, k, &row_bytes));
            float *x = malloc(sizeof *x * (size_t)k), *y = malloc(sizeof *y * (size_t)k);
            unsigned char *p = malloc(row_bytes + 1);
            for (int kind = 0; kind < 4; kind++) {
                /* random, all zero, all positive (one-sided for the asymmetric formats), one
                 * outlier */
                fill(&r, x, k, kind == 2 ? 0.1 : -1.0, 1.0);
                if (kind == 1) memset(x, 0, sizeof *x * (size_t)k);
                if (kind == 3) x[k / 2] = 40.0f;
                ir_wformat_quantize_row((IrWFormat)f, x, k, p);
                ir_wformat_dequantize_row((IrWFormat)f, p, k, y);
                int bad = 0;
                for (int64_t i = 0; i < k; i++)
                    if (!(fabs((double)y[i] - x[i]) <= allowed((IrWFormat)f, x, k, i))) bad++;
                if (!CHECK(bad == 0))
                    fprintf(stderr, "  format %s kind %d: %d elements off\n",
                            ir_wformat_name((IrWFormat)f), kind, bad);
                if (kind == 1)
                    for (int64_t i = 0; i < k; i++) CHECK(y[i] == 0.0f);
            }
            free(x);
            free(y);
            free(p);
        }
    }
}

/* y = x . deq(w)^T + bias, in double. */
static void reference(IrWFormat f, const unsigned char *w, size_t row_bytes, const float *x,
                      const float *bias, int64_t m, int64_t k, int64_t n, double *y) {
    float *row = malloc(sizeof *row * (size_t)k);
    for (int64_t j = 0; j < n; j++) {
        if (ir_wformat_is_packed(f))
            ir_wformat_dequantize_row(f, w + (size_t)j * row_bytes, k, row);
        else
            memcpy(row, w + (size_t)j * row_bytes, sizeof *row * (size_t)k);
        for (int64_t i = 0; i < m; i++) {
            double s = bias ? bias[j] : 0.0;
            for (int64_t p = 0; p < k; p++) s += (double)x[i * k + p] * row[p];
            y[i * n + j] = s;
        }
    }
    free(row);
}

static void test_kernels(void) {
    TestRng r = {11};
    KrtPool *pool = krt_pool_create(3);
    CHECK(pool != NULL);
    for (int f = 0; f < IR_WFMT_COUNT; f++) {
        for (int odd = 0; odd < 2; odd++) {
            int64_t k = pick_k((IrWFormat)f, odd), n = odd ? 67 : 8;
            size_t row_bytes = 0;
            CHECK(ir_wformat_row_bytes((IrWFormat)f, k, &row_bytes));
            float *wf = malloc(sizeof *wf * (size_t)k);
            unsigned char *w = malloc(row_bytes * (size_t)n);
            for (int64_t j = 0; j < n; j++) {
                fill(&r, wf, k, -1.0, 1.0);
                ir_wformat_quantize_row((IrWFormat)f, wf, k, w + (size_t)j * row_bytes);
            }
            float bias[67];
            fill(&r, bias, n, -1.0, 1.0);
            const int64_t ms[3] = {1, 5, 17};
            for (int mi = 0; mi < 3; mi++) {
                int64_t m = ms[mi];
                float *x = malloc(sizeof *x * (size_t)(m * k));
                float *y = malloc(sizeof *y * (size_t)(m * n));
                float *y3 = malloc(sizeof *y3 * (size_t)(m * n));
                double *want = malloc(sizeof *want * (size_t)(m * n));
                fill(&r, x, m * k, -1.0, 1.0);
                reference((IrWFormat)f, w, row_bytes, x, bias, m, k, n, want);
                krt_linear_wf_pool(NULL, x, w, bias, y, m, k, n, f);
                char what[64];
                snprintf(what, sizeof what, "linear %s m=%lld k=%lld", ir_wformat_name(f),
                         (long long)m, (long long)k);
                CHECK(test_close(what, y, want, m * n, 2e-5));
                /* three threads: each column is computed the same way */
                krt_linear_wf_pool(pool, x, w, bias, y3, m, k, n, f);
                CHECK(memcmp(y, y3, sizeof *y * (size_t)(m * n)) == 0);
                /* the entry points of the kernel table directly, on a column range */
                memset(y3, 0, sizeof *y3 * (size_t)(m * n));
                if (m == 1)
                    krt_wf_portable[f].matvec(x, w, y3, k, 2, n);
                else
                    krt_wf_portable[f].matmul(x, w, y3, m, k, n, 2, n);
                for (int64_t i = 0; i < m; i++) {
                    CHECK(y3[i * n] == 0.0f && y3[i * n + 1] == 0.0f);
                    for (int64_t j = 2; j < n; j++)
                        CHECK(fabs(y3[i * n + j] + bias[j] - y[i * n + j]) <=
                              1e-5 * fmax(1.0, fabs(y[i * n + j])));
                }
                free(x);
                free(y);
                free(y3);
                free(want);
            }
            /* gather: rows 3, -1 (the last) and 0, dequantized exactly as the table says */
            int64_t idx[3] = {3, -1, 0};
            int32_t idx32[3] = {3, -1, 0};
            float *out = malloc(sizeof *out * (size_t)(3 * k)),
                  *row = malloc(sizeof *row * (size_t)k);
            CHECK(krt_gather_wf_i64(w, idx, out, n, 3, k, f));
            for (int t = 0; t < 3; t++) {
                int64_t i = idx[t] < 0 ? idx[t] + n : idx[t];
                ir_wformat_dequantize_row((IrWFormat)f, w + (size_t)i * row_bytes, k, row);
                CHECK(memcmp(out + t * k, row, sizeof *row * (size_t)k) == 0);
            }
            memset(out, 0, sizeof *out * (size_t)(3 * k));
            CHECK(krt_gather_wf_i32(w, idx32, out, n, 3, k, f));
            ir_wformat_dequantize_row((IrWFormat)f, w + 3 * row_bytes, k, row);
            CHECK(memcmp(out, row, sizeof *row * (size_t)k) == 0);
            int64_t bad[2] = {0, n};
            CHECK(!krt_gather_wf_i64(w, bad, out, n, 2, k, f));
            free(out);
            free(row);
            free(wf);
            free(w);
        }
    }
    krt_pool_destroy(pool);
}

/* A graph reading packed constant w[4, 32] (i4g32) through `op`. */
static IrGraph *packed_graph(IrOp op, unsigned char *data, size_t bytes) {
    IrGraph *g = ir_graph_new("packed", "packed.kir", ".");
    IrType xt = {IR_DTYPE_F32, 2, {ir_dim_const(2), ir_dim_const(32)}};
    IrType wt = {IR_DTYPE_F32, 2, {ir_dim_const(4), ir_dim_const(32)}};
    int x = ir_input_add(g, "x", op == IR_OP_ADD ? &wt : &xt);
    int w = ir_const_add_packed(g, "w", &wt, IR_WFMT_I4G32, data, bytes, true);
    IrType t;
    memset(&t, 0, sizeof t);
    int y = ir_value_add(g, "y", &t);
    int in[2] = {x, w};
    ir_node_add(g, op, "n", in, 2, &y, 1);
    ir_output_add(g, y);
    return g;
}

static void test_ir(void) {
    size_t bytes = 0;
    CHECK(ir_wformat_bytes(IR_WFMT_I4G32, 4, 32, &bytes) && bytes == 80);
    unsigned char data[80];
    TestRng r = {5};
    float row[32];
    for (int i = 0; i < 4; i++) {
        fill(&r, row, 32, -1, 1);
        ir_wformat_quantize_row(IR_WFMT_I4G32, row, 32, data + 20 * i);
    }
    Diag d;
    diag_init(&d);
    /* Linear (transpose_w=1 by default) may read it; Add may not */
    IrGraph *g = packed_graph(IR_OP_LINEAR, data, sizeof data);
    CHECK(ir_infer_shapes(g, &d) && ir_verify(g, &d));
    char *text = ir_print_to_string(g);
    CHECK(strstr(text, "= packed i4g32 \"") != NULL);
    IrGraph *back = ir_parse_string(text, "round.kir", ".", NULL, NULL, &d);
    CHECK(back != NULL);
    if (back) {
        const IrValue *w = ir_value(back, ir_value_find(back, "w"));
        CHECK(w->wformat == IR_WFMT_I4G32 && w->nbytes == 80 && memcmp(w->data, data, 80) == 0);
        ir_graph_free(back);
    }
    /* a string one byte short, and a format K does not fit */
    size_t at = (size_t)(strstr(text, "packed i4g32 \"") - text) + strlen("packed i4g32 \"");
    char *shortened = strdup(text);
    strcpy(shortened + at, text + at + 2); /* one byte (two hex digits) fewer */
    Diag e;
    diag_init(&e);
    CHECK(ir_parse_string(shortened, "short.kir", ".", NULL, NULL, &e) == NULL);
    CHECK(e.count > 0 && strstr(e.messages[0], "hex digits") != NULL);
    diag_free(&e);
    char *wrong = strdup(text);
    char *fmt = strstr(wrong, "i4g32 ");
    memcpy(fmt, "i4g64", 5);
    diag_init(&e);
    CHECK(ir_parse_string(wrong, "wrong.kir", ".", NULL, NULL, &e) == NULL);
    CHECK(e.count > 0 && strstr(e.messages[0], "multiple of 64") != NULL);
    diag_free(&e);
    free(wrong);
    free(shortened);
    free(text);
    ir_graph_free(g);

    g = packed_graph(IR_OP_ADD, data, sizeof data);
    diag_free(&d);
    diag_init(&d);
    CHECK(ir_infer_shapes(g, &d) && !ir_verify(g, &d));
    CHECK(d.count > 0 && strstr(d.messages[d.count - 1], "stored as i4g32") != NULL);
    ir_graph_free(g);
    diag_free(&d);
}

/* The 16-bit KV caches (--kv): identical, bit for bit, to the f32 kernel fed keys and values
 * already rounded to the cache's type, over two calls (a prefill of 2 rows of 3, then one). */
static void test_kv16(void) {
    enum { CAP = 8, S = 3, HQ = 4, HKV = 2, D = 5, ROW = HKV * D };
    TestRng r = {21};
    for (int bf = 0; bf < 2; bf++) {
        float kc32[2][CAP * ROW] = {{0}}, y16[S * HQ * D], y32[S * HQ * D];
        uint16_t kc16[2][CAP * ROW] = {{0}};
        int64_t pos = 0;
        for (int call = 0; call < 2; call++) {
            int64_t rows = call == 0 ? 2 : 1;
            float q[S * HQ * D], k[S * ROW], v[S * ROW], kr[S * ROW], vr[S * ROW];
            fill(&r, q, S * HQ * D, -2, 2);
            fill(&r, k, S * ROW, -2, 2);
            fill(&r, v, S * ROW, -2, 2);
            for (int i = 0; i < S * ROW; i++) {
                kr[i] = bf ? krt_bf16_to_f32(krt_f32_to_bf16(k[i]))
                           : krt_f16_to_f32(krt_f32_to_f16(k[i]));
                vr[i] = bf ? krt_bf16_to_f32(krt_f32_to_bf16(v[i]))
                           : krt_f16_to_f32(krt_f32_to_f16(v[i]));
            }
            bool ok16 = bf ? krt_kv_attention_bf16kv(q, k, v, y16, kc16[0], kc16[1], CAP, pos, rows,
                                                     S, HQ, HKV, D, 0.4)
                           : krt_kv_attention_f16kv(q, k, v, y16, kc16[0], kc16[1], CAP, pos, rows,
                                                    S, HQ, HKV, D, 0.4);
            bool ok32 = krt_kv_attention_f32(q, kr, vr, y32, kc32[0], kc32[1], CAP, pos, rows, S,
                                             HQ, HKV, D, 0.4);
            CHECK(ok16 && ok32);
            CHECK(memcmp(y16, y32, sizeof y16) == 0);
            pos += rows;
        }
        /* a call past the capacity writes nothing */
        float q[S * HQ * D] = {0}, k[S * ROW] = {0};
        CHECK(!krt_kv_attention_bf16kv(q, k, k, y16, kc16[0], kc16[1], CAP, CAP - 1, 2, S, HQ, HKV,
                                       D, 0.4));
    }
}

int main(void) {
    test_kv16();
    test_table();
    test_round_trip();
    test_kernels();
    test_ir();
    return test_finish();
}
