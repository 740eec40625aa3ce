/* Reading a Hugging Face tokenizer.json into a Tok. Everything the file says that would change
 * the result and that kiln does not implement is an error naming it. */
#include "tok.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/file.h"
#include "frontend/json_util.h"

/* Largest tokenizer.json kiln reads (real ones are a few MB to ~20 MB). */
#define TOK_MAX_FILE_BYTES ((size_t)512 << 20)

static const char tok_llama3_regex[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
static const char tok_qwen2_regex[] =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

static char *tok_read_file(const char *path, Diag *d) {
    size_t len = 0;
    /* fe_file_read refuses a FIFO or device before reading (a FIFO would block forever) */
    char *data = fe_file_read(path, TOK_MAX_FILE_BYTES, &len, d);
    if (data && strlen(data) != len) {
        diag_at(d, path, NULL, NULL, "the tokenizer file contains a NUL byte");
        free(data);
        data = NULL;
    }
    return data;
}

/* A key that must be absent, null, false or "" (a feature kiln does not implement). */
static bool tok_expect_off(const char *path, const cJSON *obj, const char *key, const char *where,
                           Diag *d) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v) || (cJSON_IsString(v) && !v->valuestring[0]))
        return true;
    diag_at(d, path, NULL, NULL, "%s: '%s' is set, which kiln's tokenizer does not support", where,
            key);
    return false;
}

static bool tok_is_type(const cJSON *obj, const char *type) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsObject(obj) && cJSON_IsString(t) && strcmp(t->valuestring, type) == 0;
}

static const char *tok_type_name(const cJSON *obj) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "type");
    return cJSON_IsString(t) ? t->valuestring : "(no type)";
}

/* ByteLevel pre-tokenizer: add_prefix_space must be off; use_regex as wanted. */
static bool tok_check_byte_level(const char *path, const cJSON *bl, bool want_regex, Diag *d) {
    if (!tok_expect_off(path, bl, "add_prefix_space", "pre_tokenizer ByteLevel", d)) return false;
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(bl, "use_regex");
    bool use_regex = !r || cJSON_IsTrue(r); /* HF's default is true */
    if (use_regex != want_regex) {
        diag_at(d, path, NULL, NULL,
                "pre_tokenizer ByteLevel with use_regex %s is not supported %s",
                use_regex ? "true" : "false", want_regex ? "alone" : "after a Split");
        return false;
    }
    return true;
}

static bool tok_parse_pre(const char *path, const cJSON *pre, TokPre *out, Diag *d) {
    if (tok_is_type(pre, "ByteLevel")) {
        out->kind = TOK_PRE_GPT2;
        out->max_digits = 0;
        return tok_check_byte_level(path, pre, true, d);
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(pre, "pretokenizers");
    if (!tok_is_type(pre, "Sequence") || cJSON_GetArraySize(list) != 2 ||
        !tok_is_type(list->child, "Split") || !tok_is_type(list->child->next, "ByteLevel")) {
        diag_at(d, path, NULL, NULL,
                "pre_tokenizer %s is not supported (kiln knows ByteLevel, and Sequence[Split, "
                "ByteLevel] with the Llama-3 or Qwen2 regex)",
                pre ? tok_type_name(pre) : "null");
        return false;
    }
    const cJSON *split = list->child;
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(split, "pattern");
    const cJSON *regex = cJSON_GetObjectItemCaseSensitive(pattern, "Regex");
    const cJSON *behavior = cJSON_GetObjectItemCaseSensitive(split, "behavior");
    if (!cJSON_IsString(regex) || (strcmp(regex->valuestring, tok_llama3_regex) != 0 &&
                                   strcmp(regex->valuestring, tok_qwen2_regex) != 0)) {
        diag_at(d, path, NULL, NULL,
                "pre_tokenizer Split: only the Llama-3 and Qwen2 regexes are supported");
        return false;
    }
    if (!cJSON_IsString(behavior) || strcmp(behavior->valuestring, "Isolated") != 0 ||
        !tok_expect_off(path, split, "invert", "pre_tokenizer Split", d)) {
        diag_at(d, path, NULL, NULL, "pre_tokenizer Split: only behavior Isolated is supported");
        return false;
    }
    out->kind = TOK_PRE_LLAMA3;
    out->max_digits = strcmp(regex->valuestring, tok_llama3_regex) == 0 ? 3 : 1;
    return tok_check_byte_level(path, split->next, false, d);
}

/* An integer id held in a JSON number. */
static bool tok_json_id(const char *path, const cJSON *v, const char *what, int64_t *id, Diag *d) {
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= (double)TOK_MAX_ID ||
        floor(v->valuedouble) != v->valuedouble) {
        diag_at(d, path, NULL, NULL, "%s: the id is not an integer in [0, %lld)", what,
                (long long)TOK_MAX_ID);
        return false;
    }
    *id = (int64_t)v->valuedouble;
    return true;
}

static bool tok_load_added(Tok *t, const char *path, const cJSON *added, Diag *d) {
    if (added && !cJSON_IsNull(added) && !cJSON_IsArray(added)) {
        diag_at(d, path, NULL, NULL, "added_tokens is not an array");
        return false;
    }
    const cJSON *a;
    cJSON_ArrayForEach(a, added) {
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
        int64_t id;
        if (!cJSON_IsString(content)) {
            diag_at(d, path, NULL, NULL, "an added token has no content string");
            return false;
        }
        char where[160];
        snprintf(where, sizeof where, "added token '%.100s'", content->valuestring);
        if (!tok_json_id(path, cJSON_GetObjectItemCaseSensitive(a, "id"), where, &id, d) ||
            !tok_expect_off(path, a, "single_word", where, d) ||
            !tok_expect_off(path, a, "lstrip", where, d) ||
            !tok_expect_off(path, a, "rstrip", where, d))
            return false;
        bool special = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "special"));
        if (!tok_add_added(t, content->valuestring, id, special, d)) return false;
    }
    return true;
}

static bool tok_load_merges(Tok *t, const char *path, const cJSON *merges, Diag *d) {
    if (!cJSON_IsArray(merges)) {
        diag_at(d, path, NULL, NULL, "model.merges is not an array");
        return false;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, merges) {
        if (cJSON_IsString(m)) {
            /* "left right": byte-level tokens never hold a space, so split at the only one */
            const char *s = m->valuestring, *sp = strchr(s, ' ');
            if (!sp || strchr(sp + 1, ' ')) {
                diag_at(d, path, NULL, NULL, "merge '%.100s' is not two tokens split by a space",
                        s);
                return false;
            }
            char *left = strndup(s, (size_t)(sp - s));
            KILN_ASSERT(left != NULL);
            bool ok = tok_add_merge(t, left, sp + 1, d);
            free(left);
            if (!ok) return false;
        } else if (cJSON_GetArraySize(m) == 2 && cJSON_IsString(m->child) &&
                   cJSON_IsString(m->child->next)) {
            if (!tok_add_merge(t, m->child->valuestring, m->child->next->valuestring, d))
                return false;
        } else {
            diag_at(d, path, NULL, NULL, "a merge is neither \"a b\" nor [\"a\", \"b\"]");
            return false;
        }
    }
    return true;
}

static Tok *tok_from_json(const char *path, const cJSON *root, Diag *d) {
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!tok_is_type(model, "BPE")) {
        diag_at(d, path, NULL, NULL, "model type %s is not supported (kiln reads BPE)",
                model ? tok_type_name(model) : "missing");
        return NULL;
    }
    const cJSON *norm = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    if (norm && !cJSON_IsNull(norm)) {
        diag_at(d, path, NULL, NULL, "normalizer %s is not supported", tok_type_name(norm));
        return NULL;
    }
    const cJSON *dec = cJSON_GetObjectItemCaseSensitive(root, "decoder");
    if (!tok_is_type(dec, "ByteLevel")) {
        diag_at(d, path, NULL, NULL, "decoder %s is not supported (kiln reads ByteLevel)",
                dec ? tok_type_name(dec) : "null");
        return NULL;
    }
    if (!tok_expect_off(path, model, "byte_fallback", "model", d) ||
        !tok_expect_off(path, model, "continuing_subword_prefix", "model", d) ||
        !tok_expect_off(path, model, "end_of_word_suffix", "model", d) ||
        !tok_expect_off(path, model, "dropout", "model", d))
        return NULL;
    TokPre pre;
    if (!tok_parse_pre(path, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer"), &pre, d))
        return NULL;
    bool ignore_merges = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(model, "ignore_merges"));
    Tok *t = tok_new(path, &pre, ignore_merges);
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    bool ok = cJSON_IsObject(vocab);
    if (!ok) diag_at(d, path, NULL, NULL, "model.vocab is not an object");
    const cJSON *entries = ok ? vocab : NULL, *v;
    cJSON_ArrayForEach(v, entries) {
        char where[160];
        snprintf(where, sizeof where, "token '%.100s'", v->string);
        int64_t id;
        if (!tok_json_id(path, v, where, &id, d) || !tok_add_vocab(t, v->string, id, d)) {
            ok = false;
            break;
        }
    }
    ok = ok && tok_load_added(t, path, cJSON_GetObjectItemCaseSensitive(root, "added_tokens"), d) &&
         tok_load_merges(t, path, cJSON_GetObjectItemCaseSensitive(model, "merges"), d) &&
         tok_finish(t, d);
    if (!ok) {
        tok_free(t);
        return NULL;
    }
    return t;
}

Tok *tok_load(const char *path, Diag *d) {
    char *text = tok_read_file(path, d);
    if (!text) return NULL;
    cJSON *root = fe_json_parse_reported(path, text, strlen(text), d);
    free(text);
    if (!root) return NULL;
    if (!cJSON_IsObject(root)) {
        diag_at(d, path, NULL, NULL, "not a JSON object (malformed tokenizer.json)");
        cJSON_Delete(root);
        return NULL;
    }
    Tok *t = tok_from_json(path, root, d);
    cJSON_Delete(root);
    return t;
}
