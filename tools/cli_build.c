/* From a loaded graph to generated code (and optionally a shared library) in a folder: the
 * recipe `kiln compile` and `kiln run MODEL` share. */
#include "cli.h"

#include <string.h>

#include "codegen/backend.h"

bool cli_build_model(IrGraph *g, const char *dir, const CliBuildOptions *opt, char *prefix_out,
                     size_t prefix_cap, Diag *d) {
    PassOptions popt = {0};
    popt.bindings = opt->bindings;
    popt.n_bindings = opt->n_bindings;
    popt.verify_each = true;
    const char *pipeline = opt->pipeline ? opt->pipeline : pass_pipeline_for_level(2, false);
    if (!pass_run_pipeline(g, pipeline, &popt, d)) return false;

    if (opt->prefix) {
        if (!cli_is_identifier(opt->prefix) || strlen(opt->prefix) >= prefix_cap) {
            diag_error(d, "--prefix '%s' is not a C identifier of at most %zu bytes", opt->prefix,
                       prefix_cap - 1);
            return false;
        }
        strcpy(prefix_out, opt->prefix);
    } else {
        cg_default_prefix(g, prefix_out, prefix_cap);
    }

    const CgBackend *backend = cg_backend_find("c");
    KILN_ASSERT(backend != NULL);
    CgOptions copt = {0};
    copt.out_dir = dir;
    copt.prefix = prefix_out;
    copt.embed_weights = opt->embed_weights;
    if (!backend->emit(g, &copt, d)) return false;
    if (opt->emit_so && !cli_cc_shared(dir, prefix_out, d)) return false;
    return true;
}
