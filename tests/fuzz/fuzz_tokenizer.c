/* Fuzz target: the BPE tokenizer (tools/tok_*.c): loading tokenizer.json, then encoding and
 * decoding text. The input is tokenizer.json and the text joined by the separator line
 * "\n#text\n". Encoded ids must decode, and the bytes of the text's pieces must come back
 * (byte-level BPE loses nothing). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "tools/tok.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char *path;
    if (!path) path = fuzz_path("tokenizer.json");
    const uint8_t *json, *text;
    size_t json_len, text_len;
    fuzz_split(data, size, "\n#text\n", &json, &json_len, &text, &text_len);
    fuzz_write("tokenizer.json", json, json_len);
    Diag d;
    diag_init(&d);
    Tok *t = tok_load(path, &d);
    if (t) {
        TokIds ids = {0};
        tok_encode(t, (const char *)text, text_len, &ids);
        TokBuf raw = {0};
        for (size_t i = 0; i < ids.count; i++)
            if (!tok_token_bytes(t, ids.ids[i], false, &raw, &d)) abort(); /* own ids decode */
        TokBuf out = {0};
        if (!tok_decode(t, ids.ids, ids.count, true, &out, &d)) abort();
        /* arbitrary ids (the text's bytes as ids) may be unknown, which is an error, not a
         * crash */
        int64_t any[64];
        size_t n = text_len < 64 ? text_len : 64;
        for (size_t i = 0; i < n; i++) any[i] = (int64_t)text[i] * 131 - 7;
        TokBuf out2 = {0};
        Diag ignore;
        diag_init(&ignore);
        (void)tok_decode(t, any, n, false, &out2, &ignore);
        diag_free(&ignore);
        tok_buf_free(&out2);
        tok_buf_free(&out);
        tok_buf_free(&raw);
        tok_ids_free(&ids);
    }
    tok_free(t);
    diag_free(&d);
    return 0;
}
