/* Path safety for files that model files refer to. See path.h for the rules. */
#include "path.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static char *fe_path_xstrdup(const char *s) {
    char *p = strdup(s);
    KILN_ASSERT(p != NULL);
    return p;
}

char *fe_path_dirname(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return fe_path_xstrdup(".");
    /* drop repeated slashes before the file name, but keep a lone root "/" */
    while (slash > path && slash[-1] == '/') slash--;
    if (slash == path) return fe_path_xstrdup("/");
    size_t n = (size_t)(slash - path);
    char *dir = malloc(n + 1);
    KILN_ASSERT(dir != NULL);
    memcpy(dir, path, n);
    dir[n] = '\0';
    return dir;
}

char *fe_path_join(const char *dir, const char *rel) {
    if (strcmp(dir, ".") == 0) return fe_path_xstrdup(rel);
    size_t nd = strlen(dir), nr = strlen(rel);
    bool slash = nd > 0 && dir[nd - 1] == '/';
    char *p = malloc(nd + nr + 2);
    KILN_ASSERT(p != NULL);
    memcpy(p, dir, nd);
    if (!slash) p[nd++] = '/';
    memcpy(p + nd, rel, nr + 1);
    return p;
}

/* True if some '/'-separated component of rel is exactly "..". */
static bool fe_path_has_dotdot(const char *rel) {
    const char *s = rel;
    while (*s) {
        const char *end = strchr(s, '/');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') return true;
        if (!end) break;
        s = end + 1;
    }
    return false;
}

/* True if `path` is `dir` itself or lies below it; both are realpaths. */
static bool fe_path_is_inside(const char *dir, const char *path) {
    size_t n = strlen(dir);
    if (strncmp(dir, path, n) != 0) return false;
    if (n > 0 && dir[n - 1] == '/') return true; /* dir is "/" */
    return path[n] == '/';
}

char *fe_path_resolve(const char *model_path, const char *what, const char *rel, Diag *d) {
    char *dir = fe_path_dirname(model_path);
    char *real = fe_path_resolve_in(model_path, dir, what, rel, d);
    free(dir);
    return real;
}

char *fe_path_resolve_in(const char *model_path, const char *dir, const char *what, const char *rel,
                         Diag *d) {
    if (rel[0] == '\0') {
        diag_at(d, model_path, NULL, NULL, "%s: the path is empty", what);
        return NULL;
    }
    if (rel[0] == '/') {
        diag_at(d, model_path, NULL, NULL,
                "%s '%s': absolute paths are not allowed; give a path relative to the model's "
                "folder",
                what, rel);
        return NULL;
    }
    if (fe_path_has_dotdot(rel)) {
        diag_at(d, model_path, NULL, NULL,
                "%s '%s': '..' is not allowed; the file must be inside the model's folder", what,
                rel);
        return NULL;
    }
    char *joined = fe_path_join(dir, rel);
    char *dir_real = realpath(dir, NULL);
    if (!dir_real) {
        diag_at(d, model_path, NULL, NULL, "cannot resolve the model's folder '%s': %s", dir,
                strerror(errno));
        free(joined);
        return NULL;
    }
    char *file_real = realpath(joined, NULL);
    if (!file_real) {
        diag_at(d, model_path, NULL, NULL, "%s '%s': cannot open: %s", what, rel, strerror(errno));
    } else if (!fe_path_is_inside(dir_real, file_real) || strcmp(dir_real, file_real) == 0) {
        diag_at(d, model_path, NULL, NULL,
                "%s '%s' resolves to '%s', outside the model's folder '%s' (through a symlink)",
                what, rel, file_real, dir_real);
        free(file_real);
        file_real = NULL;
    }
    free(dir_real);
    free(joined);
    return file_real;
}
