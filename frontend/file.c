/* Whole-file reads with a size cap, so a huge or endless input (a FIFO, /dev/zero) cannot make
 * kiln allocate without bound. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a non-regular file is, for the message. */
static const char *fe_file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    return "not a regular file";
}

int fe_file_open(const char *path, const char *display, FeFileRule rule, struct stat *st, Diag *d) {
    if (!display) display = path;
    /* O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; it changes
     * nothing for the regular files that pass the checks below. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        int err = errno;
        if (stat(path, st) == 0 && !S_ISREG(st->st_mode)) /* a socket cannot be opened at all */
            diag_at(d, display, NULL, NULL, "cannot open: not a regular file (%s)",
                    fe_file_kind(st->st_mode));
        else
            diag_at(d, display, NULL, NULL, "cannot open: %s", strerror(err));
        return -1;
    }
    if (fstat(fd, st) != 0) {
        diag_at(d, display, NULL, NULL, "cannot open: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        diag_at(d, display, NULL, NULL, "cannot open: not a regular file (%s)",
                fe_file_kind(st->st_mode));
        close(fd);
        return -1;
    }
    if (rule == FE_FILE_IN_MODEL && st->st_nlink != 1) {
        diag_at(d, display, NULL, NULL,
                "cannot open: a file with more than one hard link (it has %llu); another link "
                "may be a file outside the model's folder, so kiln does not read it (copy the "
                "file into the folder instead)",
                (unsigned long long)st->st_nlink);
        close(fd);
        return -1;
    }
    return fd;
}

static char *fe_file_read_rule(const char *path, FeFileRule rule, size_t max_bytes, size_t *len,
                               Diag *d) {
    struct stat st;
    int fd = fe_file_open(path, NULL, rule, &st, d);
    if (fd < 0) return NULL;
    if (st.st_size < 0 || (unsigned long long)st.st_size > max_bytes) {
        diag_at(d, path, NULL, NULL, "file is %lld bytes, more than the limit of %zu bytes",
                (long long)st.st_size, max_bytes);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        diag_at(d, path, NULL, NULL, "cannot allocate %zu bytes to read the file", size + 1);
        close(fd);
        return NULL;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            diag_at(d, path, NULL, NULL, "cannot read: %s", strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        if (n == 0) break; /* the file shrank while we read it: use what is there */
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *len = got;
    return buf;
}

char *fe_file_read(const char *path, size_t max_bytes, size_t *len, Diag *d) {
    return fe_file_read_rule(path, FE_FILE_NAMED, max_bytes, len, d);
}

char *fe_file_read_in_model(const char *path, size_t max_bytes, size_t *len, Diag *d) {
    return fe_file_read_rule(path, FE_FILE_IN_MODEL, max_bytes, len, d);
}

bool fe_file_exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}
