/* The generic descriptor `const KilnModel kiln_model` (include/kiln/model.h) that closes
 * every <prefix>_model.c, plain model or decoder. */
#include "cgc.h"

void cgc_put_model_descriptor(FILE *f, const IrGraph *g, const CgOptions *opt, const char *p,
                              int n_inputs, int n_outputs, bool decoder) {
    fputs("const KilnModel kiln_model = {\n    KILN_MODEL_ABI_VERSION,\n    \"", f);
    cgc_put_string_body(f, g->name);
    fputs("\",\n", f);
    if (n_inputs)
        fprintf(f, "    %d,\n    %s_inputs,\n", n_inputs, p);
    else
        fputs("    0,\n    NULL,\n", f);
    if (n_outputs)
        fprintf(f, "    %d,\n    %s_outputs,\n", n_outputs, p);
    else
        fputs("    0,\n    NULL,\n", f);
    fputs("    ", f);
    cgc_put_upper(f, p);
    fputs("_WEIGHTS_BYTES,\n    ", f);
    cgc_put_upper(f, p);
    fprintf(f, "_WORKSPACE_BYTES,\n    %d,\n", opt->embed_weights ? 1 : 0);
    if (opt->embed_weights)
        fputs("    NULL,\n", f);
    else
        fprintf(f, "    \"%s.weights\",\n", p);
    fprintf(f,
            "    %s_model_create,\n    %s_model_run,\n    %s_model_destroy,\n    "
            "%s_status_string,\n",
            p, p, p, p);
    if (decoder)
        fprintf(f, "    &%s_decoder,\n};\n", p);
    else
        fputs("    NULL,\n};\n", f);
}
