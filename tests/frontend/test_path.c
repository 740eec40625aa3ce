/* Path safety: files referred to by a model must lie inside the model's folder. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fe_test_files.h"
#include "frontend/path.h"
#include "test_util.h"

static char model_dir[4096], model_path[4200];

/* Resolves rel for model file `model` and expects success, returning whether the result ends
 * with `tail`. */
static void expect_ok(const char *model, const char *rel, const char *tail) {
    Diag d;
    diag_init(&d);
    char *p = fe_path_resolve(model, "weights", rel, &d);
    if (!CHECK(p != NULL)) {
        diag_print(&d, stderr);
    } else {
        size_t n = strlen(p), m = strlen(tail);
        if (!CHECK(n >= m && strcmp(p + n - m, tail) == 0 && p[0] == '/'))
            fprintf(stderr, "  resolved '%s' to '%s'\n", rel, p);
    }
    free(p);
    diag_free(&d);
}

static void expect_refused(const char *rel, const char *want) {
    Diag d;
    diag_init(&d);
    char *p = fe_path_resolve(model_path, "weights", rel, &d);
    if (!CHECK(p == NULL)) fprintf(stderr, "  '%s' was accepted as '%s'\n", rel, p);
    free(p);
    CHECK(fe_test_diag_has(&d, want));
    /* the message names the model file and the path as written */
    CHECK(d.count == 1 && strncmp(d.messages[0], model_path, strlen(model_path)) == 0);
    CHECK(d.count == 1 && (rel[0] == '\0' || strstr(d.messages[0], rel) != NULL));
    diag_free(&d);
}

static void test_dirname_join(void) {
    char *s = fe_path_dirname("a/b/m.json");
    CHECK(strcmp(s, "a/b") == 0);
    free(s);
    s = fe_path_dirname("m.json");
    CHECK(strcmp(s, ".") == 0);
    free(s);
    s = fe_path_dirname("/m.json");
    CHECK(strcmp(s, "/") == 0);
    free(s);
    s = fe_path_dirname("a//m.json");
    CHECK(strcmp(s, "a") == 0);
    free(s);
    s = fe_path_join(".", "w.bin");
    CHECK(strcmp(s, "w.bin") == 0);
    free(s);
    s = fe_path_join("a/", "w.bin");
    CHECK(strcmp(s, "a/w.bin") == 0);
    free(s);
    s = fe_path_join("a", "w.bin");
    CHECK(strcmp(s, "a/w.bin") == 0);
    free(s);
}

int main(void) {
    const char *root = test_tmpdir("path");
    if (!CHECK(root != NULL)) return test_finish();
    snprintf(model_dir, sizeof model_dir, "%s/model", root);
    snprintf(model_path, sizeof model_path, "%s/model.json", model_dir);
    CHECK(mkdir(model_dir, 0700) == 0);
    CHECK(mkdir(fe_test_path(model_dir, "sub"), 0700) == 0);
    CHECK(fe_test_write(fe_test_path(model_dir, "w.safetensors"), "x", 1));
    CHECK(fe_test_write(fe_test_path(model_dir, "sub/x.bin"), "x", 1));
    CHECK(fe_test_write(fe_test_path(root, "outside.bin"), "x", 1));
    CHECK(symlink("../outside.bin", fe_test_path(model_dir, "link_out")) == 0);
    CHECK(symlink("/etc/passwd", fe_test_path(model_dir, "link_abs")) == 0);
    CHECK(symlink("w.safetensors", fe_test_path(model_dir, "link_in")) == 0);
    CHECK(symlink("..", fe_test_path(model_dir, "up")) == 0);
    CHECK(symlink("model", fe_test_path(root, "model_link")) == 0);

    test_dirname_join();

    expect_ok(model_path, "w.safetensors", "/model/w.safetensors");
    expect_ok(model_path, "./w.safetensors", "/model/w.safetensors");
    expect_ok(model_path, "sub/x.bin", "/model/sub/x.bin");
    expect_ok(model_path, "link_in", "/model/w.safetensors");
    /* the model's folder itself may be reached through a symlink */
    char linked_model[4300];
    snprintf(linked_model, sizeof linked_model, "%s/model_link/model.json", root);
    expect_ok(linked_model, "w.safetensors", "/model/w.safetensors");

    expect_refused("/etc/passwd", "absolute paths are not allowed");
    expect_refused("../outside.bin", "'..' is not allowed");
    expect_refused("sub/../w.safetensors", "'..' is not allowed");
    expect_refused("sub/..", "'..' is not allowed");
    expect_refused("link_out", "outside the model's folder");
    expect_refused("link_abs", "outside the model's folder");
    expect_refused("up/outside.bin", "outside the model's folder");
    expect_refused("missing.safetensors", "cannot open: No such file or directory");
    expect_refused("...x", "cannot open"); /* "...x" is a plain name, not ".." */
    expect_refused("", "the path is empty");
    return test_finish();
}
