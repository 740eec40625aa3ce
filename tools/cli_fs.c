/* Files and folders for the CLI: all-or-nothing output folders guarded by a marker file, and
 * removal of the temporary folders kiln itself created. */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *cli_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    KILN_ASSERT(s != NULL);
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, name, b + 1);
    return s;
}

bool cli_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cli_remove_tree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT;
    if (!S_ISDIR(st.st_mode)) return unlink(path) == 0;
    DIR *dir = opendir(path);
    if (!dir) return false;
    bool ok = true;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char *child = cli_path_join(path, e->d_name);
        if (!cli_remove_tree(child)) ok = false;
        free(child);
    }
    closedir(dir);
    if (rmdir(path) != 0) ok = false;
    return ok;
}

bool cli_write_file(const char *path, const void *data, size_t len, Diag *d) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0666);
    if (fd < 0) {
        diag_at(d, path, NULL, NULL, "cannot create: %s", strerror(errno));
        return false;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            diag_at(d, path, NULL, NULL, "cannot write: %s", strerror(errno));
            close(fd);
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0) {
        diag_at(d, path, NULL, NULL, "cannot write: %s", strerror(errno));
        return false;
    }
    return true;
}

/* True when path is a real folder (not a link) holding kiln's marker file. */
static bool cli_is_kiln_output(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) return false;
    char *marker = cli_path_join(path, CLI_MARKER_FILE);
    bool ok = lstat(marker, &st) == 0 && S_ISREG(st.st_mode);
    free(marker);
    return ok;
}

/* Refuses a final path that kiln may not own: an existing thing without the marker. */
static bool cli_check_replaceable(const char *path, Diag *d) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT) return true;
        diag_at(d, path, NULL, NULL, "cannot inspect: %s", strerror(errno));
        return false;
    }
    if (cli_is_kiln_output(path)) return true;
    diag_at(d, path, NULL, NULL,
            "already exists and is not a kiln output folder (no %s file); refusing to replace "
            "it: remove it or choose another -o",
            CLI_MARKER_FILE);
    return false;
}

bool cli_outdir_begin(CliOutDir *o, const char *final_path, Diag *d) {
    memset(o, 0, sizeof *o);
    size_t len = strlen(final_path);
    while (len > 1 && final_path[len - 1] == '/') len--; /* "out/" names the folder "out" */
    const char *base = final_path + len;
    while (base > final_path && base[-1] != '/') base--;
    size_t base_len = (size_t)(final_path + len - base);
    if (len == 0 || base_len == 0 || (base_len == 1 && base[0] == '.') ||
        (base_len == 2 && base[0] == '.' && base[1] == '.') || (len == 1 && final_path[0] == '/')) {
        diag_at(d, final_path, NULL, NULL, "not usable as an output folder");
        return false;
    }
    o->final_path = malloc(len + 1);
    KILN_ASSERT(o->final_path != NULL);
    memcpy(o->final_path, final_path, len);
    o->final_path[len] = '\0';
    if (!cli_check_replaceable(o->final_path, d)) {
        cli_outdir_abort(o);
        return false;
    }
    cli_remove_stale_outputs(o->final_path);
    o->tmp_path = malloc(len + 16);
    KILN_ASSERT(o->tmp_path != NULL);
    snprintf(o->tmp_path, len + 16, "%s.tmp-XXXXXX", o->final_path);
    cli_interrupt_lock();
    bool made = mkdtemp(o->tmp_path) != NULL;
    if (made) cli_interrupt_track(o->tmp_path);
    cli_interrupt_unlock();
    if (!made) {
        diag_at(d, o->final_path, NULL, NULL, "cannot create a folder next to it: %s",
                strerror(errno));
        free(o->tmp_path);
        o->tmp_path = NULL;
        cli_outdir_abort(o);
        return false;
    }
    /* mkdtemp makes the folder 0700; the output is an ordinary folder. */
    mode_t mask = umask(0);
    umask(mask);
    chmod(o->tmp_path, 0777 & ~mask);
    char *marker = cli_path_join(o->tmp_path, CLI_MARKER_FILE);
    char text[512];
    int text_len = cli_marker_text(text, sizeof text);
    bool ok = cli_write_file(marker, text, (size_t)text_len, d);
    free(marker);
    if (!ok) {
        cli_outdir_abort(o);
        return false;
    }
    return true;
}

/* The rename into place, under the interrupt lock (see cli_interrupt.c). */
static bool cli_outdir_swap(CliOutDir *o, Diag *d) {
    struct stat st;
    if (lstat(o->final_path, &st) == 0) {
        /* Move the old output aside first, so a failed swap can be undone. */
        size_t n = strlen(o->tmp_path) + 8;
        char *old = malloc(n);
        KILN_ASSERT(old != NULL);
        snprintf(old, n, "%s.old", o->tmp_path);
        if (rename(o->final_path, old) != 0) {
            diag_at(d, o->final_path, NULL, NULL, "cannot replace: %s", strerror(errno));
            free(old);
            return false;
        }
        if (rename(o->tmp_path, o->final_path) != 0) {
            diag_at(d, o->final_path, NULL, NULL, "cannot replace: %s", strerror(errno));
            rename(old, o->final_path);
            free(old);
            return false;
        }
        cli_remove_tree(old);
        free(old);
    } else if (rename(o->tmp_path, o->final_path) != 0) {
        diag_at(d, o->final_path, NULL, NULL, "cannot create: %s", strerror(errno));
        return false;
    }
    return true;
}

bool cli_outdir_commit(CliOutDir *o, Diag *d) {
    KILN_ASSERT(o->tmp_path != NULL);
    if (!cli_check_replaceable(o->final_path, d)) return false;
    cli_interrupt_lock();
    bool ok = cli_outdir_swap(o, d);
    if (ok) cli_interrupt_track(NULL);
    cli_interrupt_unlock();
    if (!ok) return false;
    free(o->tmp_path);
    o->tmp_path = NULL;
    return true;
}

void cli_outdir_abort(CliOutDir *o) {
    cli_interrupt_lock();
    if (o->tmp_path) {
        cli_remove_tree(o->tmp_path);
        cli_interrupt_track(NULL);
    }
    cli_interrupt_unlock();
    free(o->tmp_path);
    free(o->final_path);
    memset(o, 0, sizeof *o);
}
