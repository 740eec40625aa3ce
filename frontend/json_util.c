/* Shared JSON helpers for the frontends. See json_util.h. */
#include "json_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ir/diag.h"

bool fe_json_depth_ok(const char *text, size_t len, int max_depth, size_t *where) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++; /* skip the escaped byte, which may be a quote */
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                *where = i;
                return false;
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0) depth--; /* unbalanced text is cJSON's syntax error to report */
        }
    }
    return true;
}

void fe_json_line_col(const char *text, size_t off, int *line, int *col) {
    int l = 1, c = 1;
    for (size_t i = 0; i < off; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

bool fe_json_rest_is_space(const char *text, size_t off, size_t len) {
    for (size_t i = off; i < len; i++) {
        char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
    }
    return true;
}

bool fe_json_get_int(const cJSON *item, int64_t *out) {
    if (!cJSON_IsNumber(item)) return false;
    double v = item->valuedouble;
    if (!isfinite(v) || v != floor(v) || fabs(v) > FE_JSON_MAX_EXACT_INT) return false;
    *out = (int64_t)v;
    return true;
}

/* Finds a byte valid JSON cannot hold where cJSON lets it through: a raw control byte (cJSON
 * skips every byte <= 0x20 as whitespace, NUL included, and takes them inside strings), or a
 * \u0000 escape (cJSON's C strings end there, so "a\u0000b" would silently read as "a").
 * Returns true with *where at the first such byte. */
static bool fe_json_bad_byte(const char *text, size_t len, size_t *where) {
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 && (in_string || (c != ' ' && c != '\t' && c != '\n' && c != '\r'))) {
            *where = i;
            return true;
        }
        if (!in_string) {
            in_string = c == '"';
        } else if (c == '\\') {
            if (i + 5 < len && memcmp(text + i + 1, "u0000", 5) == 0) {
                *where = i;
                return true;
            }
            i++; /* the escaped byte, which may be a quote */
        } else if (c == '"') {
            in_string = false;
        }
    }
    return false;
}

cJSON *fe_json_parse(const char *text, size_t len, size_t *err_off, bool *too_deep) {
    *too_deep = false;
    if (fe_json_bad_byte(text, len, err_off)) return NULL;
    if (!fe_json_depth_ok(text, len, FE_JSON_MAX_DEPTH, err_off)) {
        *too_deep = true;
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        *err_off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        return NULL;
    }
    size_t off = (size_t)(end - text);
    if (!fe_json_rest_is_space(text, off, len)) {
        while (off < len &&
               (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
            off++;
        *err_off = off;
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

const char *fe_json_type_name(const cJSON *item) {
    if (!item) return "nothing";
    if (cJSON_IsString(item)) return "a string";
    if (cJSON_IsNumber(item)) return "a number";
    if (cJSON_IsBool(item)) return "a boolean";
    if (cJSON_IsNull(item)) return "null";
    if (cJSON_IsArray(item)) return "an array";
    if (cJSON_IsObject(item)) return "an object";
    return "an invalid value";
}

static int fe_json_cmp_keys(const void *a, const void *b) {
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* The duplicate among item's own keys, or NULL (sorted copy: hostile objects may be huge). */
static const char *fe_json_own_duplicate(const cJSON *item) {
    size_t n = 0;
    for (const cJSON *c = item->child; c; c = c->next) n++;
    if (n < 2) return NULL;
    const cJSON **keys = malloc(n * sizeof *keys);
    KILN_ASSERT(keys != NULL);
    size_t k = 0;
    for (const cJSON *c = item->child; c; c = c->next) keys[k++] = c;
    qsort(keys, n, sizeof *keys, fe_json_cmp_keys);
    const char *dup = NULL;
    for (size_t i = 1; i < n && !dup; i++)
        if (strcmp(keys[i - 1]->string, keys[i]->string) == 0) dup = keys[i]->string;
    free(keys);
    return dup;
}

bool fe_json_duplicate_key(const cJSON *item, char *buf, size_t cap) {
    if (!item || (!cJSON_IsObject(item) && !cJSON_IsArray(item))) return false;
    if (cJSON_IsObject(item)) {
        const char *dup = fe_json_own_duplicate(item);
        if (dup) {
            snprintf(buf, cap, "%s", dup);
            return true;
        }
    }
    int index = 0;
    for (const cJSON *c = item->child; c; c = c->next, index++) {
        char inner[512];
        if (!fe_json_duplicate_key(c, inner, sizeof inner)) continue;
        if (cJSON_IsObject(item))
            snprintf(buf, cap, "%s.%s", c->string, inner);
        else
            snprintf(buf, cap, "[%d].%s", index, inner);
        return true;
    }
    return false;
}

cJSON *fe_json_parse_reported(const char *path, const char *text, size_t len, Diag *d) {
    size_t off = 0;
    bool deep = false;
    cJSON *root = fe_json_parse(text, len, &off, &deep);
    if (!root) {
        int line, col;
        fe_json_line_col(text, off, &line, &col);
        diag_at(d, path, NULL, NULL, "%s at line %d, column %d",
                deep ? "JSON nested too deeply" : "invalid JSON", line, col);
    }
    return root;
}
