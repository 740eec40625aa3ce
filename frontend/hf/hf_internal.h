/* Internals of the Hugging Face frontend (frontend/hf/): the parsed config and the weights
 * reader shared by hf_config.c, hf_weights.c and hf_graph.c. */
#ifndef KILN_FE_HF_INTERNAL_H
#define KILN_FE_HF_INTERNAL_H

#include "../safetensors.h"
#include "hf.h"

typedef enum HfArch {
    HF_ARCH_LLAMA,
    HF_ARCH_QWEN2,
    HF_ARCH_GLM,
    HF_ARCH_GLM4,
    HF_ARCH_GPT2
} HfArch;

/* Every config.json field that changes the math, after validation. */
typedef struct HfConfig {
    HfArch arch;
    const char *model_type;
    int64_t vocab, hidden, layers, heads, kv_heads, head_dim, intermediate;
    int64_t max_positions; /* learned position table rows (gpt2), else max_position_embeddings */
    double norm_eps;
    double rope_theta;
    int64_t rotary_dim; /* channels of each head that are rotated */
    bool interleaved;   /* GLM pairs (2i, 2i+1) */
    bool attn_bias;     /* q/k/v biases */
    bool mlp_bias;
    bool tie_embeddings;
    int64_t bos, eos, pad; /* token ids; -1 when none */
    /* Where the decoder's tensors live: "model." (model.layers.*, model.embed_tokens, ...), or
     * "model.language_model." in a vision-language folder (glm4v). */
    const char *weights_prefix;
    /* glm4v: the text decoder of a vision-language model. Its rotary takes three position
     * streams (temporal, height, width) over the frequency pairs split by mrope_section (the
     * three counts sum to rotary_dim / 2); text tokens give all three the same position, which
     * is exactly GLM-4's rotary. The image and video marker ids come from the config. */
    bool vision_language;
    int64_t mrope_section[3];
    int64_t image_token, image_start, image_end, video_token, video_start, video_end;
} HfConfig;

/* Reads dir/config.json and dir/generation_config.json (optional) into c. path is the
 * config.json path for messages. */
bool hf_config_read(const char *path, const char *dir, HfConfig *c, Diag *d);

/* The folder's weights: one file or the shards of an index. */
typedef struct HfWeights {
    const char *dir;
    StFile **files;
    char **names; /* file names as written (for messages) */
    int n_files;
} HfWeights;

bool hf_weights_open(HfWeights *w, const char *dir, IrGraph *g, Diag *d);
void hf_weights_close(HfWeights *w);

/* The tensor `name` as an f32 constant of exactly the given dims, borrowed from the mapping:
 * f32 as it is; f16/bf16 with keep_stored as a packed constant of that format (ir/wformat.h,
 * the stored bytes), else converted to f32 once. -1 with a message when missing or
 * mis-shaped. */
int hf_weight(HfWeights *w, IrGraph *g, const char *name, int rank, const int64_t *dims,
              bool keep_stored, Diag *d);
/* Whether the tensor exists. */
bool hf_weight_exists(const HfWeights *w, const char *name);

#endif
