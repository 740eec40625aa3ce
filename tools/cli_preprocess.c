/* `kiln preprocess`: an image as a glm4v model receives it (pixel_values and image_grid_thw),
 * written as .npy so it can be compared with transformers' Glm4vImageProcessor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "img.h"
#include "ir/interp.h"
#include "npy.h"

static const char cli_preprocess_help[] =
    "usage: kiln preprocess IMAGE --model MODEL_DIR -o PIXELS.npy [--grid-out GRID.npy]\n"
    "\n"
    "Turns a PNG or JPEG image into the input of a glm4v (GLM-4.1V) vision encoder with the\n"
    "settings of MODEL_DIR/preprocessor_config.json, as transformers' Glm4vImageProcessor\n"
    "does: the size rounded to multiples of patch_size x merge_size within the pixel budget\n"
    "(size.shortest_edge .. size.longest_edge, counted over temporal_patch_size frames),\n"
    "bicubic resampling (PIL's filter), rescale and normalize, then patches in the processor's\n"
    "order. Writes pixel_values f32[patches, 3 x temporal_patch_size x patch_size^2] and,\n"
    "with --grid-out, image_grid_thw i64[1, 3] = (1, rows, columns) in patches.\n"
    "\n"
    "options:\n"
    "  --model DIR        the model folder holding preprocessor_config.json (required)\n"
    "  -o FILE            where to write pixel_values (required)\n"
    "  --grid-out FILE    where to write image_grid_thw\n"
    "  -h, --help         show this help\n";

typedef struct CliPreOptions {
    const char *image, *model, *out, *grid_out;
} CliPreOptions;

static bool cli_pre_parse(int argc, char **argv, void *opts, Diag *d, bool *help) {
    CliPreOptions *o = opts;
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc && diag_ok(d); i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            *help = true;
            return true;
        } else if (cli_flag_value(argc, argv, &i, "--model", &v, d)) {
            o->model = v;
        } else if (cli_flag_value(argc, argv, &i, "-o", &v, d)) {
            o->out = v;
        } else if (cli_flag_value(argc, argv, &i, "--grid-out", &v, d)) {
            o->grid_out = v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            diag_error(d, "unknown option '%s'", argv[i]);
        } else if (o->image) {
            diag_error(d, "more than one image given ('%s' and '%s')", o->image, argv[i]);
        } else {
            o->image = argv[i];
        }
    }
    if (diag_ok(d) && !o->image) diag_error(d, "no image given");
    if (diag_ok(d) && !o->model) diag_error(d, "--model MODEL_DIR is required");
    if (diag_ok(d) && !o->out) diag_error(d, "-o PIXELS.npy is required");
    return diag_ok(d);
}

static bool cli_preprocess_run(const void *opts, Diag *d) {
    const CliPreOptions *o = opts;
    ImgGlm4vConfig cfg;
    ImgRgb img;
    if (!img_glm4v_config_read(o->model, &cfg, d) || !img_read(o->image, &img, d)) return false;
    float *values = NULL;
    int64_t rows = 0, cols = 0, grid[3];
    bool ok = img_glm4v_preprocess(&cfg, &img, o->image, &values, &rows, &cols, grid, d);
    if (ok) {
        IrTensor pv = {.dtype = IR_DTYPE_F32, .rank = 2, .dims = {rows, cols}, .data = values};
        pv.nbytes = sizeof *values * (size_t)(rows * cols);
        IrTensor thw = {.dtype = IR_DTYPE_I64, .rank = 2, .dims = {1, 3}, .data = grid};
        thw.nbytes = sizeof grid;
        ok = npy_write(o->out, &pv, d) && (!o->grid_out || npy_write(o->grid_out, &thw, d));
        if (ok)
            printf("%s: %lld x %lld pixels -> grid %lld x %lld patches (%lld image tokens), "
                   "pixel_values f32[%lld, %lld]\n",
                   o->image, (long long)img.width, (long long)img.height, (long long)grid[1],
                   (long long)grid[2], (long long)(rows / (cfg.merge * cfg.merge)), (long long)rows,
                   (long long)cols);
    }
    free(values);
    img_free(&img);
    return ok;
}

int cli_preprocess_main(int argc, char **argv) {
    static const CliCommand command = {"preprocess", cli_preprocess_help, cli_pre_parse,
                                       cli_preprocess_run};
    CliPreOptions o;
    return cli_command_main(&command, argc, argv, &o);
}
