/* The C backend's build step: the system C compiler run on the emitted folder, through
 * posix_spawnp with an argument vector (no shell, so paths with spaces or quotes are safe), its
 * output captured through a pipe. See cgc_build in cgc.h. */
#include "cgc.h"

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A growable NULL-terminated argument vector; the strings are malloc-owned. */
typedef struct CgcArgv {
    char **v;
    int n, cap;
} CgcArgv;

static void cgc_argv_push(CgcArgv *a, const char *s, size_t len) {
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = realloc(a->v, (size_t)a->cap * sizeof *a->v);
        KILN_ASSERT(a->v != NULL);
    }
    char *copy = malloc(len + 1);
    KILN_ASSERT(copy != NULL);
    memcpy(copy, s, len);
    copy[len] = '\0';
    a->v[a->n++] = copy;
    a->v[a->n] = NULL;
}

static void cgc_argv_free(CgcArgv *a) {
    for (int i = 0; i < a->n; i++) free(a->v[i]);
    free(a->v);
}

static int cgc_cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of dir's *.c files, appended to a as "dir/name". */
static bool cgc_push_c_files(CgcArgv *a, const char *dir, Diag *d) {
    DIR *dh = opendir(dir);
    if (!dh) {
        diag_at(d, dir, NULL, NULL, "cannot open: %s", strerror(errno));
        return false;
    }
    int first = a->n;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0) {
            size_t n = strlen(dir) + len + 2;
            char *p = malloc(n);
            KILN_ASSERT(p != NULL);
            snprintf(p, n, "%s/%s", dir, e->d_name);
            cgc_argv_push(a, p, n - 1);
            free(p);
        }
    }
    closedir(dh);
    if (a->n == first) {
        diag_at(d, dir, NULL, NULL, "no C sources were generated");
        return false;
    }
    qsort(a->v + first, (size_t)(a->n - first), sizeof *a->v, cgc_cmp_str);
    return true;
}

/* Adds the compiler's output to d, one message per line (at most 60 lines). */
static void cgc_report_output(const char *out, Diag *d) {
    int lines = 0;
    for (const char *p = out; *p && lines < 60; lines++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        diag_error(d, "  %.*s", (int)len, p);
        p += len + (nl ? 1 : 0);
    }
}

bool cgc_build(const char *dir, const CgBuildOptions *opt, Diag *d) {
    const char *prefix = opt->prefix;
    CgcArgv a = {0};
    const char *cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    for (const char *p = cc; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (p > start) cgc_argv_push(&a, start, (size_t)(p - start));
    }
    if (a.n == 0) cgc_argv_push(&a, "cc", 2);
    /* the generated code is meant to build cleanly under these; the tests hold it to that */
    static const char *const strict[] = {"-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"};
    for (size_t i = 0; opt->strict && i < sizeof strict / sizeof strict[0]; i++)
        cgc_argv_push(&a, strict[i], strlen(strict[i]));
    static const char *const flags[] = {"-O2", "-shared", "-fPIC", "-o"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        cgc_argv_push(&a, flags[i], strlen(flags[i]));
    size_t n = strlen(dir) + strlen(prefix) + 16;
    char *lib = malloc(n);
    KILN_ASSERT(lib != NULL);
    snprintf(lib, n, "%s/lib%s.so", dir, prefix);
    cgc_argv_push(&a, lib, strlen(lib));
    bool ok = cgc_push_c_files(&a, dir, d);
    cgc_argv_push(&a, "-lm", 3);

    int pipefd[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    bool have_fa = false;
    pid_t pid = -1;
    if (ok && pipe(pipefd) != 0) {
        diag_error(d, "cannot create a pipe: %s", strerror(errno));
        ok = false;
    }
    if (ok) {
        posix_spawn_file_actions_init(&fa);
        have_fa = true;
        posix_spawn_file_actions_addclose(&fa, pipefd[0]);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
        posix_spawn_file_actions_addclose(&fa, pipefd[1]);
        int err = posix_spawnp(&pid, a.v[0], &fa, NULL, a.v, environ);
        if (err != 0) {
            diag_error(d, "cannot run the C compiler '%s': %s (set $CC to choose another)", a.v[0],
                       strerror(err));
            ok = false;
        }
    }
    if (pipefd[1] >= 0) close(pipefd[1]);
    char *out = NULL;
    size_t out_len = 0, out_cap = 0;
    if (ok) {
        /* Read everything the compiler prints; keep at most 64 KiB of it. */
        char chunk[4096];
        for (;;) {
            ssize_t r = read(pipefd[0], chunk, sizeof chunk);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            if (out_len + (size_t)r + 1 > out_cap && out_len < 65536) {
                out_cap = (out_len + (size_t)r + 1) * 2;
                out = realloc(out, out_cap);
                KILN_ASSERT(out != NULL);
            }
            if (out_len + (size_t)r + 1 <= out_cap) {
                memcpy(out + out_len, chunk, (size_t)r);
                out_len += (size_t)r;
            }
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0) {
            if (errno != EINTR) {
                status = -1;
                break;
            }
        }
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            if (WIFEXITED(status))
                diag_error(d, "the C compiler '%s' failed (exit status %d) building %s:", a.v[0],
                           WEXITSTATUS(status), lib);
            else
                diag_error(d, "the C compiler '%s' did not finish building %s:", a.v[0], lib);
            if (out) {
                out[out_len] = '\0';
                cgc_report_output(out, d);
            }
            ok = false;
        }
    }
    if (pipefd[0] >= 0) close(pipefd[0]);
    if (have_fa) posix_spawn_file_actions_destroy(&fa);
    free(out);
    free(lib);
    cgc_argv_free(&a);
    return ok;
}
