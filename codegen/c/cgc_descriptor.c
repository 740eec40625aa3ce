/* The generic descriptor `const KilnModel kiln_model` (include/kiln/kiln_model.h) that closes
 * every <prefix>_model.c, plain model or decoder. Its entry points are the runtime's
 * (krt_model.h); only create needs the model's own table, through <prefix>_create. */
#include "cgc.h"

void cgc_put_model_descriptor(FILE *f, const IrGraph *g, const CgOptions *opt, const char *p,
                              int n_inputs, int n_outputs, bool decoder) {
    fprintf(f,
            "static int %s_model_create(void **ctx, const char *weights_path) {\n"
            "    if (!ctx) return KILN_ERR_ARGUMENT;\n"
            "    %s_context *c = NULL;\n"
            "    int status = %s_create(&c, weights_path);\n"
            "    *ctx = c;\n    return status;\n}\n\n",
            p, p, p);
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
            "    %s_model_create,\n    krt_kiln_run,\n    krt_kiln_destroy,\n"
            "    krt_model_status_string,\n",
            p);
    if (decoder)
        fprintf(f, "    &%s_decoder,\n};\n", p);
    else
        fputs("    NULL,\n};\n", f);
}
