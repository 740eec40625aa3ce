/* img.h: images for vision-language models (issue 11): PNG and JPEG decoding with libpng and
 * libjpeg-turbo, and the GLM-4.1V image processor (smart resize, bicubic resampling,
 * rescale/normalize, patchify) that turns a picture into the pixel_values the vision encoder
 * reads. Modules:
 *   img_decode.c     file -> 8-bit RGB (PNG, JPEG), every size checked
 *   img_resize.c     separable bicubic resampling of 8-bit RGB (the filter PIL and
 *                    torchvision's antialiased uint8 resize use)
 *   img_glm4v.c      preprocessor_config.json, smart resize, normalize, patchify
 *   cli_preprocess.c `kiln preprocess` */
#ifndef KILN_IMG_H
#define KILN_IMG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"

/* An 8-bit RGB picture: pixels[(y * width + x) * 3 + c], c = R, G, B. */
typedef struct ImgRgb {
    int64_t width, height;
    uint8_t *pixels; /* malloc-owned */
} ImgRgb;

/* The largest picture decoded: 2^28 pixels (a 16384 x 16384 screenshot), 768 MiB of RGB. */
#define IMG_MAX_PIXELS ((int64_t)1 << 28)

/* Reads a PNG or JPEG file (told apart by its first bytes) into out. Grey, palette, alpha and
 * 16-bit PNGs become 8-bit RGB (alpha dropped, as PIL's convert("RGB") does); CMYK JPEGs are
 * refused. False with a message naming path on anything else, a corrupt file, or a picture
 * larger than IMG_MAX_PIXELS. */
bool img_read(const char *path, ImgRgb *out, Diag *d);
void img_free(ImgRgb *img);

/* Resizes src to width x height with the bicubic filter (a = -0.5), antialiased when
 * shrinking (the filter widened by the scale), horizontal pass then vertical, each rounded to
 * 8 bits: PIL's Image.resize(BICUBIC). False when memory runs out. */
bool img_resize_bicubic(const ImgRgb *src, int64_t width, int64_t height, ImgRgb *out);

/* The image processor's settings (preprocessor_config.json of a glm4v folder). */
typedef struct ImgGlm4vConfig {
    int64_t min_pixels, max_pixels; /* size.shortest_edge / size.longest_edge, over t frames */
    int64_t patch, temporal_patch, merge;
    double rescale; /* 1/255 unless the file says otherwise; 1 when do_rescale is false */
    bool normalize;
    double mean[3], std[3];
} ImgGlm4vConfig;

/* Reads dir/preprocessor_config.json (every field checked; absent fields take transformers'
 * defaults). */
bool img_glm4v_config_read(const char *dir, ImgGlm4vConfig *c, Diag *d);

/* The resized height and width transformers' smart_resize picks: multiples of patch x merge,
 * the pixel count over temporal_patch frames kept within [min_pixels, max_pixels]. False
 * with a message (naming what) when the aspect ratio exceeds 200. */
bool img_glm4v_smart_size(const ImgGlm4vConfig *c, int64_t height, int64_t width, int64_t *out_h,
                          int64_t *out_w, const char *what, Diag *d);

/* pixel_values f32[gh * gw, 3 * temporal_patch * patch * patch] in the processor's patch
 * order (2x2 merge blocks row-major, within a block (0,0) (0,1) (1,0) (1,1); within a patch
 * (channel, frame, y, x), the still image repeated over the frames) and grid (1, gh, gw) in
 * patches. *values is malloc-owned. */
bool img_glm4v_preprocess(const ImgGlm4vConfig *c, const ImgRgb *img, const char *what,
                          float **values, int64_t *rows, int64_t *cols, int64_t grid[3], Diag *d);

#endif
