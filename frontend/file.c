/* Whole-file reads with a size cap, so a huge or endless input (a FIFO, /dev/zero) cannot make
 * kiln allocate without bound. */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fe_file_read(const char *path, size_t max_bytes, size_t *len, Diag *d) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        diag_at(d, path, NULL, NULL, "cannot open: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        diag_at(d, path, NULL, NULL, "cannot open: %s", strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_at(d, path, NULL, NULL, "cannot open: not a regular file");
        close(fd);
        return NULL;
    }
    if (st.st_size < 0 || (unsigned long long)st.st_size > max_bytes) {
        diag_at(d, path, NULL, NULL, "file is %lld bytes, more than the limit of %zu bytes",
                (long long)st.st_size, max_bytes);
        close(fd);
        return NULL;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    KILN_ASSERT(buf != NULL);
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
