/* Op family "cnn": Convolution, pooling, batch normalization, padding and resizing for CNNs.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_cnn.c; shape rules:
 * ir/shape_cnn.c.
 *
 * Layout is NCHW: x[N, C, S1, ..., Sk] with k = 1..IR_CNN_MAX_SPATIAL spatial dims, which must
 * be constants (N may be symbolic). Windowed ops share these attributes (ONNX's meaning):
 *   kernel_shape [k]   window size (Conv: taken from w when absent)
 *   strides [k]        default 1
 *   dilations [k]      default 1
 *   pads [2k]          begin pads of every spatial dim, then end pads; default 0
 *   auto_pad           "NOTSET" (use pads) | "VALID" (no padding) | "SAME_UPPER" | "SAME_LOWER"
 *                      (out = ceil(in / stride), total padding split evenly with the odd unit at
 *                      the end (UPPER) or the beginning (LOWER))
 *   ceil_mode          pools only: out = ceil instead of floor of (in + pads - span) / stride + 1,
 *                      minus 1 when the last window would start past in + begin pad
 * where span = (kernel - 1) * dilation + 1.
 *
 *   Conv(x[N,C,*S], w[M, C/group, *K], [b[M]]) -> [N, M, *O]
 *                                y[n,m,o] = b[m] + sum over c in m's group, k of
 *                                w[m,c,k] * x[n, g*C/group + c, o*stride - pad_begin + k*dilation]
 *                                (out-of-range positions read 0); group divides C and M
 *   MaxPool(x) -> y              max over the window; padding never wins (is -inf)
 *   AveragePool(x) -> y          mean over the window; count_include_pad=0 divides by the number
 *                                of positions inside x, =1 by those inside x plus its explicit
 *                                pads (positions past the end pad added by ceil_mode never count)
 *   GlobalAveragePool(x) -> [N, C, 1, ...]   mean over all spatial dims
 *   GlobalMaxPool(x) -> [N, C, 1, ...]       max over all spatial dims
 *   BatchNormalization(x[N,C,...], scale[C], bias[C], mean[C], var[C]) -> x
 *                                inference form: (x - mean) / sqrt(var + epsilon) * scale + bias
 *   InstanceNormalization(x[N,C,...], scale[C], bias[C]) -> x
 *                                per (n, c): (x - mean) / sqrt(var + epsilon) * scale + bias over
 *                                the spatial dims, biased variance
 *   Pad(x) -> y                  pads [2r] (begin pads of every dim, then end pads; negative
 *                                crops); mode "constant" (value), "reflect" (mirror without
 *                                repeating the edge), "edge" (repeat the edge), "wrap" (periodic).
 *                                Any rank, any dtype; reflect needs dims >= 2 where padded
 *   Resize(x) -> y of shape `sizes` (same rank as x; a 0 keeps that dim unscaled, which lets
 *                                a symbolic batch dim through)
 *                                per dim, output index o maps to an input coordinate by
 *                                coordinate_transformation_mode with scale = scales[d] if given,
 *                                else sizes[d] / in[d]:
 *                                  half_pixel (o + 0.5) / scale - 0.5; asymmetric o / scale;
 *                                  pytorch_half_pixel like half_pixel but 0 when sizes[d] == 1;
 *                                  tf_half_pixel_for_nn (o + 0.5) / scale;
 *                                  align_corners o * (in - 1) / (sizes[d] - 1), 0 if sizes[d]==1
 *                                mode "nearest": the coordinate is rounded by nearest_mode
 *                                (round_prefer_floor | round_prefer_ceil | floor | ceil) and
 *                                clamped to [0, in - 1]; "linear": the coordinate is clamped to
 *                                [0, in - 1] and the two neighbours are blended on every dim */
#ifndef KILN_OPS_CNN_H
#define KILN_OPS_CNN_H

#include <stdbool.h>
#include <stdint.h>

#define IR_OPS_CNN(X)                                                                              \
    X(CONV, "Conv", conv, 2, 3, 1, 1, 0)                                                           \
    X(MAXPOOL, "MaxPool", maxpool, 1, 1, 1, 1, 0)                                                  \
    X(AVERAGEPOOL, "AveragePool", averagepool, 1, 1, 1, 1, 0)                                      \
    X(GLOBALAVERAGEPOOL, "GlobalAveragePool", globalaveragepool, 1, 1, 1, 1, 0)                    \
    X(GLOBALMAXPOOL, "GlobalMaxPool", globalmaxpool, 1, 1, 1, 1, 0)                                \
    X(BATCHNORM, "BatchNormalization", batchnorm, 5, 5, 1, 1, 0)                                   \
    X(INSTANCENORM, "InstanceNormalization", instancenorm, 3, 3, 1, 1, 0)                          \
    X(PAD, "Pad", pad, 1, 1, 1, 1, 0)                                                              \
    X(RESIZE, "Resize", resize, 1, 1, 1, 1, 0)

/* The most spatial dims a windowed op (Conv, pools) supports. */
#define IR_CNN_MAX_SPATIAL 3

/* A resolved sliding window: for every spatial dim d, output position o reads input positions
 * o * stride[d] - pad_begin[d] + j * dilation[d] for j in [0, kernel[d]). */
typedef struct IrCnnWindow {
    int n_spatial;
    int64_t in[IR_CNN_MAX_SPATIAL];
    int64_t kernel[IR_CNN_MAX_SPATIAL];
    int64_t stride[IR_CNN_MAX_SPATIAL];
    int64_t dilation[IR_CNN_MAX_SPATIAL];
    int64_t pad_begin[IR_CNN_MAX_SPATIAL];
    int64_t pad_end[IR_CNN_MAX_SPATIAL];
    int64_t out[IR_CNN_MAX_SPATIAL];
} IrCnnWindow;

struct IrNode;

/* Resolves the window of a Conv or pool node n over spatial input sizes in[n_spatial] and kernel
 * sizes kernel[n_spatial] (from kernel_shape or the weights), reading strides, dilations, pads,
 * auto_pad and (for pools) ceil_mode. Returns NULL on success, else a message saying which
 * attribute is wrong (a static string). Shape rules, the interpreter and backends share it. */
const char *ir_cnn_window(const struct IrNode *n, int n_spatial, const int64_t *in,
                          const int64_t *kernel, IrCnnWindow *w);

#endif
