/* The C backend's build step: the system C compiler run on the emitted folder, through
 * posix_spawnp with an argument vector (no shell, so paths with spaces or quotes are safe), its
 * output captured through a pipe. See cgc_build in cgc.h. */
#include "cgc.h"
#include "../runtime_files.h"

#include <dirent.h>
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static bool cgc_is_runtime_file(const char *name) {
    for (int i = 0; i < cg_runtime_file_count; i++)
        if (strcmp(cg_runtime_files[i].name, name) == 0) return true;
    return false;
}

/* The sorted names of dir's *.c files (without the runtime's own when skip_runtime), appended
 * to a as "dir/name". */
static bool cgc_push_c_files(CgcArgv *a, const char *dir, bool skip_runtime, Diag *d) {
    DIR *dh = opendir(dir);
    if (!dh) {
        diag_at(d, dir, NULL, NULL, "cannot open: %s", strerror(errno));
        return false;
    }
    int first = a->n;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 2 && strcmp(e->d_name + len - 2, ".c") == 0 &&
            !(skip_runtime && cgc_is_runtime_file(e->d_name))) {
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

/* The compiler command from $CC (split at blanks; "cc" when unset), appended to a. */
static void cgc_push_cc(CgcArgv *a) {
    const char *cc = getenv("CC");
    if (!cc || !*cc) cc = "cc";
    for (const char *p = cc; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        if (p > start) cgc_argv_push(a, start, (size_t)(p - start));
    }
    if (a->n == 0) cgc_argv_push(a, "cc", 2);
}

/* Runs a->v (tool names what it is: "the C compiler", "the archiver"), capturing what it
 * prints; on failure records "TOOL 'NAME' failed ... building WHAT:" and the output. */
static bool cgc_run(const CgcArgv *a, const char *tool, const char *what, Diag *d) {
    int pipefd[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    bool have_fa = false, ok = true;
    pid_t pid = -1;
    if (pipe(pipefd) != 0) {
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
        int err = posix_spawnp(&pid, a->v[0], &fa, NULL, a->v, environ);
        if (err != 0) {
            diag_error(d, "cannot run %s '%s': %s (set $CC to choose another C compiler)", tool,
                       a->v[0], strerror(err));
            ok = false;
        }
    }
    if (pipefd[1] >= 0) close(pipefd[1]);
    char *out = NULL;
    size_t out_len = 0, out_cap = 0;
    if (ok) {
        /* Read everything the tool prints; keep at most 64 KiB of it. */
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
                diag_error(d, "%s '%s' failed (exit status %d) building %s:", tool, a->v[0],
                           WEXITSTATUS(status), what);
            else
                diag_error(d, "%s '%s' did not finish building %s:", tool, a->v[0], what);
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
    return ok;
}

bool cgc_build(const char *dir, const CgBuildOptions *opt, Diag *d) {
    CgcArgv a = {0};
    cgc_push_cc(&a);
    /* the generated code is meant to build cleanly under these; the tests hold it to that */
    static const char *const strict[] = {"-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"};
    for (size_t i = 0; opt->strict && i < sizeof strict / sizeof strict[0]; i++)
        cgc_argv_push(&a, strict[i], strlen(strict[i]));
    static const char *const flags[] = {"-shared", "-fPIC", "-o"};
    const char *level = opt->quick ? "-O0" : "-O2";
    cgc_argv_push(&a, level, strlen(level));
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        cgc_argv_push(&a, flags[i], strlen(flags[i]));
    size_t n = strlen(dir) + strlen(opt->prefix) + 16;
    char *lib = malloc(n);
    KILN_ASSERT(lib != NULL);
    snprintf(lib, n, "%s/lib%s.so", dir, opt->prefix);
    cgc_argv_push(&a, lib, strlen(lib));
    bool ok = cgc_push_c_files(&a, dir, opt->runtime_library != NULL, d);
    if (opt->runtime_library) cgc_argv_push(&a, opt->runtime_library, strlen(opt->runtime_library));
    cgc_argv_push(&a, "-lm", 3);
    ok = ok && cgc_run(&a, "the C compiler", lib, d);
    free(lib);
    cgc_argv_free(&a);
    return ok;
}

bool cgc_build_runtime(const char *work_dir, char *out, size_t cap, Diag *d) {
    size_t n = strlen(work_dir) + 64;
    char *rt = malloc(n), *path = NULL;
    KILN_ASSERT(rt != NULL);
    snprintf(rt, n, "%s/krt", work_dir);
    bool ok = mkdir(rt, 0755) == 0 || errno == EEXIST;
    if (!ok) diag_at(d, rt, NULL, NULL, "cannot create the folder: %s", strerror(errno));
    /* every file first: the sources include each other's headers */
    for (int i = 0; i < cg_runtime_file_count && ok; i++) {
        const CgEmbeddedFile *f = &cg_runtime_files[i];
        const char *name = f->name;
        free(path);
        path = malloc(strlen(rt) + strlen(name) + 2);
        KILN_ASSERT(path != NULL);
        sprintf(path, "%s/%s", rt, name);
        FILE *fp = fopen(path, "wb");
        ok = fp && fwrite(f->data, 1, f->size, fp) == f->size;
        if (fp && fclose(fp) != 0) ok = false;
        if (!ok) diag_at(d, path, NULL, NULL, "cannot write the file");
    }
    CgcArgv ar = {0};
    cgc_argv_push(&ar, "ar", 2);
    cgc_argv_push(&ar, "rcs", 3);
    if ((size_t)snprintf(out, cap, "%s/libkrt.a", rt) >= cap) {
        diag_error(d, "%s: path too long", rt);
        ok = false;
    }
    cgc_argv_push(&ar, out, strlen(out));
    for (int i = 0; i < cg_runtime_file_count && ok; i++) {
        const char *name = cg_runtime_files[i].name;
        size_t len = strlen(name);
        if (len < 3 || strcmp(name + len - 2, ".c") != 0) continue;
        free(path);
        path = malloc(strlen(rt) + len + 4);
        KILN_ASSERT(path != NULL);
        sprintf(path, "%s/%s", rt, name);
        size_t plen = strlen(path);
        char *obj = malloc(plen + 1);
        KILN_ASSERT(obj != NULL);
        memcpy(obj, path, plen + 1);
        obj[plen - 1] = 'o'; /* DIR/name.c -> DIR/name.o */
        CgcArgv a = {0};
        cgc_push_cc(&a);
        static const char *const flags[] = {"-O1", "-fPIC", "-c", "-o"};
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            cgc_argv_push(&a, flags[k], strlen(flags[k]));
        cgc_argv_push(&a, obj, plen);
        cgc_argv_push(&a, path, plen);
        cgc_argv_push(&ar, obj, plen);
        ok = cgc_run(&a, "the C compiler", path, d);
        cgc_argv_free(&a);
        free(obj);
    }
    ok = ok && cgc_run(&ar, "the archiver", out, d);
    cgc_argv_free(&ar);
    free(path);
    free(rt);
    return ok;
}
