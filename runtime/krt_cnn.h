/* krt_cnn.h: convolution, pooling and resizing kernels for the CNN op family (ir/ops_cnn.h).
 * Included by kiln_rt.h; same conventions (dense row-major tensors, int64_t sizes, no globals). */
#ifndef KILN_KRT_CNN_H
#define KILN_KRT_CNN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A sliding window over three spatial dims (unused trailing dims have size, kernel, stride and
 * dilation 1 and no padding): output position o of dim d reads input positions
 * o * stride[d] - pad_begin[d] + j * dilation[d], j in [0, kernel[d]). */
typedef struct KrtWindow {
    int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
} KrtWindow;

/* y[N, M, out...] = conv(x[N, C, in...], w[M, C/group, kernel...]) + bias[M] (bias may be NULL);
 * positions outside x read 0. */
void krt_conv_f32(const float *x, const float *w, const float *bias, float *y, int64_t n, int64_t c,
                  int64_t m, int64_t group, const KrtWindow *win);

/* Max (is_max) or average pooling of x[planes, in...] into y[planes, out...]. Average divides by
 * the positions inside x, or with count_include_pad by those inside x plus its pads. */
void krt_pool_f32(const float *x, float *y, int64_t planes, const KrtWindow *win, int is_max,
                  int count_include_pad);

/* y[planes] = max or mean of each row of x[planes, len]. */
void krt_global_pool_f32(const float *x, float *y, int64_t planes, int64_t len, int is_max);

/* Inference batch normalization of x[N, C, inner] into y (may equal x):
 * (x - mean[c]) / sqrt(var[c] + eps) * scale[c] + bias[c]. */
void krt_batchnorm_f32(const float *x, const float *scale, const float *bias, const float *mean,
                       const float *var, float *y, int64_t n, int64_t c, int64_t inner, double eps);

/* Instance normalization of x[N, C, inner] into y (may equal x): every (n, c) row normalized by
 * its mean and biased variance, then * scale[c] + bias[c]. */
void krt_instancenorm_f32(const float *x, const float *scale, const float *bias, float *y,
                          int64_t n, int64_t c, int64_t inner, double eps);

typedef enum KrtPadMode {
    KRT_PAD_CONSTANT,
    KRT_PAD_REFLECT, /* mirror without repeating the edge; padded dims have size >= 2 */
    KRT_PAD_EDGE,
    KRT_PAD_WRAP,
} KrtPadMode;

/* y = x[rank dims x_dims] padded by pads[2 * rank] (begin pads, then end pads; negative crops);
 * constant mode fills with value. rank <= 8; x and y do not overlap. */
void krt_pad_f32(const float *x, float *y, int rank, const int64_t *x_dims, const int64_t *pads,
                 KrtPadMode mode, float value);

typedef enum KrtResizeCoord {
    KRT_RESIZE_HALF_PIXEL,
    KRT_RESIZE_ASYMMETRIC,
    KRT_RESIZE_ALIGN_CORNERS,
    KRT_RESIZE_PYTORCH_HALF_PIXEL,
    KRT_RESIZE_TF_HALF_PIXEL_FOR_NN,
} KrtResizeCoord;

typedef enum KrtResizeNearest {
    KRT_NEAREST_ROUND_PREFER_FLOOR,
    KRT_NEAREST_ROUND_PREFER_CEIL,
    KRT_NEAREST_FLOOR,
    KRT_NEAREST_CEIL,
} KrtResizeNearest;

/* Resize of x[rank dims x_dims] to y[y_dims] (rank <= 8): per dim, output index o maps to an
 * input coordinate by coord with scale scales[d] (ONNX Resize); linear blends the two
 * neighbours (coordinate clamped to the input), else the coordinate is rounded by nearest. */
void krt_resize_f32(const float *x, float *y, int rank, const int64_t *x_dims,
                    const int64_t *y_dims, const double *scales, int linear, KrtResizeCoord coord,
                    KrtResizeNearest nearest);

#endif
