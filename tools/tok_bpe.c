/* The tokenizer proper: vocabulary, merge table, added tokens; BPE encoding and decoding. */
#include "tok.h"

#include <stdlib.h>
#include <string.h>

/* String -> id, open addressing with linear probing; cap is a power of two. */
typedef struct TokStrMap {
    const char **keys; /* borrowed from Tok.token_str; NULL: empty slot */
    int64_t *ids;
    size_t cap, count;
} TokStrMap;

/* (left id, right id) -> (rank, merged id). */
typedef struct TokMerge {
    uint64_t key; /* left << 32 | right; UINT64_MAX: empty slot */
    int64_t rank;
    int64_t merged;
} TokMerge;

typedef struct TokAdded {
    char *content; /* malloc-owned, NUL-terminated, not empty */
    size_t len;
    int64_t id;
} TokAdded;

struct Tok {
    char *path; /* for messages */
    TokPre pre;
    bool ignore_merges; /* a piece that is a whole token is not merged (Llama-3) */
    int64_t n_ids;      /* largest id + 1 */
    size_t ids_cap;
    /* Per id, n_ids entries; a hole (an id no entry names) has token_str NULL. */
    char **token_str;   /* the token as written in tokenizer.json (malloc-owned) */
    char **token_bytes; /* its raw bytes (malloc-owned) */
    size_t *token_len;  /* byte count of token_bytes */
    bool *special;      /* a special added token */
    TokStrMap vocab;    /* token_str -> id */
    TokMerge *merges;   /* merge_cap slots, a power of two */
    size_t merge_cap, merge_count;
    TokAdded *added;
    size_t n_added, added_cap;
    int64_t byte_id[256];    /* the token of each single byte; -1 until known */
    uint16_t byte_char[256]; /* GPT-2's byte -> character map */
    int16_t char_byte[512];  /* its inverse over characters < 512; -1 elsewhere */
};

/* GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves, the other 68 bytes get
 * the characters 256, 257, ... in byte order, so every byte is a visible character. */
static void tok_init_byte_map(Tok *t) {
    int next = 256;
    for (int i = 0; i < 512; i++) t->char_byte[i] = -1;
    for (int b = 0; b < 256; b++) {
        bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        int c = printable ? b : next++;
        t->byte_char[b] = (uint16_t)c;
        t->char_byte[c] = (int16_t)b;
        t->byte_id[b] = -1;
    }
}

static uint64_t tok_hash_str(const char *s) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static uint64_t tok_hash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static int64_t tok_map_get(const TokStrMap *m, const char *key) {
    if (!m->cap) return -1;
    for (size_t i = tok_hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i]) return -1;
        if (strcmp(m->keys[i], key) == 0) return m->ids[i];
    }
}

static void tok_map_put(TokStrMap *m, const char *key, int64_t id) {
    if ((m->count + 1) * 2 > m->cap) {
        TokStrMap g = {0};
        g.cap = m->cap ? m->cap * 2 : 1024;
        g.keys = calloc(g.cap, sizeof *g.keys);
        g.ids = calloc(g.cap, sizeof *g.ids);
        KILN_ASSERT(g.keys && g.ids);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) tok_map_put(&g, m->keys[i], m->ids[i]);
        free(m->keys);
        free(m->ids);
        *m = g;
    }
    size_t i = tok_hash_str(key) & (m->cap - 1);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->ids[i] = id;
    m->count++;
}

static const TokMerge *tok_merge_get(const Tok *t, int64_t left, int64_t right) {
    if (!t->merge_cap) return NULL;
    uint64_t key = (uint64_t)left << 32 | (uint64_t)right;
    for (size_t i = tok_hash_u64(key) & (t->merge_cap - 1);; i = (i + 1) & (t->merge_cap - 1)) {
        if (t->merges[i].key == UINT64_MAX) return NULL;
        if (t->merges[i].key == key) return &t->merges[i];
    }
}

static void tok_merge_put(Tok *t, uint64_t key, int64_t rank, int64_t merged) {
    if ((t->merge_count + 1) * 2 > t->merge_cap) {
        TokMerge *old = t->merges;
        size_t old_cap = t->merge_cap;
        t->merge_cap = old_cap ? old_cap * 2 : 1024;
        t->merges = malloc(t->merge_cap * sizeof *t->merges);
        KILN_ASSERT(t->merges != NULL);
        for (size_t i = 0; i < t->merge_cap; i++) t->merges[i].key = UINT64_MAX;
        t->merge_count = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i].key != UINT64_MAX) tok_merge_put(t, old[i].key, old[i].rank, old[i].merged);
        free(old);
    }
    size_t i = tok_hash_u64(key) & (t->merge_cap - 1);
    while (t->merges[i].key != UINT64_MAX) i = (i + 1) & (t->merge_cap - 1);
    t->merges[i].key = key;
    t->merges[i].rank = rank;
    t->merges[i].merged = merged;
    t->merge_count++;
}

Tok *tok_new(const char *path, const TokPre *pre, bool ignore_merges) {
    Tok *t = calloc(1, sizeof *t);
    KILN_ASSERT(t != NULL);
    t->path = strdup(path);
    KILN_ASSERT(t->path != NULL);
    t->pre = *pre;
    t->ignore_merges = ignore_merges;
    tok_init_byte_map(t);
    return t;
}

void tok_free(Tok *t) {
    if (!t) return;
    for (int64_t i = 0; i < t->n_ids; i++) {
        free(t->token_str[i]);
        free(t->token_bytes[i]);
    }
    free(t->token_str);
    free(t->token_bytes);
    free(t->token_len);
    free(t->special);
    free(t->vocab.keys);
    free(t->vocab.ids);
    free(t->merges);
    for (size_t i = 0; i < t->n_added; i++) free(t->added[i].content);
    free(t->added);
    free(t->path);
    free(t);
}

int64_t tok_vocab_size(const Tok *t) {
    return t->n_ids;
}

/* Grows the per-id arrays to hold id. */
static void tok_reserve_id(Tok *t, int64_t id) {
    if ((size_t)id < t->ids_cap) {
        if (id >= t->n_ids) t->n_ids = id + 1;
        return;
    }
    size_t cap = t->ids_cap ? t->ids_cap : 256;
    while (cap <= (size_t)id) cap *= 2;
    t->token_str = realloc(t->token_str, cap * sizeof *t->token_str);
    t->token_bytes = realloc(t->token_bytes, cap * sizeof *t->token_bytes);
    t->token_len = realloc(t->token_len, cap * sizeof *t->token_len);
    t->special = realloc(t->special, cap * sizeof *t->special);
    KILN_ASSERT(t->token_str && t->token_bytes && t->token_len && t->special);
    for (size_t i = t->ids_cap; i < cap; i++) {
        t->token_str[i] = NULL;
        t->token_bytes[i] = NULL;
        t->token_len[i] = 0;
        t->special[i] = false;
    }
    t->ids_cap = cap;
    t->n_ids = id + 1;
}

/* The raw bytes of a token string: each character through the inverse byte map; a string with
 * any other character stands for its own UTF-8 bytes (as HF's ByteLevel decoder does). */
static void tok_set_bytes(Tok *t, int64_t id) {
    const uint8_t *s = (const uint8_t *)t->token_str[id];
    size_t n = strlen((const char *)s);
    TokBuf b = {0};
    bool mapped = true;
    for (size_t i = 0; i < n && mapped;) {
        uint32_t cp;
        i += tok_utf8_next(s + i, n - i, &cp);
        if (cp < 512 && t->char_byte[cp] >= 0) {
            uint8_t byte = (uint8_t)t->char_byte[cp];
            tok_buf_append(&b, &byte, 1);
        } else {
            mapped = false;
        }
    }
    if (!mapped) {
        b.len = 0;
        tok_buf_append(&b, s, n);
    }
    t->token_bytes[id] = tok_buf_cstr(&b);
    t->token_len[id] = b.len;
}

static bool tok_check_id(Tok *t, int64_t id, const char *what, const char *str, Diag *d) {
    if (id < 0 || id >= TOK_MAX_ID) {
        diag_at(d, t->path, NULL, NULL, "%s '%s' has id %lld, outside [0, %lld)", what, str,
                (long long)id, (long long)TOK_MAX_ID);
        return false;
    }
    return true;
}

bool tok_add_vocab(Tok *t, const char *str, int64_t id, Diag *d) {
    if (!tok_check_id(t, id, "token", str, d)) return false;
    if (tok_map_get(&t->vocab, str) >= 0) {
        diag_at(d, t->path, NULL, NULL, "token '%s' is in the vocabulary twice", str);
        return false;
    }
    tok_reserve_id(t, id);
    if (t->token_str[id]) {
        diag_at(d, t->path, NULL, NULL, "tokens '%s' and '%s' share id %lld", t->token_str[id], str,
                (long long)id);
        return false;
    }
    t->token_str[id] = strdup(str);
    KILN_ASSERT(t->token_str[id] != NULL);
    tok_map_put(&t->vocab, t->token_str[id], id);
    tok_set_bytes(t, id);
    return true;
}

bool tok_add_added(Tok *t, const char *content, int64_t id, bool special, Diag *d) {
    if (!tok_check_id(t, id, "added token", content, d)) return false;
    if (!*content) {
        diag_at(d, t->path, NULL, NULL, "added token %lld is empty", (long long)id);
        return false;
    }
    int64_t known = tok_map_get(&t->vocab, content);
    if (known >= 0 && known != id) {
        diag_at(d, t->path, NULL, NULL, "added token '%s' has id %lld but the vocabulary says %lld",
                content, (long long)id, (long long)known);
        return false;
    }
    if (known < 0 && !tok_add_vocab(t, content, id, d)) return false;
    t->special[id] = t->special[id] || special;
    if (t->n_added == t->added_cap) {
        t->added_cap = t->added_cap ? t->added_cap * 2 : 8;
        t->added = realloc(t->added, t->added_cap * sizeof *t->added);
        KILN_ASSERT(t->added != NULL);
    }
    TokAdded *a = &t->added[t->n_added++];
    a->content = strdup(content);
    KILN_ASSERT(a->content != NULL);
    a->len = strlen(content);
    a->id = id;
    return true;
}

bool tok_add_merge(Tok *t, const char *left, const char *right, Diag *d) {
    int64_t a = tok_map_get(&t->vocab, left), b = tok_map_get(&t->vocab, right);
    size_t la = strlen(left), lb = strlen(right);
    char *both = malloc(la + lb + 1);
    KILN_ASSERT(both != NULL);
    memcpy(both, left, la);
    memcpy(both + la, right, lb + 1);
    int64_t m = tok_map_get(&t->vocab, both);
    bool ok = a >= 0 && b >= 0 && m >= 0;
    if (!ok) {
        diag_at(d, t->path, NULL, NULL, "merge %zu ('%s' '%s'): '%s' is not in the vocabulary",
                t->merge_count, left, right,
                a < 0   ? left
                : b < 0 ? right
                        : both);
    } else if (!tok_merge_get(t, a, b)) {
        /* a repeated rule keeps its first (best) rank, as HF's table does */
        tok_merge_put(t, (uint64_t)a << 32 | (uint64_t)b, (int64_t)t->merge_count, m);
    }
    free(both);
    return ok;
}

bool tok_finish(Tok *t, Diag *d) {
    for (int b = 0; b < 256; b++) {
        TokBuf s = {0};
        tok_utf8_append(&s, t->byte_char[b]);
        t->byte_id[b] = tok_map_get(&t->vocab, tok_buf_cstr(&s));
        tok_buf_free(&s);
        if (t->byte_id[b] < 0) {
            diag_at(d, t->path, NULL, NULL,
                    "the vocabulary lacks the byte-level symbol of byte 0x%02X: not a complete "
                    "byte-level BPE vocabulary",
                    b);
            return false;
        }
    }
    return true;
}

/* A candidate merge of the symbol at `pos` with the next one, as it was when pushed. */
typedef struct TokCand {
    int64_t rank;
    size_t pos;          /* index of the left symbol (a merged symbol keeps its left index) */
    int64_t left, right; /* the ids it was pushed for: stale when they changed since */
} TokCand;

/* Min-heap order: best rank first, leftmost on a tie (what the naive scan picks). */
static bool tok_cand_less(const TokCand *a, const TokCand *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

static void tok_heap_push(TokCand *h, size_t *n, TokCand c) {
    size_t i = (*n)++;
    while (i > 0 && tok_cand_less(&c, &h[(i - 1) / 2])) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = c;
}

static TokCand tok_heap_pop(TokCand *h, size_t *n) {
    TokCand top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && tok_cand_less(&h[c + 1], &h[c])) c++;
        if (!tok_cand_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

/* Symbols of a piece as a doubly linked list over its byte positions; SIZE_MAX ends it. */
typedef struct TokSym {
    int64_t id;
    size_t prev, next;
} TokSym;

#define TOK_NONE SIZE_MAX

/* Pushes the merge of symbol `at` with its next one, when the merge table has it. */
static void tok_push_pair(const Tok *t, const TokSym *sym, size_t at, TokCand *heap, size_t *n) {
    if (at == TOK_NONE || sym[at].next == TOK_NONE) return;
    size_t nx = sym[at].next;
    const TokMerge *m = tok_merge_get(t, sym[at].id, sym[nx].id);
    if (m) tok_heap_push(heap, n, (TokCand){m->rank, at, sym[at].id, sym[nx].id});
}

/* BPE on one piece: start from its byte symbols and apply the best-ranked merge (leftmost on a
 * tie) until none applies. Candidates wait in a heap and symbols form a linked list, so a
 * piece of n bytes costs O(n log n), not the O(n^2) of rescanning after each merge (a long
 * word in a prompt would otherwise be a denial of service). A popped candidate whose symbols
 * have changed since it was pushed is skipped; every live pair is in the heap, so the first
 * valid candidate is the best merge. sym and heap are scratch
 * for n symbols and 3n candidates. */
static void tok_bpe_piece(const Tok *t, const uint8_t *s, size_t n, TokSym *sym, TokCand *heap,
                          TokIds *out) {
    if (t->ignore_merges) {
        TokBuf str = {0};
        for (size_t i = 0; i < n; i++) tok_utf8_append(&str, t->byte_char[s[i]]);
        int64_t id = tok_map_get(&t->vocab, tok_buf_cstr(&str));
        tok_buf_free(&str);
        if (id >= 0) {
            tok_ids_push(out, id);
            return;
        }
    }
    for (size_t i = 0; i < n; i++)
        sym[i] = (TokSym){t->byte_id[s[i]], i ? i - 1 : TOK_NONE, i + 1 < n ? i + 1 : TOK_NONE};
    /* at most n - 1 initial pairs, and each merge (at most n - 1) pushes at most 2 */
    size_t nh = 0;
    for (size_t i = 0; i + 1 < n; i++) tok_push_pair(t, sym, i, heap, &nh);
    while (nh > 0) {
        TokCand c = tok_heap_pop(heap, &nh);
        size_t nx = sym[c.pos].next;
        if (sym[c.pos].id != c.left || nx == TOK_NONE || sym[nx].id != c.right) continue;
        const TokMerge *m = tok_merge_get(t, c.left, c.right);
        sym[c.pos].id = m->merged;
        sym[c.pos].next = sym[nx].next;
        if (sym[nx].next != TOK_NONE) sym[sym[nx].next].prev = c.pos;
        sym[nx].id = -1; /* removed: no candidate at nx can match again */
        tok_push_pair(t, sym, sym[c.pos].prev, heap, &nh);
        tok_push_pair(t, sym, c.pos, heap, &nh);
    }
    for (size_t i = 0; n > 0 && i != TOK_NONE; i = sym[i].next) tok_ids_push(out, sym[i].id);
}

/* Pre-tokenizes and encodes text that holds no added token. */
static void tok_encode_plain(const Tok *t, const uint8_t *s, size_t n, TokSym *sym, TokCand *heap,
                             TokIds *out) {
    for (size_t pos = 0; pos < n;) {
        size_t len = tok_pre_next(&t->pre, s, n, pos);
        tok_bpe_piece(t, s + pos, len, sym, heap, out);
        pos += len;
    }
}

/* The longest added token at s[0..n-1], or NULL. */
static const TokAdded *tok_added_at(const Tok *t, const uint8_t *s, size_t n) {
    const TokAdded *best = NULL;
    for (size_t k = 0; k < t->n_added; k++) {
        const TokAdded *a = &t->added[k];
        if (a->len <= n && memcmp(a->content, s, a->len) == 0 && (!best || a->len > best->len))
            best = a;
    }
    return best;
}

void tok_encode(const Tok *t, const char *text, size_t len, TokIds *out) {
    const uint8_t *s = (const uint8_t *)text;
    /* scratch for the longest piece: a symbol per byte, 3 heap entries per byte */
    TokSym *sym = malloc((len ? len : 1) * sizeof *sym);
    TokCand *heap = malloc((len ? len : 1) * 3 * sizeof *heap);
    KILN_ASSERT(sym != NULL && heap != NULL);
    size_t start = 0;
    for (size_t pos = 0; pos < len;) {
        const TokAdded *a = tok_added_at(t, s + pos, len - pos);
        if (!a) {
            pos++;
            continue;
        }
        tok_encode_plain(t, s + start, pos - start, sym, heap, out);
        tok_ids_push(out, a->id);
        pos += a->len;
        start = pos;
    }
    tok_encode_plain(t, s + start, len - start, sym, heap, out);
    free(sym);
    free(heap);
}

bool tok_token_bytes(const Tok *t, int64_t id, bool skip_special, TokBuf *b, Diag *d) {
    if (id < 0 || id >= t->n_ids || !t->token_str[id]) {
        diag_at(d, t->path, NULL, NULL, "token id %lld is not in the vocabulary", (long long)id);
        return false;
    }
    if (skip_special && t->special[id]) return true;
    tok_buf_append(b, t->token_bytes[id], t->token_len[id]);
    return true;
}

bool tok_decode(const Tok *t, const int64_t *ids, size_t n, bool skip_special, TokBuf *out,
                Diag *d) {
    TokBuf raw = {0};
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) ok = tok_token_bytes(t, ids[i], skip_special, &raw, d);
    if (ok) tok_utf8_lossy(out, (const uint8_t *)raw.data, raw.len);
    tok_buf_free(&raw);
    return ok;
}
