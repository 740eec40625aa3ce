/* UTF-8 decoding, lossy conversion and the Unicode classes the pre-tokenizer regexes use. */
#include "tok.h"

#include <stdlib.h>
#include <string.h>

void tok_buf_append(TokBuf *b, const void *data, size_t n) {
    if (n == 0) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            KILN_ASSERT(cap <= SIZE_MAX / 2);
            cap *= 2;
        }
        char *p = realloc(b->data, cap);
        KILN_ASSERT(p != NULL);
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
}

char *tok_buf_cstr(TokBuf *b) {
    if (!b->data) {
        b->data = malloc(1);
        KILN_ASSERT(b->data != NULL);
        b->cap = 1;
    }
    b->data[b->len] = '\0'; /* tok_buf_append always keeps one spare byte */
    return b->data;
}

void tok_buf_free(TokBuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

void tok_ids_push(TokIds *v, int64_t id) {
    if (v->count == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 32;
        KILN_ASSERT(cap < SIZE_MAX / sizeof *v->ids);
        int64_t *p = realloc(v->ids, cap * sizeof *p);
        KILN_ASSERT(p != NULL);
        v->ids = p;
        v->cap = cap;
    }
    v->ids[v->count++] = id;
}

void tok_ids_free(TokIds *v) {
    free(v->ids);
    memset(v, 0, sizeof *v);
}

typedef enum TokScan {
    TOK_SCAN_OK,         /* a complete valid character */
    TOK_SCAN_INCOMPLETE, /* a valid start cut short by the end of the input */
    TOK_SCAN_INVALID,    /* a maximal invalid subpart */
} TokScan;

/* Reads the sequence at s[0..n-1] (n >= 1). *len is the character's length (OK) or the bytes of
 * the valid-so-far prefix (INCOMPLETE, INVALID: always >= 1 for INVALID). The allowed range of
 * the second byte depends on the lead, which rules out overlongs, surrogates and > U+10FFFF. */
static TokScan tok_utf8_scan(const uint8_t *s, size_t n, uint32_t *cp, size_t *len) {
    uint8_t b = s[0];
    size_t need;
    uint8_t lo = 0x80, hi = 0xBF;
    uint32_t v;
    if (b < 0x80) {
        *cp = b;
        *len = 1;
        return TOK_SCAN_OK;
    } else if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        v = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        v = b & 0x0Fu;
        if (b == 0xE0) lo = 0xA0;
        if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        v = b & 0x07u;
        if (b == 0xF0) lo = 0x90;
        if (b == 0xF4) hi = 0x8F;
    } else {
        *len = 1;
        return TOK_SCAN_INVALID;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n) {
            *len = k;
            return TOK_SCAN_INCOMPLETE;
        }
        uint8_t c = s[k];
        if (c < lo || c > hi) {
            *len = k;
            return TOK_SCAN_INVALID;
        }
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (c & 0x3Fu);
    }
    *cp = v;
    *len = need + 1;
    return TOK_SCAN_OK;
}

size_t tok_utf8_next(const uint8_t *s, size_t n, uint32_t *cp) {
    size_t len;
    if (tok_utf8_scan(s, n, cp, &len) == TOK_SCAN_OK) return len;
    *cp = TOK_CP_INVALID;
    return 1;
}

void tok_utf8_append(TokBuf *b, uint32_t cp) {
    uint8_t out[4];
    size_t n;
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        KILN_ASSERT(cp <= 0x10FFFF);
        out[0] = (uint8_t)(0xF0 | (cp >> 18));
        out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    tok_buf_append(b, out, n);
}

void tok_utf8_lossy(TokBuf *b, const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (tok_utf8_scan(s + i, n - i, &cp, &len) == TOK_SCAN_OK) {
            tok_buf_append(b, s + i, len);
        } else {
            tok_utf8_append(b, 0xFFFD);
        }
        i += len;
    }
}

size_t tok_utf8_complete_prefix(const uint8_t *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (tok_utf8_scan(s + i, n - i, &cp, &len) == TOK_SCAN_INCOMPLETE) return i;
        i += len;
    }
    return n;
}

static bool tok_in_ranges(const uint32_t (*r)[2], size_t count, uint32_t cp) {
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < r[mid][0]) {
            hi = mid;
        } else if (cp > r[mid][1]) {
            lo = mid + 1;
        } else {
            return true;
        }
    }
    return false;
}

bool tok_is_letter(uint32_t cp) {
    return tok_in_ranges(tok_letter_ranges, tok_letter_ranges_count, cp);
}

bool tok_is_number(uint32_t cp) {
    return tok_in_ranges(tok_number_ranges, tok_number_ranges_count, cp);
}

bool tok_is_space(uint32_t cp) {
    return tok_in_ranges(tok_space_ranges, tok_space_ranges_count, cp);
}
