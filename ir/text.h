/* The text form of the IR (.kir): printed by `kiln dump`, read back by `kiln compile x.kir`.
 * print(parse(print(g))) == print(g), byte for byte. The grammar is in docs/ir-text.md.
 * Graphviz output for `kiln dump --format dot` lives here too. */
#ifndef KILN_TEXT_H
#define KILN_TEXT_H

#include <stdio.h>

#include "ir.h"

/* Writes g in the text form. */
void ir_print(const IrGraph *g, FILE *f);
/* Like ir_print, for people: an inline constant with more than max_elements elements (such as
 * the concatenated weights a fusion pass makes) is written `= elided COUNT`. Such text is for
 * reading; the parser refuses it with a message saying how to get the full form. */
void ir_print_summary(const IrGraph *g, FILE *f, size_t max_elements);
/* The same into a malloc'd NUL-terminated string (caller frees). */
char *ir_print_to_string(const IrGraph *g);

/* Loads the data of a constant that the text refers to by file and tensor name (the frontend
 * provides this, reading safetensors, so ir/ does not depend on file formats). It must check
 * that the tensor's dtype and shape equal *type, and on success set *data / *nbytes to memory
 * that outlives g (typically a mapping adopted by g). */
typedef bool (*IrConstLoader)(IrGraph *g, const char *file, const char *key, const IrType *type,
                              const void **data, size_t *nbytes, Diag *d, void *user);

/* Parses text (NUL-terminated) into a graph. path names the text in messages
 * ("model.kir:12:5: expected ']'"); base_dir is the folder data_file paths are relative to.
 * loader may be NULL, in which case a file-backed constant is an error. The result passes
 * ir_verify. Returns NULL with messages on error. */
IrGraph *ir_parse_string(const char *text, const char *path, const char *base_dir,
                         IrConstLoader loader, void *loader_user, Diag *d);

/* Writes g as a Graphviz digraph: one box per node labelled with its op and name, one ellipse
 * per graph input, output and constant, edges labelled with the value's type. */
void ir_print_dot(const IrGraph *g, FILE *f);

#endif
