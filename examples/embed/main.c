// Embedding a model compiled by kiln into a C program, with no allocation in the model path.
//
// Build (from the repository root):
//     kiln compile examples/mlp/model.json --bind batch=2 -o mlp-out
//     cc -O2 -Imlp-out examples/embed/main.c mlp-out/*.c -lm -o embed
//     ./embed mlp-out/mlp.weights
//
// The program owns every byte the model touches: the weights are read into a static buffer,
// the workspace is a static buffer of MLP_WORKSPACE_BYTES, and the context lives on the stack.
// mlp_create() would do the same with malloc, in one call.
#include <stdio.h>

#include "mlp.h"

enum { BATCH = 2, IN_FEATURES = 64, OUT_FEATURES = 10 }; /* x: f32[2, 64], y: f32[2, 10] */

/* 64-byte alignment suits the vector loads of the kernels; the API requires at least 8. */
static _Alignas(64) unsigned char weights[MLP_WEIGHTS_BYTES];
static _Alignas(64) unsigned char workspace[MLP_WORKSPACE_BYTES > 0 ? MLP_WORKSPACE_BYTES : 1];

/* Reads exactly MLP_WEIGHTS_BYTES from path into weights. */
static int load_weights(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return 0;
    }
    size_t got = fread(weights, 1, sizeof weights, f);
    int extra = fgetc(f) != EOF;
    fclose(f);
    if (got != sizeof weights || extra) {
        fprintf(stderr, "%s: expected %zu bytes of weights\n", path, sizeof weights);
        return 0;
    }
    return 1;
}

int main(int argc, char **argv) {
    const char *weights_path = argc > 1 ? argv[1] : "mlp-out/mlp.weights";
    if (!load_weights(weights_path)) return 1;

    mlp_context ctx;
    int status = mlp_init(&ctx, weights, sizeof weights, workspace, MLP_WORKSPACE_BYTES);
    if (status != KILN_OK) {
        fprintf(stderr, "mlp_init: %s\n", mlp_status_string(status));
        return 1;
    }

    /* A fixed input pattern in [-1, 1): x[i] = (i mod 17) / 8 - 1 over the flattened array. */
    float x[BATCH][IN_FEATURES], y[BATCH][OUT_FEATURES];
    for (int b = 0; b < BATCH; b++)
        for (int i = 0; i < IN_FEATURES; i++)
            x[b][i] = (float)((b * IN_FEATURES + i) % 17) / 8.0f - 1.0f;

    status = mlp_run(&ctx, &x[0][0], &y[0][0]);
    if (status != KILN_OK) {
        fprintf(stderr, "mlp_run: %s\n", mlp_status_string(status));
        return 1;
    }
    for (int b = 0; b < BATCH; b++) {
        printf("y[%d]:", b);
        for (int j = 0; j < OUT_FEATURES; j++) printf(" %.9g", y[b][j]);
        printf("\n");
    }
    return 0;
}
