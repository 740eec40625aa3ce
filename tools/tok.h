/* tok.h: the byte-level BPE tokenizer of `kiln generate`, read from a Hugging Face
 * tokenizer.json (GPT-2, Llama-3, Qwen2 and GLM-4 style).
 *
 * Encoding: the text is split at added tokens (e.g. <|endoftext|>, matched anywhere, longest
 * first); each stretch between them is cut into pieces by the pre-tokenizer's regex (hand-written
 * Unicode-aware scanners, tok_pretok.c); each piece's bytes are mapped to byte symbols and merged
 * by BPE rank (tok_bpe.c). Decoding: the tokens' raw bytes are concatenated and invalid UTF-8 is
 * replaced as Rust's String::from_utf8_lossy does (one U+FFFD per maximal invalid subpart).
 *
 * Modules: tok_unicode.c (UTF-8 and character classes, tables in tok_unicode_tables.c, generated
 * by scripts/gen_unicode_tables.py), tok_pretok.c, tok_bpe.c, tok_load.c (tokenizer.json). */
#ifndef KILN_TOK_H
#define KILN_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"

/* ---- growable buffers ---------------------------------------------------------------------- */

/* Bytes; data is malloc-owned (NULL while empty), not NUL-terminated unless tok_buf_cstr ran. */
typedef struct TokBuf {
    char *data;
    size_t len, cap;
} TokBuf;

void tok_buf_append(TokBuf *b, const void *data, size_t n);
/* Makes data NUL-terminated (without counting the NUL in len) and returns it. */
char *tok_buf_cstr(TokBuf *b);
void tok_buf_free(TokBuf *b);

/* Token ids; ids is malloc-owned. */
typedef struct TokIds {
    int64_t *ids;
    size_t count, cap;
} TokIds;

void tok_ids_push(TokIds *v, int64_t id);
void tok_ids_free(TokIds *v);

/* ---- Unicode (tok_unicode.c, tok_unicode_tables.c) ---------------------------------------- */

/* Returned by tok_utf8_next for a byte that does not start a valid UTF-8 sequence. */
#define TOK_CP_INVALID 0xFFFFFFFFu

/* Decodes the code point starting at s[0] (n >= 1 bytes available) into *cp and returns its
 * length in bytes (1..4). A byte that starts no valid sequence (bad lead, truncated, overlong,
 * surrogate, above U+10FFFF) gives length 1 and TOK_CP_INVALID. */
size_t tok_utf8_next(const uint8_t *s, size_t n, uint32_t *cp);

/* Appends the UTF-8 encoding of cp (<= U+10FFFF) to b. */
void tok_utf8_append(TokBuf *b, uint32_t cp);

/* Appends s[0..n-1] to b with every maximal invalid UTF-8 subpart replaced by one U+FFFD, as
 * Rust's String::from_utf8_lossy does. */
void tok_utf8_lossy(TokBuf *b, const uint8_t *s, size_t n);

/* Length of the longest prefix of s[0..n-1] that can be converted now without changing what a
 * later byte would make of it: everything except a trailing incomplete (but so far valid)
 * multi-byte sequence. Used to stream text token by token. */
size_t tok_utf8_complete_prefix(const uint8_t *s, size_t n);

/* Unicode classes: \p{L} (letters), \p{N} (numbers), \s (White_Space). */
bool tok_is_letter(uint32_t cp);
bool tok_is_number(uint32_t cp);
bool tok_is_space(uint32_t cp);

/* The generated range tables: sorted, inclusive [first, last] pairs. */
extern const uint32_t tok_letter_ranges[][2];
extern const size_t tok_letter_ranges_count;
extern const uint32_t tok_number_ranges[][2];
extern const size_t tok_number_ranges_count;
extern const uint32_t tok_space_ranges[][2];
extern const size_t tok_space_ranges_count;

/* ---- pre-tokenizers (tok_pretok.c) --------------------------------------------------------- */

typedef enum TokPreKind {
    /* ByteLevel(use_regex=true): GPT-2's regex
     * 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
    TOK_PRE_GPT2,
    /* Split(Isolated) with the Llama-3 / Qwen2 regex, then ByteLevel(use_regex=false):
     * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,D}| ?[^\s\p{L}\p{N}]+[\r\n]*|
     * \s*[\r\n]+|\s+(?!\S)|\s+   with D = 3 (Llama-3, GLM-4) or 1 (Qwen2: plain \p{N}). */
    TOK_PRE_LLAMA3,
} TokPreKind;

typedef struct TokPre {
    TokPreKind kind;
    int max_digits; /* TOK_PRE_LLAMA3: D above */
} TokPre;

/* Length in bytes (>= 1) of the regex match that starts at s[pos] (pos < n): the next piece.
 * The regexes match at every position, so the pieces cover the text. Bytes that are not valid
 * UTF-8 count as one-byte characters of no class. */
size_t tok_pre_next(const TokPre *pre, const uint8_t *s, size_t n, size_t pos);

/* ---- the tokenizer (tok_load.c, tok_bpe.c) ------------------------------------------------- */

typedef struct Tok Tok;

/* Reads a tokenizer.json. Supported: model BPE (no byte fallback, no subword prefix/suffix,
 * ignore_merges either way), no normalizer, the two pre-tokenizers above, decoder ByteLevel.
 * Anything else is an error naming it, in d as "PATH: message". */
Tok *tok_load(const char *path, Diag *d);
void tok_free(Tok *t);

/* Building one (tok_load.c uses these; tests may too). Messages name path. Order: tok_new, every
 * vocabulary entry and added token, every merge (rank = call order), tok_finish. */
Tok *tok_new(const char *path, const TokPre *pre, bool ignore_merges);
/* A vocabulary entry: str is the token in byte-level form (GPT-2's byte-to-character map);
 * 0 <= id < TOK_MAX_ID. An id or string given twice is an error. */
bool tok_add_vocab(Tok *t, const char *str, int64_t id, Diag *d);
/* An added token, matched verbatim in text before pre-tokenization. It may repeat a vocabulary
 * entry with the same id. special: skipped by decode with skip_special. */
bool tok_add_added(Tok *t, const char *content, int64_t id, bool special, Diag *d);
/* The next merge rule: left and right (byte-level form) and their concatenation must be tokens. */
bool tok_add_merge(Tok *t, const char *left, const char *right, Diag *d);
/* Checks that all 256 byte symbols are tokens (so encoding never fails). */
bool tok_finish(Tok *t, Diag *d);

/* Largest token id + 1 kiln accepts (a guard against absurd files). */
#define TOK_MAX_ID ((int64_t)1 << 24)

/* One more than the largest token id. */
int64_t tok_vocab_size(const Tok *t);

/* Appends the ids of text[0..len-1] to out (no special tokens are added). Never fails: every
 * byte has a symbol (checked at load). */
void tok_encode(const Tok *t, const char *text, size_t len, TokIds *out);

/* Appends the raw bytes of token id to b (nothing for a special added token when skip_special).
 * False, with a message, for an id that names no token. */
bool tok_token_bytes(const Tok *t, int64_t id, bool skip_special, TokBuf *b, Diag *d);

/* Decodes ids[0..n-1] to text as HF's Tokenizer.decode does: raw bytes, then lossy UTF-8.
 * Appends to out; false with a message for an unknown id. */
bool tok_decode(const Tok *t, const int64_t *ids, size_t n, bool skip_special, TokBuf *out,
                Diag *d);

#endif
