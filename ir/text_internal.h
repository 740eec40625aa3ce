/* Helpers shared by the text printer (text_print.c), the parser (text_parse.c) and the Graphviz
 * writer (text_dot.c): a growable output buffer and the spelling of names, strings, types and
 * floats in the .kir syntax (docs/ir-text.md). Not part of the IR's public interface. */
#ifndef KILN_TEXT_INTERNAL_H
#define KILN_TEXT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ir.h"

/* The version written in (and required by) the header line `kiln.ir 1 graph "NAME"`. */
#define TXT_FORMAT_VERSION 1

/* A growable NUL-terminated byte string; s is malloc-owned (NULL while empty). */
typedef struct TxtBuf {
    char *s;
    size_t len, cap;
} TxtBuf;

void txt_putc(TxtBuf *b, char c);
void txt_puts(TxtBuf *b, const char *s);
void txt_printf(TxtBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* True when s can be written bare after '%' or as a symbol: [A-Za-z0-9_.]+, not starting with a
 * digit. */
bool txt_is_ident(const char *s);

/* Appends s as a quoted string: printable ASCII as is, '"' and '\' backslash-escaped, valid
 * UTF-8 sequences as is, every other byte as \xNN. */
void txt_put_quoted(TxtBuf *b, const char *s);

/* Appends s bare when txt_is_ident(s), else quoted. */
void txt_put_name(TxtBuf *b, const char *s);

/* Appends a type: dtype[dim, dim, ...] with symbol names from g. */
void txt_put_type(TxtBuf *b, const IrGraph *g, const IrType *t);

/* Appends the shortest decimal spelling of v that reads back (strtod) to the same bits, always
 * with a '.' or an exponent so it reads as a float; nan, -nan, inf, -inf spelled out. */
void txt_put_f64(TxtBuf *b, double v);

/* Appends element i of an inline constant of dtype t stored at data (little-endian, packed). */
void txt_put_element(TxtBuf *b, IrDtype t, const void *data, size_t i);

#endif
