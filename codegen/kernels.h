/* The runtime kernels a lowered module calls (runtime/kiln_rt.h), one row each: what a CgCall
 * (codegen/module.h) names by id. Every backend renders a call from the row and the record's
 * operands and parameters; none re-derives a shape.
 *
 * X(ID, "symbol", pool, "operands", "params")
 *   ID        the CgKernelId is CG_KRT_<ID>
 *   symbol    the runtime function; a name ending in '_' is completed by the dtype names of the
 *             operands that follow '@' in the operand list, in that order (krt_quantize_ + u8)
 *   pool      1 when the kernel takes the context's thread pool as its first argument
 *   operands  CgCall.operands in order: a name per operand, '?' marking an optional input that
 *             may be absent (the kernel takes NULL); '@' marking an operand whose dtype completes
 *             the symbol
 *   params    CgCall.params in order; "[k]" is k values, win the convolution window of seven
 *             fields (in, out, kernel, stride, dilation, pad_begin, pad_end) of three spatial
 *             dims each (unused dims: 1, pads 0), 21 values. Names after ';' are carried for
 *             renderers (comments, setup) but not passed to the kernel. floats lists
 *             CgCall.floats. A `format` param is a weight format (ir/wformat.h, whose numbers
 *             runtime/krt_wformat.h shares): the _WF kernels read w (data) stored in it. */
#ifndef KILN_KERNELS_H
#define KILN_KERNELS_H

// clang-format off
#define CG_KERNELS(X)                                                                              \
    X(MATMUL_F32, "krt_matmul_f32", 0, "a b y", "m k n; m_entry")                                 \
    X(LINEAR_F32, "krt_linear_f32_pool", 1, "x w bias? y", "m k n transpose_w; w0 w1")            \
    X(LINEAR_WF, "krt_linear_wf_pool", 1, "x w bias? y", "m k n format; w0 w1")                   \
    X(SOFTMAX_F32, "krt_softmax_f32", 0, "x y", "outer len inner")                                \
    X(LAYERNORM_F32, "krt_layernorm_f32", 0, "x scale? bias? y", "rows len; floats: epsilon")     \
    X(RMSNORM_F32, "krt_rmsnorm_f32", 0, "x scale? y", "rows len; floats: epsilon")               \
    X(ROTARY_F32, "krt_rotary_f32", 0, "x positions? y",                                          \
      "batch s h d rotary_dim interleaved position_offset; floats: theta")                         \
    X(ATTENTION_F32, "krt_attention_f32", 0, "q k v y",                                           \
      "batch sq skv hq hkv d dv causal; floats: scale")                                            \
    X(KV_ATTENTION_F32, "krt_kv_attention_f32", 0, "q k v y",                                     \
      "capacity k_offset v_offset s hq hkv d; floats: scale")                                      \
    X(KV_ATTENTION_F16KV, "krt_kv_attention_f16kv", 0, "q k v y",                                 \
      "capacity k_offset v_offset s hq hkv d; floats: scale")                                      \
    X(KV_ATTENTION_BF16KV, "krt_kv_attention_bf16kv", 0, "q k v y",                               \
      "capacity k_offset v_offset s hq hkv d; floats: scale")                                      \
    X(CONV_F32, "krt_conv_f32", 0, "x w bias? y", "n c m group win[21]")                          \
    X(POOL_F32, "krt_pool_f32", 0, "x y", "planes is_max count_include_pad win[21]")              \
    X(GLOBAL_POOL_F32, "krt_global_pool_f32", 0, "x y", "planes len is_max")                      \
    X(BATCHNORM_F32, "krt_batchnorm_f32", 0, "x scale bias mean var y",                           \
      "n c inner; floats: epsilon")                                                                \
    X(INSTANCENORM_F32, "krt_instancenorm_f32", 0, "x scale bias y", "n c inner; floats: epsilon") \
    X(PAD_F32, "krt_pad_f32", 0, "x y", "rank mode x_dims[rank] pads[2 rank]; floats: value")     \
    X(RESIZE_F32, "krt_resize_f32", 0, "x y",                                                     \
      "rank linear coord nearest x_dims[rank] y_dims[rank]; floats: scales[rank]")                 \
    X(QUANTIZE, "krt_quantize_", 0, "x scale zero_point? y@", "outer len inner")                  \
    X(DEQUANTIZE, "krt_dequantize_", 0, "x@ scale zero_point? y", "outer len inner")              \
    X(DYNAMIC_QUANTIZE_F32, "krt_dynamic_quantize_f32", 0, "x y scale zero_point", "count")       \
    X(MATMUL_INTEGER, "krt_matmul_integer_", 0, "a@ b@ a_zero_point? b_zero_point? y",            \
      "m k n a_zp_count b_zp_count")                                                               \
    X(QLINEAR_MATMUL, "krt_qlinear_matmul_", 0,                                                   \
      "a@ a_scale a_zp b@ b_scale b_zp y_scale y_zp y@", "b_scale_count b_zp_count m k n")        \
    X(CONV_INTEGER, "krt_conv_integer_", 0, "x@ w@ x_zero_point? w_zero_point? y",                \
      "n c m group w_zp_count win[21]")                                                            \
    X(QLINEAR_CONV, "krt_qlinear_conv_", 0, "x@ x_scale x_zp w@ w_scale w_zp y_scale y_zp bias? y@", \
      "w_scale_count w_zp_count n c m group win[21]")                                              \
    X(GATHER, "krt_gather_", 0, "data indices@ y", "outer axis_len n_indices row")               \
    X(GATHER_WF, "krt_gather_wf_", 0, "data indices@ y", "axis_len n_indices row format")
// clang-format on

typedef enum CgKernelId {
#define CG_KERNEL_ENUM(E, sym, pool, ops, params) CG_KRT_##E,
    CG_KERNELS(CG_KERNEL_ENUM)
#undef CG_KERNEL_ENUM
        CG_KRT_COUNT
} CgKernelId;

typedef struct CgKernelInfo {
    const char *symbol;   /* the runtime function, or its stem when it ends in '_' */
    bool pool;            /* takes the thread pool first */
    const char *operands; /* CgCall.operands, as above */
    const char *params;   /* CgCall.params (and floats), as above */
} CgKernelInfo;

const CgKernelInfo *cg_kernel_info(CgKernelId id);

#endif
