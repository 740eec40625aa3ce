/* Helpers shared by the frontends that read JSON (model descriptions, safetensors headers):
 * a nesting-depth check that runs before cJSON sees the text, error positions, and strict
 * readers for integral numbers. */
#ifndef KILN_FE_JSON_UTIL_H
#define KILN_FE_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "../ir/diag.h"

/* Deepest nesting kiln accepts in any JSON it reads. Real models need < 10. */
#define FE_JSON_MAX_DEPTH 64

/* Largest integer a JSON number can carry exactly (cJSON stores numbers as double): 2^53. */
#define FE_JSON_MAX_EXACT_INT 9007199254740992.0

/* Scans text[0..len) for '[' and '{' outside strings. Returns true if nesting never exceeds
 * max_depth; otherwise false with *where set to the offset of the bracket that went too deep. */
bool fe_json_depth_ok(const char *text, size_t len, int max_depth, size_t *where);

/* 1-based line and column of byte offset `off` in text (off <= len). */
void fe_json_line_col(const char *text, size_t off, int *line, int *col);

/* True if text[off..len) holds only JSON whitespace. */
bool fe_json_rest_is_space(const char *text, size_t off, size_t len);

/* Reads an integral JSON number into *out. Fails (returns false) for non-numbers, fractions,
 * NaN/inf and magnitudes above 2^53, which a double cannot hold exactly. */
bool fe_json_get_int(const cJSON *item, int64_t *out);

/* Parses text[0..len) as one JSON value followed only by whitespace, after checking the nesting
 * depth and that no raw control byte or \u0000 escape is in it (both invalid or lossy in
 * cJSON's C strings). On failure returns NULL and sets *err_off to the offset of the problem and
 * *too_deep to whether the depth check failed. */
cJSON *fe_json_parse(const char *text, size_t len, size_t *err_off, bool *too_deep);

/* Finds a key that appears twice in one object anywhere inside item (cJSON keeps both, and
 * kiln's lookups see the first where Python's json keeps the last, so such a file means two
 * things). Returns true and writes the key's dotted path ("rope_scaling.factor") into buf (cap
 * bytes) when there is one. O(n log n) in the number of keys. */
bool fe_json_duplicate_key(const cJSON *item, char *buf, size_t cap);

/* fe_json_parse, reporting a failure as "PATH: invalid JSON at line L, column C" (or "JSON
 * nested too deeply at ...") in d. */
cJSON *fe_json_parse_reported(const char *path, const char *text, size_t len, Diag *d);

/* Short name of the JSON type of item, for messages ("string", "number", "array", ...). */
const char *fe_json_type_name(const cJSON *item);

#endif
