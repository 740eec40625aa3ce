/* kiln-onnx-test DIR [--filter SUBSTR] [--expect FILE] [--coverage FILE.md] [--no-specialize]
 *                   [-j N]
 *
 * Runs ONNX's backend node tests (the model.onnx and test_data_set_0 of each test_ folder of DIR)
 * through kiln's ONNX importer, the reference interpreter and the C backend, one forked worker per
 * test (a crash in one test cannot take the run down), and prints one line per test and the totals.
 * Specialization (on unless --no-specialize): a small integer input whose value the importer
 * needs at compile time is fixed to the test's data (see otr_run_test).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "onnx_test_run.h"

#define OT_SEC_LIMIT 120

typedef struct OtTest {
    char *name;
    int status; /* -1 not run, OtrStatus */
    char *why;
    char *ops;
} OtTest;

static int ot_cmp(const void *a, const void *b) {
    return strcmp(((const OtTest *)a)->name, ((const OtTest *)b)->name);
}

/* The child's work: runs the test and writes "STATUS\tOPS\tWHY" to fd. */
static void ot_child(const char *root, const char *name, const char *work, const char *rt,
                     bool specialize, int fd) {
    alarm(OT_SEC_LIMIT);
    char dir[4200], wdir[4200], why[1024] = "", ops[2048] = "";
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    snprintf(wdir, sizeof wdir, "%s/%s", work, name);
    mkdir(wdir, 0755);
    OtrStatus st = otr_run_test(dir, wdir, rt, specialize, why, sizeof why, ops, sizeof ops);
    for (char *p = why; *p; p++)
        if (*p == '\n' || *p == '\t') *p = ' ';
    char line[4096];
    int len = snprintf(line, sizeof line, "%d\t%s\t%s", (int)st, ops, why);
    if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
    ssize_t w = write(fd, line, (size_t)len);
    (void)w;
    if (st == OTR_PASS) cli_remove_tree(wdir);
}

static void ot_collect(OtTest *t, int fd, int wstatus) {
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
    buf[n] = '\0';
    close(fd);
    char *tab1 = strchr(buf, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    if (!tab2) {
        t->status = OTR_FAIL;
        t->ops = strdup("");
        char msg[128];
        snprintf(msg, sizeof msg, "the test crashed or timed out (wait status %d)", wstatus);
        t->why = strdup(msg);
        return;
    }
    *tab1 = *tab2 = '\0';
    t->status = atoi(buf);
    t->ops = strdup(tab1 + 1);
    t->why = strdup(tab2 + 1);
}

static bool ot_list(const char *root, const char *filter, OtTest **out, int *count) {
    DIR *dh = opendir(root);
    if (!dh) {
        fprintf(stderr, "kiln-onnx-test: %s: cannot open: %s\n", root, strerror(errno));
        return false;
    }
    OtTest *ts = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dh)) != NULL) {
        if (strncmp(e->d_name, "test_", 5) != 0) continue;
        if (filter && !strstr(e->d_name, filter)) continue;
        char model[4200];
        snprintf(model, sizeof model, "%s/%s/model.onnx", root, e->d_name);
        if (access(model, R_OK) != 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            ts = realloc(ts, sizeof *ts * (size_t)cap);
            if (!ts) abort();
        }
        ts[n].name = strdup(e->d_name);
        ts[n].status = -1;
        ts[n].why = ts[n].ops = NULL;
        n++;
    }
    closedir(dh);
    if (n) qsort(ts, (size_t)n, sizeof *ts, ot_cmp);
    *out = ts;
    *count = n;
    return true;
}

/* Per op: tests passed / total, as a markdown table. */
static bool ot_write_coverage(const char *path, const OtTest *ts, int n) {
    char **ops = NULL;
    int *pass = NULL, *total = NULL, n_ops = 0;
    for (int i = 0; i < n; i++) {
        char *copy = strdup(ts[i].ops ? ts[i].ops : "");
        for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
            int k = 0;
            while (k < n_ops && strcmp(ops[k], tok) != 0) k++;
            if (k == n_ops) {
                ops = realloc(ops, sizeof *ops * (size_t)(n_ops + 1));
                pass = realloc(pass, sizeof *pass * (size_t)(n_ops + 1));
                total = realloc(total, sizeof *total * (size_t)(n_ops + 1));
                if (!ops || !pass || !total) abort();
                ops[k] = strdup(tok);
                pass[k] = total[k] = 0;
                n_ops++;
            }
            total[k]++;
            pass[k] += ts[i].status == OTR_PASS;
        }
        free(copy);
    }
    for (int i = 0; i < n_ops; i++)
        for (int j = i + 1; j < n_ops; j++)
            if (strcmp(ops[i], ops[j]) > 0) {
                char *s = ops[i];
                ops[i] = ops[j], ops[j] = s;
                int t = pass[i];
                pass[i] = pass[j], pass[j] = t;
                t = total[i], total[i] = total[j], total[j] = t;
            }
    FILE *f = fopen(path, "w");
    bool ok = f != NULL;
    if (f) {
        int np = 0;
        for (int i = 0; i < n; i++) np += ts[i].status == OTR_PASS;
        fprintf(f, "# ONNX conformance coverage\n\n");
        fprintf(f,
                "Generated by `kiln-onnx-test --coverage` from ONNX 1.22.0's backend node "
                "tests: %d of %d tests pass. A test counts for every op its model uses.\n\n",
                np, n);
        fprintf(f, "| ONNX op | tests passed | tests |\n|---|---|---|\n");
        for (int i = 0; i < n_ops; i++) fprintf(f, "| %s | %d | %d |\n", ops[i], pass[i], total[i]);
        ok = fclose(f) == 0;
    }
    for (int i = 0; i < n_ops; i++) free(ops[i]);
    free(ops);
    free(pass);
    free(total);
    return ok;
}

/* Exit status 1 if a test named in the expect file did not pass. */
static int ot_check_expect(const char *path, const OtTest *ts, int n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "kiln-onnx-test: %s: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    char line[512];
    int bad = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0] || line[0] == '#') continue;
        int k = 0;
        while (k < n && strcmp(ts[k].name, line) != 0) k++;
        if (k == n) continue; /* filtered out of this run */
        if (ts[k].status != OTR_PASS) {
            fprintf(stderr, "kiln-onnx-test: expected to pass: %s\n", line);
            bad++;
        }
    }
    fclose(f);
    return bad ? 1 : 0;
}

int main(int argc, char **argv) {
    const char *root = NULL, *filter = NULL, *expect = NULL, *coverage = NULL;
    int jobs = 2;
    bool specialize = true;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc)
            filter = argv[++i];
        else if (strcmp(argv[i], "--expect") == 0 && i + 1 < argc)
            expect = argv[++i];
        else if (strcmp(argv[i], "--coverage") == 0 && i + 1 < argc)
            coverage = argv[++i];
        else if (strcmp(argv[i], "--no-specialize") == 0)
            specialize = false;
        else if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2])
            jobs = atoi(argv[i] + 2);
        else if (argv[i][0] != '-' && !root)
            root = argv[i];
        else {
            fprintf(stderr, "usage: kiln-onnx-test DIR [--filter SUBSTR] [--expect FILE] "
                            "[--coverage FILE.md] [--no-specialize] [-j N]\n");
            return 2;
        }
    }
    if (!root || jobs < 1 || jobs > 64) {
        fprintf(stderr, "usage: kiln-onnx-test DIR [--filter SUBSTR] [--expect FILE] "
                        "[--coverage FILE.md] [--no-specialize] [-j N]\n");
        return 2;
    }
    OtTest *ts;
    int n;
    if (!ot_list(root, filter, &ts, &n)) return 1;
    char work[] = "/tmp/kiln-onnx-test-XXXXXX";
    if (!mkdtemp(work)) {
        fprintf(stderr, "kiln-onnx-test: cannot create a work folder\n");
        return 1;
    }
    char rt[4300];
    if (!otr_build_runtime(work, rt, sizeof rt)) {
        fprintf(stderr, "kiln-onnx-test: cannot build the runtime library in %s\n", work);
        return 1;
    }
    pid_t *pids = calloc((size_t)jobs, sizeof *pids);
    int *fds = calloc((size_t)jobs, sizeof *fds), *idx = calloc((size_t)jobs, sizeof *idx);
    int next = 0, running = 0, printed = 0;
    fflush(stdout);
    while (next < n || running > 0) {
        while (running < jobs && next < n) {
            int slot = 0;
            while (pids[slot]) slot++;
            int p[2];
            if (pipe(p) != 0) abort();
            pid_t pid = fork();
            if (pid == 0) {
                close(p[0]);
                ot_child(root, ts[next].name, work, rt, specialize, p[1]);
                _exit(0);
            }
            close(p[1]);
            pids[slot] = pid, fds[slot] = p[0], idx[slot] = next++;
            running++;
        }
        int st;
        pid_t done = wait(&st);
        if (done < 0) break;
        for (int s = 0; s < jobs; s++)
            if (pids[s] == done) {
                ot_collect(&ts[idx[s]], fds[s], st);
                pids[s] = 0;
                running--;
            }
        /* Print in name order as results become available. */
        while (printed < n && ts[printed].status >= 0) {
            const OtTest *t = &ts[printed++];
            if (t->status == OTR_PASS)
                printf("%s: pass\n", t->name);
            else
                printf("%s: %s: %s\n", t->name, t->status == OTR_FAIL ? "fail" : "unsupported",
                       t->why);
            fflush(stdout);
        }
    }
    int np = 0, nf = 0, ns = 0, nspec = 0;
    for (int i = 0; i < n; i++) {
        np += ts[i].status == OTR_PASS;
        nspec += ts[i].status == OTR_PASS && strcmp(ts[i].why, "specialized") == 0;
        nf += ts[i].status == OTR_FAIL;
        ns += ts[i].status == OTR_UNSUPPORTED;
    }
    printf("%d passed, %d failed, %d skipped\n", np, nf, ns);
    if (nspec) printf("(%d of the passed tests specialized inputs to constants)\n", nspec);
    int rc = 0;
    if (coverage && !ot_write_coverage(coverage, ts, n)) rc = 1;
    if (expect) rc |= ot_check_expect(expect, ts, n);
    cli_remove_tree(work);
    for (int i = 0; i < n; i++) free(ts[i].name), free(ts[i].why), free(ts[i].ops);
    free(ts);
    free(pids);
    free(fds);
    free(idx);
    return rc;
}
