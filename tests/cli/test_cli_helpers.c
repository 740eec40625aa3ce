/* The CLI's pure helpers: --bind parsing, --input matching, output file names, random inputs. */
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tools/cli.h"

static bool diag_has(const Diag *d, const char *needle) {
    for (int i = 0; i < d->count; i++)
        if (strstr(d->messages[i], needle)) return true;
    return false;
}

static void test_bindings(void) {
    Diag d;
    diag_init(&d);
    CliBindings b = {0};
    CHECK(cli_bindings_parse(&b, "batch=2,seq=16", &d));
    CHECK(cli_bindings_parse(&b, "batch=2", &d)); /* same value again is fine */
    CHECK(b.count == 2);
    CHECK(strcmp(b.items[0].name, "batch") == 0 && b.items[0].value == 2);
    CHECK(strcmp(b.items[1].name, "seq") == 0 && b.items[1].value == 16);
    CHECK(cli_bindings_parse(&b, "big=9223372036854775807", &d));
    CHECK(b.items[2].value == INT64_MAX);
    CHECK(diag_ok(&d));

    static const char *const bad[][2] = {
        {"batch=3", "bound twice"},
        {"x=9223372036854775808", "too large"},
        {"x=-1", "non-negative integer"},
        {"x=1a", "non-negative integer"},
        {"x=", "has no value"},
        {"=3", "bad symbol name"},
        {"x", "expects name=value"},
        {"a-b=1", "is not a symbol name"},
        {"x=1,,y=2", "expects name=value"},
        {"x=1,", "expects name=value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Diag e;
        diag_init(&e);
        bool ok = cli_bindings_parse(&b, bad[i][0], &e);
        if (!CHECK(!ok && diag_has(&e, bad[i][1]))) fprintf(stderr, "  spec '%s'\n", bad[i][0]);
        diag_free(&e);
    }
    cli_bindings_free(&b);
    diag_free(&d);
}

static void test_match_input(void) {
    const char *names[] = {"x", "x=y", "mask"};
    Diag d;
    diag_init(&d);
    const char *path = NULL;
    CHECK(cli_match_input("x=a.npy", names, 3, &path, &d) == 0 && strcmp(path, "a.npy") == 0);
    CHECK(cli_match_input("x=y=b.npy", names, 3, &path, &d) == 1 && strcmp(path, "b.npy") == 0);
    CHECK(cli_match_input("mask=c=d.npy", names, 3, &path, &d) == 2 &&
          strcmp(path, "c=d.npy") == 0);
    CHECK(diag_ok(&d));
    CHECK(cli_match_input("z=a.npy", names, 3, &path, &d) == -1);
    CHECK(diag_has(&d, "the model has no input of that name"));
    CHECK(cli_match_input("noequals", names, 3, &path, &d) == -1);
    CHECK(diag_has(&d, "expects NAME=FILE.npy"));
    diag_free(&d);
}

static void test_output_names(void) {
    static const char *const cases[][2] = {
        {"y", "y.npy"},
        {"logits/0", "logits%2F0.npy"},
        {".hidden", "%2Ehidden.npy"},
        {"..", "%2E..npy"},
        {"", "%00.npy"},
        {"a b%", "a%20b%25.npy"},
        {"layers.0.out", "layers.0.out.npy"},
        {"\n*/", "%0A%2A%2F.npy"},
    };
    Diag d;
    diag_init(&d);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = cli_output_file_name(cases[i][0], &d);
        if (!CHECK(got && strcmp(got, cases[i][1]) == 0))
            fprintf(stderr, "  '%s' -> '%s', want '%s'\n", cases[i][0], got ? got : "(null)",
                    cases[i][1]);
        free(got);
    }
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK(cli_output_file_name(long_name, &d) == NULL);
    CHECK(diag_has(&d, "too long to be a file name"));
    diag_free(&d);
}

static void test_random(void) {
    int64_t dims[2] = {50, 40};
    IrTensor a, b, c;
    CHECK(ir_tensor_alloc(&a, IR_DTYPE_F32, 2, dims));
    CHECK(ir_tensor_alloc(&b, IR_DTYPE_F32, 2, dims));
    CHECK(ir_tensor_alloc(&c, IR_DTYPE_I32, 2, dims));
    uint64_t s1 = 5, s2 = 5, s3 = 5;
    cli_fill_random(&a, &s1);
    cli_fill_random(&b, &s2);
    cli_fill_random(&c, &s3);
    CHECK(memcmp(a.data, b.data, a.nbytes) == 0); /* same seed, same values */
    const float *x = a.data;
    const int32_t *k = c.data;
    bool in_range = true, ints_ok = true;
    double sum = 0;
    for (int i = 0; i < 2000; i++) {
        in_range = in_range && x[i] >= -1.0f && x[i] < 1.0f;
        ints_ok = ints_ok && (k[i] == 0 || k[i] == 1);
        sum += x[i];
    }
    CHECK(in_range);
    CHECK(ints_ok);
    CHECK(sum / 2000 > -0.1 && sum / 2000 < 0.1); /* roughly centred */
    ir_tensor_free(&a);
    ir_tensor_free(&b);
    ir_tensor_free(&c);
}

int main(void) {
    test_bindings();
    test_match_input();
    test_output_names();
    test_random();
    return test_finish();
}
