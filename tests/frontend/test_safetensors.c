/* safetensors reader: a valid file, and one file per validation rule, each expected to fail
 * with a message naming the problem. */
#include <stdlib.h>
#include <string.h>

#include "fe_test_files.h"
#include "frontend/safetensors.h"
#include "test_util.h"

static const char *dir;

/* Writes header + data_len bytes and expects st_open to fail with `want` in the message. */
static void expect_fail(const char *tag, const char *header, size_t data_len, const char *want) {
    const char *path = fe_test_path(dir, tag);
    CHECK(fe_test_write_st(path, header, NULL, data_len));
    Diag d;
    diag_init(&d);
    StFile *f = st_open(path, "w.safetensors", &d);
    if (!CHECK(f == NULL)) {
        fprintf(stderr, "  case %s unexpectedly opened\n", tag);
        st_close(f);
    }
    if (!CHECK(fe_test_diag_has(&d, want))) fprintf(stderr, "  in case %s\n", tag);
    CHECK(d.count > 0 && strncmp(d.messages[0], "w.safetensors: ", 15) == 0);
    diag_free(&d);
}

/* Writes raw bytes and expects failure with `want`. */
static void expect_fail_raw(const char *tag, const void *bytes, size_t len, const char *want) {
    const char *path = fe_test_path(dir, tag);
    CHECK(fe_test_write(path, bytes, len));
    Diag d;
    diag_init(&d);
    StFile *f = st_open(path, "w.safetensors", &d);
    CHECK(f == NULL);
    st_close(f);
    if (!CHECK(fe_test_diag_has(&d, want))) fprintf(stderr, "  in case %s\n", tag);
    diag_free(&d);
}

static void test_valid(void) {
    /* a: f32[2,3] at [0,24), b: i64[2] at [24,40), e: f16[0] at [40,40) */
    float a[6] = {1, 2, 3, 4, 5, 6};
    int64_t b[2] = {-7, 1LL << 40};
    unsigned char data[40];
    memcpy(data, a, 24);
    memcpy(data + 24, b, 16);
    const char *hdr = "{\"__metadata__\": {\"format\": \"pt\"},"
                      " \"b\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [24, 40]},"
                      " \"e\": {\"dtype\": \"F16\", \"shape\": [0], \"data_offsets\": [40, 40]},"
                      " \"a\": {\"dtype\": \"F32\", \"shape\": [2, 3], \"data_offsets\": [0, 24]}}"
                      "    ";
    const char *path = fe_test_path(dir, "valid.safetensors");
    CHECK(fe_test_write_st(path, hdr, data, sizeof data));
    Diag d;
    diag_init(&d);
    StFile *f = st_open(path, "valid", &d);
    if (!CHECK(f != NULL)) {
        diag_print(&d, stderr);
        diag_free(&d);
        return;
    }
    CHECK(st_count(f) == 3);
    CHECK(strcmp(st_tensor(f, 0)->name, "a") == 0); /* in offset order */
    CHECK(strcmp(st_tensor(f, 2)->name, "e") == 0 || strcmp(st_tensor(f, 1)->name, "e") == 0);
    const StTensor *ta = st_find(f, "a"), *tb = st_find(f, "b"), *te = st_find(f, "e");
    CHECK(ta && tb && te && st_find(f, "c") == NULL && st_find(f, "__metadata__") == NULL);
    if (ta && tb && te) {
        CHECK(ta->dtype == IR_DTYPE_F32 && ta->rank == 2 && ta->dims[0] == 2 && ta->dims[1] == 3);
        CHECK(ta->nbytes == 24 && memcmp(ta->data, a, 24) == 0);
        CHECK(tb->dtype == IR_DTYPE_I64 && tb->rank == 1 && tb->nbytes == 16);
        CHECK(memcmp(tb->data, b, 16) == 0);
        CHECK(te->dtype == IR_DTYPE_F16 && te->rank == 1 && te->dims[0] == 0 && te->nbytes == 0);
    }
    /* a graph adopts the mapping: data stays readable after st_close, until the graph dies */
    IrGraph *g = ir_graph_new("m", "", ".");
    st_adopt(f, g);
    st_adopt(f, g);
    const unsigned char *pa = ta ? ta->data : NULL;
    st_close(f);
    float last = 0;
    if (pa) memcpy(&last, pa + 20, 4); /* data need not be aligned: the header length is free */
    CHECK(last == 6.0f);
    ir_graph_free(g);
    diag_free(&d);
}

static void test_empty_and_header_only(void) {
    const char *path = fe_test_path(dir, "empty-header.safetensors");
    CHECK(fe_test_write_st(path, "{}", NULL, 0));
    Diag d;
    diag_init(&d);
    StFile *f = st_open(path, "x", &d);
    CHECK(f != NULL && st_count(f) == 0);
    st_close(f);
    diag_free(&d);

    /* scalar (rank 0) tensor: one element */
    path = fe_test_path(dir, "scalar.safetensors");
    CHECK(fe_test_write_st(path, "{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}",
                           NULL, 8));
    diag_init(&d);
    f = st_open(path, "x", &d);
    CHECK(f != NULL && st_find(f, "s") && st_find(f, "s")->rank == 0);
    st_close(f);
    diag_free(&d);
}

static void test_invalid(void) {
    expect_fail_raw("zero", "", 0, "file is 0 bytes");
    expect_fail_raw("short", "\x02\x00\x00", 3, "file is 3 bytes");
    unsigned char past[16] = {100, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
    expect_fail_raw("past", past, sizeof past, "runs past the end of the file");
    unsigned char cap[16] = {0, 0, 0, 0x40, 0, 0, 0, 0}; /* 1 GiB */
    expect_fail_raw("cap", cap, sizeof cap, "more than the limit");
    unsigned char huge[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    expect_fail_raw("huge", huge, sizeof huge, "more than the limit");

    expect_fail("badjson", "{\"a\": ", 0, "not valid JSON");
    expect_fail("junk", "{} x", 0, "not valid JSON");
    expect_fail("array", "[]", 0, "must be a JSON object");
    char deep[300];
    memset(deep, '[', 100);
    deep[100] = '\0';
    expect_fail("deep", deep, 0, "deeper than 64");
    char deep_obj[1000] = "{\"a\":";
    for (int i = 0; i < 80; i++) strcat(deep_obj, "{\"b\":");
    expect_fail("deepobj", deep_obj, 0, "deeper than 64");

    expect_fail("dtype", "{\"a\":{\"dtype\":\"F8\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                "unknown dtype 'F8'");
    expect_fail("nodtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
                "\"dtype\" must be a string");
    expect_fail("negdim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", 1,
                "shape[0] is negative");
    expect_fail("fracdim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1.5],\"data_offsets\":[0,1]}}", 1,
                "shape[0] must be an integer");
    expect_fail("strdim", "{\"a\":{\"dtype\":\"U8\",\"shape\":[\"n\"],\"data_offsets\":[0,1]}}", 1,
                "shape[0] must be an integer");
    expect_fail("rank9",
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}",
                1, "rank 9");
    expect_fail("size", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20,
                "need 24 bytes");
    expect_fail("overflow",
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
                "\"data_offsets\":[0,4]}}",
                4, "overflows");
    expect_fail("order", "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", 4,
                "begin after they end");
    expect_fail("offs", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", 1,
                "[begin, end]");
    expect_fail("negoff", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[-1,0]}}", 1,
                "non-negative");
    expect_fail("overlap",
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}",
                6, "overlap tensor 'a'");
    expect_fail("gap",
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[6,10]}}",
                10, "gap of 2");
    expect_fail("firstgap", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[1,5]}}", 5,
                "gap of 1");
    expect_fail("pastend", "{\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 4,
                "run past the end of the data section");
    expect_fail("trailing", "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 7,
                "3 trailing bytes");
    expect_fail("dup",
                "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
                "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}",
                8, "tensor 'a' appears twice");
    expect_fail("meta", "{\"__metadata__\":{\"k\":1}}", 0, "must be a string");
    expect_fail("entry", "{\"a\":5}", 0, "entry must be an object");
}

int main(void) {
    dir = test_tmpdir("safetensors");
    if (!CHECK(dir != NULL)) return test_finish();
    test_valid();
    test_empty_and_header_only();
    test_invalid();
    return test_finish();
}
