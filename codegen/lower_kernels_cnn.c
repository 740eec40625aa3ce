/* Kernel records of the "cnn" family (ir/ops_cnn.h): calls of the kernels of
 * runtime/krt_cnn.h with the window and sizes resolved here; a scalar Pad or Resize, which has
 * nothing to pad or scale, is a one-element copy loop. */
#include "lower_kernels_internal.h"

#include <string.h>

bool cg_lk_conv(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0), *w = cg_lk_in(c, 1);
    if (x->rank < 2 || w->rank < 1) return cg_lk_fail(c, "needs 1 to 3 spatial dims");
    int64_t kernel[IR_CNN_MAX_SPATIAL] = {1, 1, 1};
    for (int k = 2; k < w->rank && k < 2 + IR_CNN_MAX_SPATIAL; k++) kernel[k - 2] = w->dims[k].size;
    cg_lk_call(c, CG_KRT_CONV_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 1, false);
    cg_lk_arg(c, 2, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, x->dims[0].size);
    cg_lk_param(c, x->dims[1].size);
    cg_lk_param(c, w->dims[0].size);
    cg_lk_param(c, ir_attr_int(c->n, "group"));
    return cg_lk_window(c, 0, kernel);
}

static bool cg_lk_pool(CgLk *c, bool is_max) {
    const IrAttr *ks = ir_attr_find(c->n, "kernel_shape");
    const IrType *x = cg_lk_in(c, 0);
    if (!ks || ks->count != x->rank - 2 || ks->count > IR_CNN_MAX_SPATIAL)
        return cg_lk_fail(c, "kernel_shape needs one value per spatial dim");
    cg_lk_call(c, CG_KRT_POOL_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, cg_lk_times(c, x->dims[0].size, x->dims[1].size));
    cg_lk_param(c, is_max);
    cg_lk_param(c, !is_max && ir_attr_int(c->n, "count_include_pad") != 0);
    return cg_lk_window(c, 0, ks->ints);
}

bool cg_lk_maxpool(CgLk *c) {
    return cg_lk_pool(c, true);
}
bool cg_lk_averagepool(CgLk *c) {
    return cg_lk_pool(c, false);
}

static bool cg_lk_global_pool(CgLk *c, bool is_max) {
    const IrType *x = cg_lk_in(c, 0);
    if (x->rank < 2) return cg_lk_fail(c, "needs x[N, C, ...]");
    int64_t planes = cg_lk_times(c, x->dims[0].size, x->dims[1].size);
    cg_lk_call(c, CG_KRT_GLOBAL_POOL_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, planes);
    cg_lk_param(c, planes ? cg_lk_numel(c, x) / planes : 0);
    cg_lk_param(c, is_max);
    return true;
}
bool cg_lk_globalaveragepool(CgLk *c) {
    return cg_lk_global_pool(c, false);
}
bool cg_lk_globalmaxpool(CgLk *c) {
    return cg_lk_global_pool(c, true);
}

/* BatchNorm (inputs x scale bias mean var) and InstanceNorm (x scale bias): params n c inner
 * (x as [N, C, inner]), float epsilon. */
static bool cg_lk_cnn_norm(CgLk *c, CgKernelId id, int n_in) {
    const IrType *x = cg_lk_in(c, 0);
    if (x->rank < 2) return cg_lk_fail(c, "needs x[N, C, ...]");
    int64_t nn = x->dims[0].size, ch = x->dims[1].size;
    cg_lk_call(c, id);
    for (int i = 0; i < n_in; i++) cg_lk_arg(c, i, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, nn);
    cg_lk_param(c, ch);
    cg_lk_param(c, nn != 0 && ch != 0 ? cg_lk_numel(c, x) / (nn * ch) : 0);
    cg_lk_float(c, ir_attr_float(c->n, "epsilon"));
    return true;
}

bool cg_lk_batchnorm(CgLk *c) {
    return cg_lk_cnn_norm(c, CG_KRT_BATCHNORM_F32, 5);
}
bool cg_lk_instancenorm(CgLk *c) {
    return cg_lk_cnn_norm(c, CG_KRT_INSTANCENORM_F32, 3);
}

/* A scalar x (nothing to pad or resize: copied) or an empty output (nothing to write): a copy
 * loop over the output, which runs once or never. True when that is the record. */
static bool cg_lk_trivial_copy(CgLk *c) {
    const IrType *x = cg_lk_in(c, 0), *y = cg_lk_out(c, 0);
    if (x->rank != 0 && cg_lk_numel(c, y) != 0) return false;
    CgLoop *l = cg_lk_loops(c, 1);
    cg_lk_loop_init(l, y, 2, CG_BODY_COPY);
    cg_lk_operand(l, 0, 0, true, y);
    if (x->rank == y->rank) cg_lk_operand(l, 1, 0, false, x);
    return true;
}

/* The mode names of runtime/krt_cnn.h's enums, in their order: a record holds the index. */
static int cg_lk_pick(const char *s, const char *const *names, int count) {
    for (int i = 1; i < count; i++)
        if (strcmp(s, names[i]) == 0) return i;
    return 0; /* the first is the default */
}

bool cg_lk_pad(CgLk *c) {
    if (cg_lk_trivial_copy(c)) return true;
    const IrType *x = cg_lk_in(c, 0);
    const IrAttr *pads = ir_attr_find(c->n, "pads");
    if (!pads || pads->count != 2 * x->rank) return cg_lk_fail(c, "pads needs two values per dim");
    static const char *const modes[] = {"constant", "reflect", "edge", "wrap"};
    cg_lk_call(c, CG_KRT_PAD_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, x->rank);
    cg_lk_param(c, cg_lk_pick(ir_attr_string(c->n, "mode"), modes, 4));
    for (int k = 0; k < x->rank; k++) cg_lk_param(c, x->dims[k].size);
    for (int k = 0; k < pads->count; k++) cg_lk_param(c, pads->ints[k]);
    cg_lk_float(c, ir_attr_float(c->n, "value"));
    return true;
}

bool cg_lk_resize(CgLk *c) {
    if (cg_lk_trivial_copy(c)) return true;
    const IrType *x = cg_lk_in(c, 0), *y = cg_lk_out(c, 0);
    if (y->rank != x->rank) return cg_lk_fail(c, "the output rank differs from the input's");
    const IrAttr *scales = ir_attr_find(c->n, "scales");
    if (scales && scales->count != x->rank) return cg_lk_fail(c, "scales needs one value per dim");
    static const char *const coords[] = {"half_pixel", "asymmetric", "align_corners",
                                         "pytorch_half_pixel", "tf_half_pixel_for_nn"};
    static const char *const nearest[] = {"round_prefer_floor", "floor", "ceil",
                                          "round_prefer_ceil"};
    cg_lk_call(c, CG_KRT_RESIZE_F32);
    cg_lk_arg(c, 0, false);
    cg_lk_arg(c, 0, true);
    cg_lk_param(c, x->rank);
    cg_lk_param(c, strcmp(ir_attr_string(c->n, "mode"), "linear") == 0);
    cg_lk_param(c, cg_lk_pick(ir_attr_string(c->n, "coordinate_transformation_mode"), coords, 5));
    cg_lk_param(c, cg_lk_pick(ir_attr_string(c->n, "nearest_mode"), nearest, 4));
    for (int k = 0; k < x->rank; k++) cg_lk_param(c, x->dims[k].size);
    for (int k = 0; k < x->rank; k++) cg_lk_param(c, y->dims[k].size);
    for (int k = 0; k < x->rank; k++)
        cg_lk_float(c,
                    scales ? scales->floats[k] : (double)y->dims[k].size / (double)x->dims[k].size);
    return true;
}
