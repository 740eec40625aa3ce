/* The pre-tokenizer regexes as hand-written scanners. Each function returns where the regex's
 * leftmost-first match starting at pos ends, trying the alternatives in the regex's order and
 * reproducing the backtracking of the optional prefixes and the (?!\S) lookahead. */
#include "tok.h"

/* One character: its class and byte length. Invalid UTF-8 bytes are one-byte characters of
 * class TOK_CLS_OTHER (they match [^\s\p{L}\p{N}], as an unknown character would). */
typedef enum TokCls {
    TOK_CLS_END,
    TOK_CLS_LETTER,
    TOK_CLS_NUMBER,
    TOK_CLS_SPACE,
    TOK_CLS_OTHER,
} TokCls;

typedef struct TokChar {
    TokCls cls;
    uint32_t cp;
    size_t len;
} TokChar;

static TokChar tok_char_at(const uint8_t *s, size_t n, size_t pos) {
    TokChar c = {TOK_CLS_END, 0, 0};
    if (pos >= n) return c;
    c.len = tok_utf8_next(s + pos, n - pos, &c.cp);
    if (c.cp == TOK_CP_INVALID) {
        c.cls = TOK_CLS_OTHER;
    } else if (tok_is_letter(c.cp)) {
        c.cls = TOK_CLS_LETTER;
    } else if (tok_is_number(c.cp)) {
        c.cls = TOK_CLS_NUMBER;
    } else if (tok_is_space(c.cp)) {
        c.cls = TOK_CLS_SPACE;
    } else {
        c.cls = TOK_CLS_OTHER;
    }
    return c;
}

/* End of the run of characters of class cls starting at pos (pos itself when none). */
static size_t tok_run_end(const uint8_t *s, size_t n, size_t pos, TokCls cls) {
    for (;;) {
        TokChar c = tok_char_at(s, n, pos);
        if (c.cls != cls) return pos;
        pos += c.len;
    }
}

static int tok_lower(uint8_t c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* 's|'t|'re|'ve|'m|'ll|'d at pos (s[pos] == '\''): the match length, or 0. */
static size_t tok_contraction(const uint8_t *s, size_t n, size_t pos, bool ignore_case) {
    if (pos + 1 >= n) return 0;
    int a = ignore_case ? tok_lower(s[pos + 1]) : s[pos + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    if (pos + 2 >= n) return 0;
    int b = ignore_case ? tok_lower(s[pos + 2]) : s[pos + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
}

/* \s+(?!\S)|\s+ at pos (a white-space character): the whole run when it reaches the end or
 * is a single character, else the run less its last character (so that character can lead the
 * next piece). */
static size_t tok_space_tail(const uint8_t *s, size_t n, size_t pos) {
    size_t last = pos, end = pos;
    for (;;) {
        TokChar c = tok_char_at(s, n, end);
        if (c.cls != TOK_CLS_SPACE) {
            if (c.cls == TOK_CLS_END || last == pos) return end - pos;
            return last - pos;
        }
        last = end;
        end += c.len;
    }
}

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t tok_pre_gpt2(const uint8_t *s, size_t n, size_t pos) {
    if (s[pos] == '\'') {
        size_t k = tok_contraction(s, n, pos, false);
        if (k) return k;
    }
    size_t p = s[pos] == ' ' ? pos + 1 : pos;
    TokChar c = tok_char_at(s, n, p);
    if (c.cls == TOK_CLS_LETTER || c.cls == TOK_CLS_NUMBER || c.cls == TOK_CLS_OTHER)
        return tok_run_end(s, n, p, c.cls) - pos;
    /* Without the optional space the first character is a space: only \s alternatives remain. */
    return tok_space_tail(s, n, pos);
}

static bool tok_is_newline(uint32_t cp) {
    return cp == '\r' || cp == '\n';
}

/* Llama-3: (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}|
 *          ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t tok_pre_llama3(const TokPre *pre, const uint8_t *s, size_t n, size_t pos) {
    if (s[pos] == '\'') {
        size_t k = tok_contraction(s, n, pos, true);
        if (k) return k;
    }
    TokChar c0 = tok_char_at(s, n, pos);
    if (c0.cls == TOK_CLS_LETTER) return tok_run_end(s, n, pos, TOK_CLS_LETTER) - pos;
    if (c0.cls != TOK_CLS_NUMBER && !tok_is_newline(c0.cp)) {
        /* one leading non-letter, non-number, non-newline character, then letters */
        TokChar c1 = tok_char_at(s, n, pos + c0.len);
        if (c1.cls == TOK_CLS_LETTER) return tok_run_end(s, n, pos + c0.len, TOK_CLS_LETTER) - pos;
    }
    if (c0.cls == TOK_CLS_NUMBER) {
        size_t end = pos;
        for (int k = 0; k < pre->max_digits; k++) {
            TokChar c = tok_char_at(s, n, end);
            if (c.cls != TOK_CLS_NUMBER) break;
            end += c.len;
        }
        return end - pos;
    }
    size_t p = s[pos] == ' ' ? pos + 1 : pos;
    TokChar c = tok_char_at(s, n, p);
    if (c.cls == TOK_CLS_OTHER) {
        size_t end = tok_run_end(s, n, p, TOK_CLS_OTHER);
        while (end < n && (s[end] == '\r' || s[end] == '\n')) end++;
        return end - pos;
    }
    /* c0 is white space here. \s*[\r\n]+ ends after the run's last newline, if it has one. */
    size_t end = pos, after_newline = pos;
    for (;;) {
        TokChar w = tok_char_at(s, n, end);
        if (w.cls != TOK_CLS_SPACE) break;
        end += w.len;
        if (tok_is_newline(w.cp)) after_newline = end;
    }
    if (after_newline > pos) return after_newline - pos;
    return tok_space_tail(s, n, pos);
}

size_t tok_pre_next(const TokPre *pre, const uint8_t *s, size_t n, size_t pos) {
    KILN_ASSERT(pos < n);
    size_t len =
        pre->kind == TOK_PRE_GPT2 ? tok_pre_gpt2(s, n, pos) : tok_pre_llama3(pre, s, n, pos);
    KILN_ASSERT(len >= 1 && len <= n - pos);
    return len;
}
