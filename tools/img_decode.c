/* PNG and JPEG files to 8-bit RGB with the libraries made for it: libpng's simplified API
 * (png_image: every colour type, bit depth and interlace to RGB, with its own error text) and
 * libjpeg-turbo (errors through a longjmp from our error manager, never libjpeg's exit()). The
 * file is read whole first (fe_file_read: a regular file, a size cap), and the picture's size
 * is checked against IMG_MAX_PIXELS before any pixel buffer is allocated. */
#include <stddef.h> /* jpeglib.h needs size_t and FILE declared first */
#include <stdio.h>

#include <inttypes.h>
#include <jpeglib.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/file.h"
#include "img.h"

/* A compressed picture file: at most 1 GiB. */
#define IMG_MAX_FILE_BYTES ((size_t)1 << 30)

static bool img_size_ok(const char *path, int64_t w, int64_t h, Diag *d) {
    if (w < 1 || h < 1 || w > IMG_MAX_PIXELS / h) {
        diag_at(d, path, NULL, NULL,
                "the image is %" PRId64 " x %" PRId64 " pixels (at most %" PRId64
                " pixels and at least 1 x 1)",
                w, h, IMG_MAX_PIXELS);
        return false;
    }
    return true;
}

static bool img_png(const char *path, const unsigned char *data, size_t len, ImgRgb *out, Diag *d) {
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&im, data, len)) {
        diag_at(d, path, NULL, NULL, "not a readable PNG: %s", im.message);
        return false;
    }
    if (!img_size_ok(path, (int64_t)im.width, (int64_t)im.height, d)) {
        png_image_free(&im);
        return false;
    }
    /* alpha is dropped, not composited: PIL's convert("RGB") does the same */
    im.format = PNG_FORMAT_RGB;
    out->width = im.width;
    out->height = im.height;
    out->pixels = malloc((size_t)(out->width * out->height * 3));
    if (!out->pixels) {
        png_image_free(&im);
        diag_at(d, path, NULL, NULL, "out of memory for %" PRId64 " x %" PRId64 " pixels",
                out->width, out->height);
        return false;
    }
    if (!png_image_finish_read(&im, NULL, out->pixels, 0, NULL)) {
        diag_at(d, path, NULL, NULL, "corrupt PNG: %s", im.message);
        img_free(out);
        return false;
    }
    return true;
}

typedef struct ImgJpegError {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} ImgJpegError;

static void img_jpeg_fail(j_common_ptr cinfo) {
    ImgJpegError *e = (ImgJpegError *)cinfo->err;
    e->mgr.format_message(cinfo, e->message);
    longjmp(e->jump, 1);
}

/* Warnings (a corrupt but decodable stream) are not errors: PIL decodes such files too. */
static void img_jpeg_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static bool img_jpeg(const char *path, const unsigned char *data, size_t len, ImgRgb *out,
                     Diag *d) {
    struct jpeg_decompress_struct cinfo;
    ImgJpegError err;
    memset(&cinfo, 0, sizeof cinfo);
    cinfo.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = img_jpeg_fail;
    err.mgr.output_message = img_jpeg_message;
    /* volatile: read after the longjmp back into this frame */
    uint8_t *volatile pixels = NULL;
    if (setjmp(err.jump)) {
        diag_at(d, path, NULL, NULL, "corrupt JPEG: %s", err.message);
        jpeg_destroy_decompress(&cinfo);
        free(pixels);
        return false;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)len);
    jpeg_read_header(&cinfo, TRUE);
    if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
        diag_at(d, path, NULL, NULL, "CMYK JPEGs are not supported (convert it to RGB first)");
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    cinfo.out_color_space = JCS_RGB;
    /* PIL's default decoding: the islow DCT and fancy upsampling, libjpeg's defaults too */
    jpeg_calc_output_dimensions(&cinfo);
    if (!img_size_ok(path, (int64_t)cinfo.output_width, (int64_t)cinfo.output_height, d)) {
        jpeg_destroy_decompress(&cinfo);
        return false;
    }
    int64_t w = cinfo.output_width, h = cinfo.output_height;
    pixels = malloc((size_t)(w * h * 3));
    if (!pixels) {
        jpeg_destroy_decompress(&cinfo);
        diag_at(d, path, NULL, NULL, "out of memory for %" PRId64 " x %" PRId64 " pixels", w, h);
        return false;
    }
    jpeg_start_decompress(&cinfo);
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * (size_t)w * 3;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    out->width = w;
    out->height = h;
    out->pixels = pixels;
    return true;
}

bool img_read(const char *path, ImgRgb *out, Diag *d) {
    memset(out, 0, sizeof *out);
    size_t len = 0;
    unsigned char *data = (unsigned char *)fe_file_read(path, IMG_MAX_FILE_BYTES, &len, d);
    if (!data) return false;
    static const unsigned char png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bool ok;
    if (len >= 8 && memcmp(data, png_magic, 8) == 0) {
        ok = img_png(path, data, len, out, d);
    } else if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) {
        ok = img_jpeg(path, data, len, out, d);
    } else {
        diag_at(d, path, NULL, NULL, "not a PNG or JPEG image");
        ok = false;
    }
    free(data);
    return ok;
}

void img_free(ImgRgb *img) {
    free(img->pixels);
    memset(img, 0, sizeof *img);
}
