/* The llvm backend's build step: its object file linked into lib<prefix>.so by a linker, not a
 * C compiler driver, so a library builds where no C compiler is installed. ld.lld-14 (Debian's
 * lld-14, beside the llvm-14 kiln links) is tried first, then the system ld (binutils); both are
 * given the same arguments: a shared, PIC, no-exec-stack library with immediate binding,
 * linked against libm, libpthread and libc from the multiarch folders of the host, with no
 * undefined symbol allowed (what dlopen would otherwise find only at load time). The linker is
 * run through posix_spawnp with an argument vector (no shell) and its output captured. */
#include "cgl.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Runs argv; 0 when it exits 0, ENOENT when the program is not found, else -1 with its output
 * in d. */
static int cgl_run(char *const *argv, Diag *d) {
    int fds[2];
    if (pipe(fds) != 0) {
        diag_error(d, "cannot create a pipe for the linker: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        if (rc == ENOENT) return ENOENT;
        diag_error(d, "cannot run %s: %s", argv[0], strerror(rc));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? 2 * cap : 8192;
            text = realloc(text, cap);
            KILN_ASSERT(text != NULL);
        }
        ssize_t got = read(fds[0], text + len, cap - len - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok) {
        text = realloc(text, len + 1);
        KILN_ASSERT(text != NULL);
        text[len] = '\0';
        diag_error(d, "%s failed%s", argv[0], len ? ":" : " without a message");
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"))
            diag_error(d, "%s", line);
    }
    free(text);
    return ok ? 0 : -1;
}

bool cgl_link_shared(const char *dir, const char *prefix, Diag *d) {
    char out[4096], obj[4096], usr[256], lib[256];
    if ((size_t)snprintf(out, sizeof out, "%s/lib%s.so", dir, prefix) >= sizeof out ||
        (size_t)snprintf(obj, sizeof obj, "%s/%s.o", dir, prefix) >= sizeof obj) {
        diag_error(d, "%s: output path too long", dir);
        return false;
    }
    if (access(obj, R_OK) != 0) {
        diag_error(d, "%s: no object file to link (emit it with --target llvm first)", obj);
        return false;
    }
    struct utsname u;
    KILN_ASSERT(uname(&u) == 0);
    snprintf(usr, sizeof usr, "-L/usr/lib/%s-linux-gnu", u.machine);
    snprintf(lib, sizeof lib, "-L/lib/%s-linux-gnu", u.machine);
    static const char *const linkers[] = {"ld.lld-14", "ld"};
    for (size_t i = 0; i < sizeof linkers / sizeof linkers[0]; i++) {
        const char *argv[] = {linkers[i],
                              "-shared",
                              "-o",
                              out,
                              obj,
                              usr,
                              lib,
                              "-L/usr/lib",
                              "-L/lib",
                              "--no-undefined",
                              "-z",
                              "noexecstack",
                              "-z",
                              "relro",
                              "-z",
                              "now",
                              "--hash-style=gnu",
                              "--as-needed",
                              "-lm",
                              "-lpthread",
                              "-lc",
                              NULL};
        int rc = cgl_run((char *const *)argv, d);
        if (rc == 0) return true;
        if (rc != ENOENT) return false;
    }
    diag_error(d, "no linker found: install lld-14 (ld.lld-14) or binutils (ld)");
    return false;
}
