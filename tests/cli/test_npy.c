/* .npy reading and writing: round trips of every dtype, numpy's exact header layout, and one
 * malformed file per way of being wrong, each with the message it must produce. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tools/npy.h"

static const IrDtype npy_test_dtypes[] = {IR_DTYPE_F32, IR_DTYPE_F16, IR_DTYPE_F64, IR_DTYPE_I8,
                                          IR_DTYPE_U8,  IR_DTYPE_I32, IR_DTYPE_I64, IR_DTYPE_BOOL};

static bool diag_has(const Diag *d, const char *needle) {
    for (int i = 0; i < d->count; i++)
        if (strstr(d->messages[i], needle)) return true;
    return false;
}

/* Fills t with bytes that are valid for its dtype (bool: 0/1) and differ per element. */
static void fill_pattern(IrTensor *t) {
    unsigned char *b = t->data;
    for (size_t i = 0; i < t->nbytes; i++)
        b[i] =
            t->dtype == IR_DTYPE_BOOL ? (unsigned char)(i % 3 == 0) : (unsigned char)(i * 37 + 11);
}

static bool same_tensor(const IrTensor *a, const IrTensor *b) {
    if (a->dtype != b->dtype || a->rank != b->rank || a->nbytes != b->nbytes) return false;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return false;
    return a->nbytes == 0 || memcmp(a->data, b->data, a->nbytes) == 0;
}

static void test_round_trips(void) {
    static const int64_t shapes[][3] = {{2, 3, 0}, {5, 0, 0}, {0, 0, 0}, {4, 0, 3}, {1, 1, 7}};
    static const int ranks[] = {2, 1, 0, 3, 3};
    const char *dir = test_tmpdir("npy");
    CHECK(dir != NULL);
    for (size_t k = 0; k < sizeof npy_test_dtypes / sizeof npy_test_dtypes[0]; k++) {
        for (size_t s = 0; s < sizeof ranks / sizeof ranks[0]; s++) {
            IrTensor t, back;
            CHECK(ir_tensor_alloc(&t, npy_test_dtypes[k], ranks[s], shapes[s]));
            fill_pattern(&t);
            Diag d;
            diag_init(&d);
            void *buf;
            size_t len;
            CHECK(npy_format(&t, "mem", &buf, &len, &d));
            CHECK(len % 64 == t.nbytes % 64); /* data starts 64-byte aligned */
            CHECK(npy_parse(buf, len, "mem", &back, &d));
            CHECK(same_tensor(&t, &back));
            ir_tensor_free(&back);
            free(buf);

            char path[4200];
            snprintf(path, sizeof path, "%s/t_%zu_%zu.npy", dir ? dir : ".", k, s);
            CHECK(npy_write(path, &t, &d));
            CHECK(npy_read(path, &back, &d));
            CHECK(same_tensor(&t, &back));
            CHECK(diag_ok(&d));
            ir_tensor_free(&back);
            ir_tensor_free(&t);
            diag_free(&d);
        }
    }
}

/* The header must be byte for byte what numpy.save writes. */
static void test_numpy_layout(void) {
    int64_t dims[2] = {2, 3};
    IrTensor t;
    CHECK(ir_tensor_alloc(&t, IR_DTYPE_F32, 2, dims));
    Diag d;
    diag_init(&d);
    void *buf;
    size_t len;
    CHECK(npy_format(&t, "mem", &buf, &len, &d));
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    const unsigned char *b = buf;
    CHECK(len == 128 + 24);
    CHECK(memcmp(b, "\x93NUMPY\x01\x00", 8) == 0);
    CHECK(b[8] == 118 && b[9] == 0);
    CHECK(memcmp(b + 10, want, strlen(want)) == 0);
    CHECK(b[127] == '\n' && b[126] == ' ');
    free(buf);
    ir_tensor_free(&t);

    int64_t one = 5;
    CHECK(ir_tensor_alloc(&t, IR_DTYPE_I64, 1, &one));
    CHECK(npy_format(&t, "mem", &buf, &len, &d));
    CHECK(strstr((const char *)buf + 10, "'shape': (5,), }") != NULL);
    free(buf);
    ir_tensor_free(&t);
    diag_free(&d);
}

static void test_bf16_refused(void) {
    int64_t n = 4;
    IrTensor t;
    CHECK(ir_tensor_alloc(&t, IR_DTYPE_BF16, 1, &n));
    Diag d;
    diag_init(&d);
    void *buf;
    size_t len;
    CHECK(!npy_format(&t, "out.npy", &buf, &len, &d));
    CHECK(diag_has(&d, "out.npy: dtype bf16 has no .npy equivalent"));
    ir_tensor_free(&t);
    diag_free(&d);
}

/* Builds a .npy image: magic, version, header text padded like numpy, then data_len bytes. */
static unsigned char *make_npy(int major, const char *header, size_t data_len, size_t *len) {
    size_t prefix = major == 1 ? 10 : 12;
    size_t hlen = strlen(header) + 1;
    size_t total = (prefix + hlen + 63) / 64 * 64;
    size_t padded_hlen = total - prefix;
    unsigned char *b = calloc(total + data_len + 1, 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    b[8] = (unsigned char)(padded_hlen & 0xff);
    b[9] = (unsigned char)(padded_hlen >> 8);
    memcpy(b + prefix, header, strlen(header));
    memset(b + prefix + strlen(header), ' ', padded_hlen - strlen(header) - 1);
    b[total - 1] = '\n';
    *len = total + data_len;
    return b;
}

/* Parses header + data_len bytes and checks the outcome: want_msg NULL means success. */
static void check_case(const char *label, int major, const char *header, size_t data_len,
                       const char *want_msg) {
    size_t len;
    unsigned char *b = make_npy(major, header, data_len, &len);
    Diag d;
    diag_init(&d);
    IrTensor t;
    bool ok = npy_parse(b, len, "case.npy", &t, &d);
    bool good = want_msg ? (!ok && diag_has(&d, want_msg)) : ok;
    if (!good) {
        fprintf(stderr, "case '%s': got %s\n", label, ok ? "success" : "error:");
        diag_print(&d, stderr);
    }
    CHECK(good);
    if (ok) ir_tensor_free(&t);
    diag_free(&d);
    free(b);
}

static void test_headers(void) {
    const char *f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    check_case("valid v1", 1, f4, 24, NULL);
    check_case("valid v2", 2, f4, 24, NULL);
    check_case("valid v3", 3, f4, 24, NULL);
    check_case("keys in another order", 1,
               "{'shape': (3,), 'fortran_order': False, 'descr': '<i8'}", 24, NULL);
    check_case("scalar", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", 8, NULL);
    check_case("one-byte type with '<'", 1,
               "{'descr': '<u1', 'fortran_order': False, 'shape': (4,), }", 4, NULL);
    check_case("fortran order", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24,
               "case.npy: Fortran-ordered arrays are not supported");
    check_case("big-endian", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24,
               "unsupported dtype '>f4'");
    check_case("complex", 1, "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", 8,
               "unsupported dtype '<c8'");
    check_case("data too short", 1, f4, 23, "data is 23 bytes but dtype <f4 and the shape need 24");
    check_case("data too long", 1, f4, 25, "data is 25 bytes");
    check_case("dim overflow", 1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0,
               "shape entry overflows");
    check_case("numel overflow", 1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", 0,
               "element count overflows");
    check_case("bytes overflow", 1,
               "{'descr': '<i8', 'fortran_order': False, 'shape': (4611686018427387904,), }", 0,
               "byte size overflows");
    check_case("negative dim", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 0,
               "non-negative integers");
    check_case("rank too high", 1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4,
               "more than 8 dimensions");
    check_case("one-element shape without comma", 1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", 12, "(N,)");
    check_case("missing shape", 1, "{'descr': '<f4', 'fortran_order': False, }", 4,
               "needs the keys");
    check_case("unknown key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
               4, "unknown key 'x'");
    check_case("duplicate key", 1,
               "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4,
               "duplicate key 'descr'");
    check_case("trailing garbage", 1,
               "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", 4,
               "trailing characters");
    check_case("unterminated string", 1, "{'descr': '<f4", 4, "unterminated string");
    check_case("bad fortran value", 1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", 4,
               "True or False");
    check_case("not a dict", 1, "['<f4']", 0, "expected '{'");
    check_case("bool zeros", 1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2,
               NULL);

    /* Raw byte-level cases. */
    Diag d;
    diag_init(&d);
    IrTensor t;
    CHECK(!npy_parse("\x93NUMPX\x01\x00\x10\x00", 10, "m.npy", &t, &d));
    CHECK(diag_has(&d, "m.npy: not a .npy file"));
    diag_free(&d);
    diag_init(&d);
    CHECK(!npy_parse("\x93NUMPY\x04\x00\x10\x00", 10, "m.npy", &t, &d));
    CHECK(diag_has(&d, "unsupported .npy format version 4.0"));
    diag_free(&d);
    diag_init(&d);
    CHECK(!npy_parse("\x93NUMPY\x01\x00\xff\x00{", 11, "m.npy", &t, &d));
    CHECK(diag_has(&d, "runs past the end of the file"));
    diag_free(&d);
    diag_init(&d);
    CHECK(!npy_parse("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12, "m.npy", &t, &d));
    CHECK(diag_has(&d, "exceeds the limit"));
    diag_free(&d);
    diag_init(&d);
    CHECK(!npy_parse("\x93NU", 3, "m.npy", &t, &d));
    CHECK(diag_has(&d, "not a .npy file"));
    diag_free(&d);

    /* A bool array holding 2 is refused. */
    size_t len;
    unsigned char *b =
        make_npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }", 2, &len);
    b[len - 1] = 2;
    diag_init(&d);
    CHECK(!npy_parse(b, len, "b.npy", &t, &d));
    CHECK(diag_has(&d, "bool element 1 holds 2"));
    diag_free(&d);
    free(b);

    diag_init(&d);
    CHECK(!npy_read("/nonexistent/kiln/x.npy", &t, &d));
    CHECK(diag_has(&d, "/nonexistent/kiln/x.npy: cannot open"));
    diag_free(&d);
}

int main(void) {
    test_round_trips();
    test_numpy_layout();
    test_bf16_refused();
    test_headers();
    return test_finish();
}
