/* The Hugging Face decoder-LLM frontend: a model folder (config.json, safetensors weights,
 * generation_config.json) becomes a decoder graph with two entry points (docs/llm.md). */
#ifndef KILN_FE_HF_H
#define KILN_FE_HF_H

#include "../frontend.h"

/* Decoder limits used when FeOptions leaves them 0. */
#define HF_DEFAULT_MAX_CONTEXT 2048
#define HF_DEFAULT_MAX_PREFILL 128
#define HF_MAX_PREFILL_LIMIT 4096 /* prefill buffers live on the generated code's stack */

/* Reads the folder `dir` (which holds config.json). Returns the graph or NULL with messages. */
IrGraph *fe_hf_load(const char *dir, const FeOptions *opt, Diag *d);

#endif
