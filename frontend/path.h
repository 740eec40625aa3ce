/* Safe resolution of paths written inside model files (weights, constant data files).
 *
 * A model file may only refer to files inside its own folder: a downloaded model must not be
 * able to make kiln read /etc/shadow or ~/.ssh through "../" or a symlink. */
#ifndef KILN_FE_PATH_H
#define KILN_FE_PATH_H

#include "../ir/diag.h"

/* The folder part of `path` as a malloc'd string: "a/b/m.json" -> "a/b", "m.json" -> ".",
 * "/m.json" -> "/". */
char *fe_path_dirname(const char *path);

/* "dir/rel" as a malloc'd string, or a copy of rel when dir is "." (for messages). */
char *fe_path_join(const char *dir, const char *rel);

/* Resolves `rel`, written in model file `model_path` (what names the field for messages, e.g.
 * "weights"), against the model's folder. Refuses an empty or absolute path, any ".."
 * component, and a path whose realpath lies outside the realpath of the model's folder (a
 * symlink pointing out). Returns the malloc'd realpath of the file, or NULL with a message
 * naming model_path and rel (a missing file reads "cannot open: <reason>"). */
char *fe_path_resolve(const char *model_path, const char *what, const char *rel, Diag *d);

/* Like fe_path_resolve, against the folder dir instead of model_path's own folder (a .kir file
 * that states where its weights are); the same rules hold inside dir. Messages name model_path. */
char *fe_path_resolve_in(const char *model_path, const char *dir, const char *what, const char *rel,
                         Diag *d);

#endif
