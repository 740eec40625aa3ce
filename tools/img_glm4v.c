/* The GLM-4.1V image processor (transformers' Glm4vImageProcessor) in C: its settings from
 * preprocessor_config.json, smart_resize, bicubic resampling (img_resize.c), rescale and
 * normalize, and the patch layout the vision encoder reads. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/file.h"
#include "frontend/json_util.h"
#include "frontend/path.h"
#include "img.h"

#define IMG_MAX_CONFIG_BYTES ((size_t)1 << 20)

/* A number field of obj in [lo, hi] (def when absent or null); false with a message. */
static bool img_num(const char *path, const cJSON *obj, const char *name, double lo, double hi,
                    double def, double *out, Diag *d) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it)) {
        *out = def;
        return true;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble) || it->valuedouble < lo ||
        it->valuedouble > hi) {
        diag_at(d, path, NULL, NULL, "field '%s' must be a number in [%g, %g]", name, lo, hi);
        return false;
    }
    *out = it->valuedouble;
    return true;
}

static bool img_int(const char *path, const cJSON *obj, const char *name, int64_t lo, int64_t hi,
                    int64_t def, int64_t *out, Diag *d) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it)) {
        *out = def;
        return true;
    }
    if (!fe_json_get_int(it, out) || *out < lo || *out > hi) {
        diag_at(d, path, NULL, NULL, "field '%s' must be an integer in %" PRId64 "..%" PRId64, name,
                lo, hi);
        return false;
    }
    return true;
}

static bool img_bool(const char *path, const cJSON *obj, const char *name, bool def, bool *out,
                     Diag *d) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (!it || cJSON_IsNull(it)) {
        *out = def;
        return true;
    }
    if (!cJSON_IsBool(it)) {
        diag_at(d, path, NULL, NULL, "field '%s' must be true or false", name);
        return false;
    }
    *out = cJSON_IsTrue(it);
    return true;
}

/* image_mean / image_std: three numbers (std above 0). */
static bool img_triple(const char *path, const cJSON *obj, const char *name, const double *def,
                       bool positive, double out[3], Diag *d) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);
    memcpy(out, def, 3 * sizeof *out);
    if (!it || cJSON_IsNull(it)) return true;
    bool ok = cJSON_IsArray(it) && cJSON_GetArraySize(it) == 3;
    for (int i = 0; ok && i < 3; i++) {
        const cJSON *v = cJSON_GetArrayItem(it, i);
        ok = cJSON_IsNumber(v) && isfinite(v->valuedouble) && (!positive || v->valuedouble > 0);
        if (ok) out[i] = v->valuedouble;
    }
    if (!ok)
        diag_at(d, path, NULL, NULL, "field '%s' must be three %snumbers", name,
                positive ? "positive " : "");
    return ok;
}

bool img_glm4v_config_read(const char *dir, ImgGlm4vConfig *c, Diag *d) {
    static const double clip_mean[3] = {0.48145466, 0.4578275, 0.40821073};
    static const double clip_std[3] = {0.26862954, 0.26130258, 0.27577711};
    char *path = fe_path_join(dir, "preprocessor_config.json");
    size_t len = 0;
    char *text = fe_file_read_in_model(path, IMG_MAX_CONFIG_BYTES, &len, d);
    cJSON *root = text ? fe_json_parse_reported(path, text, len, d) : NULL;
    free(text);
    bool ok = root != NULL;
    if (ok && !cJSON_IsObject(root)) {
        diag_at(d, path, NULL, NULL, "the top level must be a JSON object");
        ok = false;
    }
    const cJSON *size = ok ? cJSON_GetObjectItemCaseSensitive(root, "size") : NULL;
    if (size && !cJSON_IsNull(size) && !cJSON_IsObject(size)) {
        diag_at(d, path, NULL, NULL, "field 'size' must be an object");
        ok = false;
    }
    /* transformers' defaults: 112 x 112 up to 28 x 28 x 2 x 2 x 2 x 6144 pixels */
    int64_t min_px = 112 * 112, max_px = INT64_C(14) * 14 * 2 * 2 * 2 * 6144;
    bool do_rescale = true, do_normalize = true, do_resize = true;
    double rescale = 1.0 / 255.0;
    int64_t resample = 3;
    ok = ok && img_int(path, root, "min_pixels", 1, IMG_MAX_PIXELS * 2, min_px, &min_px, d) &&
         img_int(path, root, "max_pixels", 1, IMG_MAX_PIXELS * 2, max_px, &max_px, d);
    if (ok && size && cJSON_IsObject(size))
        ok = img_int(path, size, "shortest_edge", 1, IMG_MAX_PIXELS * 2, min_px, &min_px, d) &&
             img_int(path, size, "longest_edge", 1, IMG_MAX_PIXELS * 2, max_px, &max_px, d);
    ok = ok && img_int(path, root, "patch_size", 1, 1024, 14, &c->patch, d) &&
         img_int(path, root, "temporal_patch_size", 1, 16, 2, &c->temporal_patch, d) &&
         img_int(path, root, "merge_size", 1, 16, 2, &c->merge, d) &&
         img_int(path, root, "resample", 0, 5, 3, &resample, d) &&
         img_bool(path, root, "do_rescale", true, &do_rescale, d) &&
         img_bool(path, root, "do_normalize", true, &do_normalize, d) &&
         img_bool(path, root, "do_resize", true, &do_resize, d) &&
         img_num(path, root, "rescale_factor", 1e-12, 1e12, rescale, &rescale, d) &&
         img_triple(path, root, "image_mean", clip_mean, false, c->mean, d) &&
         img_triple(path, root, "image_std", clip_std, true, c->std, d);
    if (ok && resample != 3) {
        diag_at(d, path, NULL, NULL,
                "field 'resample': %" PRId64 " is not supported (3, bicubic, is)", resample);
        ok = false;
    }
    if (ok && !do_resize) {
        diag_at(d, path, NULL, NULL, "field 'do_resize': false is not supported");
        ok = false;
    }
    if (ok && min_px > max_px) {
        diag_at(d, path, NULL, NULL,
                "the smallest image (%" PRId64 " pixels) is larger than the largest (%" PRId64 ")",
                min_px, max_px);
        ok = false;
    }
    c->min_pixels = min_px;
    c->max_pixels = max_px;
    c->rescale = do_rescale ? rescale : 1.0;
    c->normalize = do_normalize;
    cJSON_Delete(root);
    free(path);
    return ok;
}

bool img_glm4v_smart_size(const ImgGlm4vConfig *c, int64_t height, int64_t width, int64_t *out_h,
                          int64_t *out_w, const char *what, Diag *d) {
    double factor = (double)(c->patch * c->merge), frames = (double)c->temporal_patch;
    double h = (double)height, w = (double)width;
    if (h < factor || w < factor) { /* scaled up first, keeping the aspect ratio */
        double s = fmax(factor / h, factor / w);
        h = floor(h * s);
        w = floor(w * s);
    }
    if (fmax(h, w) / fmin(h, w) > 200.0) {
        diag_at(d, what, NULL, NULL,
                "the aspect ratio of %" PRId64 " x %" PRId64 " is above 200, which the image "
                "processor refuses",
                width, height);
        return false;
    }
    /* Python's round() rounds halves to even, as rint does in the default rounding mode */
    double hb = rint(h / factor) * factor, wb = rint(w / factor) * factor;
    double tb = rint(frames / frames) * frames;
    if (tb * hb * wb > (double)c->max_pixels) {
        double beta = sqrt(frames * h * w / (double)c->max_pixels);
        hb = fmax(factor, floor(h / beta / factor) * factor);
        wb = fmax(factor, floor(w / beta / factor) * factor);
    } else if (tb * hb * wb < (double)c->min_pixels) {
        double beta = sqrt((double)c->min_pixels / (frames * h * w));
        hb = ceil(h * beta / factor) * factor;
        wb = ceil(w * beta / factor) * factor;
    }
    if (hb * wb > (double)IMG_MAX_PIXELS) {
        diag_at(d, what, NULL, NULL, "the resized image (%g x %g) is too large", wb, hb);
        return false;
    }
    *out_h = (int64_t)hb;
    *out_w = (int64_t)wb;
    return true;
}

bool img_glm4v_preprocess(const ImgGlm4vConfig *c, const ImgRgb *img, const char *what,
                          float **values, int64_t *rows, int64_t *cols, int64_t grid[3], Diag *d) {
    *values = NULL;
    int64_t rh, rw;
    if (!img_glm4v_smart_size(c, img->height, img->width, &rh, &rw, what, d)) return false;
    ImgRgb sized;
    if (!img_resize_bicubic(img, rw, rh, &sized)) {
        diag_at(d, what, NULL, NULL, "out of memory resizing to %" PRId64 " x %" PRId64, rw, rh);
        return false;
    }
    int64_t P = c->patch, T = c->temporal_patch, M = c->merge;
    int64_t gh = rh / P, gw = rw / P; /* rh, rw are multiples of P * M */
    *rows = gh * gw;
    *cols = 3 * T * P * P;
    float *v = malloc(sizeof *v * (size_t)(*rows * *cols));
    if (!v) {
        img_free(&sized);
        diag_at(d, what, NULL, NULL, "out of memory for %" PRId64 " patches", *rows);
        return false;
    }
    float scale[3], shift[3]; /* value = byte * scale + shift */
    for (int ch = 0; ch < 3; ch++) {
        double s = c->rescale, b = 0.0;
        if (c->normalize) {
            b = -c->mean[ch] / c->std[ch];
            s /= c->std[ch];
        }
        scale[ch] = (float)s;
        shift[ch] = (float)b;
    }
    /* row ((bh * gw/M + bw) * M + ih) * M + iw holds patch (bh*M + ih, bw*M + iw); its columns
     * are (channel, frame, y, x) */
    int64_t row = 0;
    for (int64_t bh = 0; bh < gh / M; bh++)
        for (int64_t bw = 0; bw < gw / M; bw++)
            for (int64_t ih = 0; ih < M; ih++)
                for (int64_t iw = 0; iw < M; iw++, row++) {
                    int64_t py0 = (bh * M + ih) * P, px0 = (bw * M + iw) * P;
                    float *out = v + row * *cols;
                    for (int ch = 0; ch < 3; ch++)
                        for (int64_t t = 0; t < T; t++)
                            for (int64_t y = 0; y < P; y++)
                                for (int64_t x = 0; x < P; x++) {
                                    uint8_t b = sized.pixels[((py0 + y) * rw + px0 + x) * 3 + ch];
                                    *out++ = (float)b * scale[ch] + shift[ch];
                                }
                }
    img_free(&sized);
    grid[0] = 1;
    grid[1] = gh;
    grid[2] = gw;
    *values = v;
    return true;
}
