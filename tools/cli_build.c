/* From a loaded graph to generated code (and optionally a shared library) in a folder: the
 * recipe `kiln run MODEL`, `kiln generate` and kiln-onnx-test share, and the --target list. */
#include "cli.h"

#include <string.h>

#include "codegen/backend.h"

void cli_print_targets(FILE *f) {
    for (int i = 0; i < cg_backend_count(); i++)
        fprintf(f, "%-8s %s\n", cg_backend_at(i)->name, cg_backend_at(i)->description);
}

bool cli_build_model(IrGraph *g, const char *dir, const CliBuildOptions *opt, char *prefix_out,
                     size_t prefix_cap, Diag *d) {
    const CgBackend *backend = cg_backend_for_target(opt->target, d);
    if (!backend) return false;
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

    CgOptions copt = {0};
    copt.out_dir = dir;
    copt.prefix = prefix_out;
    copt.embed_weights = opt->embed_weights;
    copt.opt_level = opt->quick ? 0 : 2;              /* the llvm backend's pass pipeline */
    if (!cg_emit(backend, g, &copt, d)) return false; /* checks every node first */
    CgBuildOptions build = {
        .prefix = prefix_out, .quick = opt->quick, .runtime_library = opt->runtime_library};
    return !opt->emit_so || backend->build(dir, &build, d);
}
