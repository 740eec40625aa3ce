/* File helpers for the frontend tests: writing files and safetensors images into temp
 * folders, and checking that a Diag holds an expected message. */
#ifndef KILN_FE_TEST_FILES_H
#define KILN_FE_TEST_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"

/* "dir/name" in a static buffer (one of a few rotating ones). */
const char *fe_test_path(const char *dir, const char *name);

/* Writes len bytes to path; true on success. */
bool fe_test_write(const char *path, const void *bytes, size_t len);

/* Writes a safetensors file: the u64 length of `header`, the header, then data_len bytes of
 * data (byte i is (i * 7) & 0xff, unless data is given). */
bool fe_test_write_st(const char *path, const char *header, const void *data, size_t data_len);

/* True if some message in d contains `want`; prints the messages otherwise. */
bool fe_test_diag_has(const Diag *d, const char *want);

#endif
