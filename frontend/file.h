/* Reading whole model files into memory, with a size cap, for the text-based frontends. */
#ifndef KILN_FE_FILE_H
#define KILN_FE_FILE_H

#include <stddef.h>

#include "../ir/diag.h"

#include <stdbool.h>
#include <sys/stat.h>

/* Which files kiln may read, and the rule for each (docs/reliability.md):
 * - FE_FILE_NAMED: a file the user named (the model file on the command line, --tokenizer, an
 *   input .npy): it must be a regular file.
 * - FE_FILE_IN_MODEL: a file a model refers to or that kiln finds in a model's folder (weights,
 *   shards, external data, generation_config.json): a regular file with exactly one hard link.
 *   The path checks (path.h) keep symlinks and ".." inside the folder, but a hard link is the
 *   file itself: nothing on disk says which folders its other links are in, so a second link
 *   may be /etc/passwd's. The fix for a user is to copy the file into the folder. */
typedef enum FeFileRule { FE_FILE_NAMED, FE_FILE_IN_MODEL } FeFileRule;

/* Opens `path` read-only without blocking and checks it against `rule`: a FIFO, socket,
 * device or directory is refused before anything is read (opening a FIFO blocks until a
 * writer comes, and reading /dev/zero never ends). Returns the descriptor and fills *st, or -1
 * with "DISPLAY: cannot open: ..." recorded (display NULL: path). */
int fe_file_open(const char *path, const char *display, FeFileRule rule, struct stat *st, Diag *d);

/* Reads the regular file at `path` into a malloc'd buffer with a NUL appended (the caller
 * frees it) and stores its length, without the NUL, in *len. Refuses files larger than
 * max_bytes. On error records "PATH: cannot open: <reason>" (or a size / not-a-file message)
 * and returns NULL. */
char *fe_file_read(const char *path, size_t max_bytes, size_t *len, Diag *d);

/* Whether something exists at path (lstat: a dangling symlink counts), without opening it: for
 * optional files, which a reader then opens with the checks above. */
bool fe_file_exists(const char *path);

/* fe_file_read under FE_FILE_IN_MODEL. */
char *fe_file_read_in_model(const char *path, size_t max_bytes, size_t *len, Diag *d);

#endif
