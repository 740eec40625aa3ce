/* Tokenizer tests: every encode and decode case that HF's `tokenizers` produced for the two
 * tokenizer variants (tests/hf/models/tokenizer_cases_*.json), plus UTF-8 and loader checks. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tools/tok.h"

static char *read_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = '\0';
    fclose(f);
    return s;
}

static void print_ids(const char *label, const int64_t *ids, size_t n) {
    fprintf(stderr, "  %s:", label);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %lld", (long long)ids[i]);
    fprintf(stderr, "\n");
}

/* ids of a JSON array into v. */
static void json_ids(const cJSON *arr, TokIds *v) {
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) tok_ids_push(v, (int64_t)x->valuedouble);
}

static int hex_digit(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

static int run_encode_cases(const Tok *t, const cJSON *cases, const char *variant) {
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        TokIds want = {0}, got = {0};
        json_ids(cJSON_GetObjectItem(c, "ids"), &want);
        tok_encode(t, text, strlen(text), &got);
        bool same = got.count == want.count &&
                    (want.count == 0 || memcmp(got.ids, want.ids, want.count * 8) == 0);
        if (!CHECK(same)) {
            fprintf(stderr, "%s encode of \"%s\":\n", variant, text);
            print_ids("want", want.ids, want.count);
            print_ids("got ", got.ids, got.count);
        }
        /* decoding the ids gives the "decoded" text */
        Diag d;
        diag_init(&d);
        TokBuf out = {0};
        CHECK(tok_decode(t, want.ids, want.count, false, &out, &d));
        const char *decoded = cJSON_GetObjectItem(c, "decoded")->valuestring;
        if (!CHECK(strcmp(tok_buf_cstr(&out), decoded) == 0))
            fprintf(stderr, "%s decode of encode(\"%s\") gave \"%s\"\n", variant, text, out.data);
        tok_buf_free(&out);
        diag_free(&d);
        tok_ids_free(&want);
        tok_ids_free(&got);
        n++;
    }
    return n;
}

static int run_decode_cases(const Tok *t, const cJSON *cases, const char *variant) {
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases) {
        const char *name = cJSON_GetObjectItem(c, "name")->valuestring;
        bool skip = cJSON_IsTrue(cJSON_GetObjectItem(c, "skip_special_tokens"));
        const char *text = cJSON_GetObjectItem(c, "text")->valuestring;
        const char *hex = cJSON_GetObjectItem(c, "bytes_hex")->valuestring;
        TokIds ids = {0};
        json_ids(cJSON_GetObjectItem(c, "ids"), &ids);
        Diag d;
        diag_init(&d);
        TokBuf out = {0}, raw = {0};
        CHECK(tok_decode(t, ids.ids, ids.count, skip, &out, &d));
        if (!CHECK(strcmp(tok_buf_cstr(&out), text) == 0))
            fprintf(stderr, "%s decode case '%s': got \"%s\", want \"%s\"\n", variant, name,
                    out.data, text);
        /* the raw bytes of the tokens, before UTF-8 repair (bytes_hex never skips specials) */
        for (size_t i = 0; i < ids.count; i++)
            CHECK(tok_token_bytes(t, ids.ids[i], false, &raw, &d));
        size_t hex_len = strlen(hex);
        bool same = raw.len * 2 == hex_len;
        for (size_t i = 0; same && i < raw.len; i++)
            same = (uint8_t)raw.data[i] == (hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
        if (!CHECK(same)) fprintf(stderr, "%s decode case '%s': raw bytes differ\n", variant, name);
        tok_buf_free(&out);
        tok_buf_free(&raw);
        tok_ids_free(&ids);
        diag_free(&d);
        n++;
    }
    return n;
}

static void run_cases(const char *cases_rel) {
    char *json = read_text(test_source_path(cases_rel));
    if (!CHECK(json != NULL)) return;
    cJSON *root = cJSON_Parse(json);
    free(json);
    if (!CHECK(root != NULL)) return;
    const char *variant = cJSON_GetObjectItem(root, "variant")->valuestring;
    char rel[256];
    snprintf(rel, sizeof rel, "tests/hf/models/%s",
             cJSON_GetObjectItem(root, "tokenizer_json")->valuestring);
    Diag d;
    diag_init(&d);
    Tok *t = tok_load(test_source_path(rel), &d);
    if (!CHECK(t != NULL)) {
        diag_print(&d, stderr);
    } else {
        CHECK(tok_vocab_size(t) == (int64_t)cJSON_GetObjectItem(root, "vocab_size")->valuedouble);
        int ne = run_encode_cases(t, cJSON_GetObjectItem(root, "encode"), variant);
        int nd = run_decode_cases(t, cJSON_GetObjectItem(root, "decode"), variant);
        printf("%s: %d encode cases, %d decode cases\n", variant, ne, nd);
        CHECK(ne >= 30 && nd >= 20);
        tok_free(t);
    }
    diag_free(&d);
    cJSON_Delete(root);
}

static void expect_lossy(const char *in, size_t n, const char *want) {
    TokBuf b = {0};
    tok_utf8_lossy(&b, (const uint8_t *)in, n);
    if (!CHECK(strcmp(tok_buf_cstr(&b), want) == 0)) fprintf(stderr, "lossy gave \"%s\"\n", b.data);
    tok_buf_free(&b);
}

static void test_utf8(void) {
    expect_lossy("a\xE4\xBD", 3, "a\xEF\xBF\xBD");
    expect_lossy("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    expect_lossy("\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD");
    expect_lossy("\xF0\x9F\x98\x80!", 5, "\xF0\x9F\x98\x80!");
    expect_lossy("\xF0\x9F\x98x", 4, "\xEF\xBF\xBDx");
    CHECK(tok_utf8_complete_prefix((const uint8_t *)"ab\xF0\x9F", 4) == 2);
    CHECK(tok_utf8_complete_prefix((const uint8_t *)"ab\xFF", 3) == 3);
    CHECK(tok_utf8_complete_prefix((const uint8_t *)"\xE4\xBD\xA0", 3) == 3);
    CHECK(tok_is_letter('a') && tok_is_letter(0x4E2D) && !tok_is_letter('1'));
    CHECK(tok_is_number('7') && tok_is_number(0x0663) && !tok_is_number('x'));
    CHECK(tok_is_space(0x3000) && tok_is_space('\t') && !tok_is_space(0x200B));
}

/* The pieces the scanners cut, checked against what the regexes give by hand. */
static void test_pretok(void) {
    static const struct {
        int kind, digits;
        const char *text;
        int n;
        const char *pieces[8];
    } cases[] = {
        {TOK_PRE_GPT2, 0, "a  b", 3, {"a", " ", " b"}},
        {TOK_PRE_GPT2, 0, "x   ", 2, {"x", "   "}},
        {TOK_PRE_GPT2, 0, "I'M", 3, {"I", "'", "M"}},
        {TOK_PRE_LLAMA3, 3, "I'M 12345", 5, {"I", "'M", " ", "123", "45"}},
        {TOK_PRE_LLAMA3, 1, "12", 2, {"1", "2"}},
        {TOK_PRE_LLAMA3, 3, "a\n\n  b", 4, {"a", "\n\n", " ", " b"}},
        {TOK_PRE_LLAMA3, 3, "!!\n.x", 2, {"!!\n", ".x"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TokPre pre = {(TokPreKind)cases[i].kind, cases[i].digits};
        const uint8_t *s = (const uint8_t *)cases[i].text;
        size_t n = strlen(cases[i].text), pos = 0;
        int k = 0;
        bool ok = true;
        while (pos < n) {
            size_t len = tok_pre_next(&pre, s, n, pos);
            ok = ok && k < cases[i].n && strlen(cases[i].pieces[k]) == len &&
                 memcmp(cases[i].pieces[k], s + pos, len) == 0;
            k++;
            pos += len;
        }
        if (!CHECK(ok && k == cases[i].n))
            fprintf(stderr, "pre-tokenizing \"%s\"\n", cases[i].text);
    }
}

/* Unsupported tokenizer.json features are errors that name them. */
static void expect_load_error(const char *json, const char *needle) {
    const char *dir = test_tmpdir("tokenizer");
    char path[512];
    snprintf(path, sizeof path, "%s/tokenizer.json", dir);
    FILE *f = fopen(path, "wb");
    if (!CHECK(f != NULL)) return;
    fputs(json, f);
    fclose(f);
    Diag d;
    diag_init(&d);
    Tok *t = tok_load(path, &d);
    CHECK(t == NULL);
    bool found = d.count > 0 && strstr(d.messages[0], needle) && strstr(d.messages[0], path);
    if (!CHECK(found)) diag_print(&d, stderr);
    tok_free(t);
    diag_free(&d);
}

static void test_load_errors(void) {
    expect_load_error("[1]", "not a JSON object");
    expect_load_error("{\"model\":{\"type\":\"WordPiece\"}}", "model type WordPiece");
    expect_load_error("{\"model\":{\"type\":\"BPE\"},\"normalizer\":{\"type\":\"NFC\"}}",
                      "normalizer NFC");
    expect_load_error("{\"model\":{\"type\":\"BPE\",\"byte_fallback\":true},"
                      "\"decoder\":{\"type\":\"ByteLevel\"}}",
                      "byte_fallback");
    expect_load_error("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},"
                      "\"decoder\":{\"type\":\"ByteLevel\"},"
                      "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false}}",
                      "byte-level symbol");
    expect_load_error("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1},\"merges\":[\"a "
                      "b\"]},\"decoder\":{\"type\":\"ByteLevel\"},"
                      "\"pre_tokenizer\":{\"type\":\"ByteLevel\"}}",
                      "'ab' is not in the vocabulary");
    expect_load_error("{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":-3}},"
                      "\"decoder\":{\"type\":\"ByteLevel\"},"
                      "\"pre_tokenizer\":{\"type\":\"ByteLevel\"}}",
                      "not an integer");
    expect_load_error("{\"model\":{\"type\":\"BPE\"},\"decoder\":{\"type\":\"ByteLevel\"},"
                      "\"pre_tokenizer\":{\"type\":\"Whitespace\"}}",
                      "pre_tokenizer Whitespace");
}

int main(void) {
    test_utf8();
    test_pretok();
    run_cases("tests/hf/models/tokenizer_cases_gpt2.json");
    run_cases("tests/hf/models/tokenizer_cases_llama3.json");
    test_load_errors();
    return test_finish();
}
