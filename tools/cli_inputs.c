/* Inputs and outputs of `kiln run`: --input NAME=FILE.npy matching, shape checks, random
 * inputs, and writing outputs as .npy. */
#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "npy.h"

int cli_match_input(const char *arg, const char *const *names, int n, const char **path, Diag *d) {
    int best = -1;
    size_t best_len = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(names[i]);
        if (strncmp(arg, names[i], len) == 0 && arg[len] == '=' && (best < 0 || len > best_len)) {
            best = i;
            best_len = len;
        }
    }
    if (best < 0) {
        const char *eq = strchr(arg, '=');
        if (!eq)
            diag_error(d, "--input expects NAME=FILE.npy, got '%s'", arg);
        else
            diag_error(d, "--input '%.*s': the model has no input of that name", (int)(eq - arg),
                       arg);
        return -1;
    }
    *path = arg + best_len + 1;
    return best;
}

bool cli_read_inputs(const char *const *names, int n, char **raw, int n_raw, IrTensor *tensors,
                     const char **given, Diag *d) {
    for (int i = 0; i < n; i++) given[i] = NULL;
    for (int r = 0; r < n_raw; r++) {
        const char *path;
        int i = cli_match_input(raw[r], names, n, &path, d);
        if (i < 0) return false;
        if (given[i]) {
            diag_error(d, "input '%s' given twice", names[i]);
            return false;
        }
        if (!npy_read(path, &tensors[i], d)) return false;
        given[i] = path;
    }
    return true;
}

/* "f32[2, 64]" with -1 dims shown as '?'. */
static void cli_spec_str(const CliTensorSpec *s, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "%s[", ir_dtype_name(s->dtype));
    for (int i = 0; i < s->rank && n < cap; i++) {
        if (s->dims[i] < 0)
            n += (size_t)snprintf(buf + n, cap - n, "%s?", i ? ", " : "");
        else
            n += (size_t)snprintf(buf + n, cap - n, "%s%" PRId64, i ? ", " : "", s->dims[i]);
    }
    if (n < cap) snprintf(buf + n, cap - n, "]");
}

static void cli_tensor_str(const IrTensor *t, char *buf, size_t cap) {
    CliTensorSpec s = {0};
    s.dtype = t->dtype;
    s.rank = t->rank;
    memcpy(s.dims, t->dims, sizeof s.dims);
    cli_spec_str(&s, buf, cap);
}

bool cli_complete_inputs(const char *where, const CliTensorSpec *specs, int n, IrTensor *tensors,
                         const char *const *given, const CliRunOptions *opt, Diag *d) {
    uint64_t rng = opt->seed;
    for (int i = 0; i < n; i++) {
        const CliTensorSpec *s = &specs[i];
        char want[256], got[256];
        cli_spec_str(s, want, sizeof want);
        if (given[i]) {
            const IrTensor *t = &tensors[i];
            bool ok = t->dtype == s->dtype && t->rank == s->rank;
            for (int k = 0; ok && k < s->rank; k++)
                if (s->dims[k] >= 0 && s->dims[k] != t->dims[k]) ok = false;
            if (!ok) {
                cli_tensor_str(t, got, sizeof got);
                diag_at(d, given[i], NULL, NULL,
                        "input '%s' must be %s, but the file holds %s (model: %s)", s->name, want,
                        got, where);
                return false;
            }
            continue;
        }
        if (!opt->random) {
            diag_at(d, where, NULL, NULL,
                    "input '%s' (%s) not given: use --input '%s=FILE.npy' or --random-inputs SEED",
                    s->name, want, s->name);
            return false;
        }
        for (int k = 0; k < s->rank; k++) {
            if (s->dims[k] < 0) {
                diag_at(d, where, NULL, NULL,
                        "input '%s' (%s) has an unknown size for random values: give it with "
                        "--input or set its symbols with --bind",
                        s->name, want);
                return false;
            }
        }
        if (!ir_tensor_alloc(&tensors[i], s->dtype, s->rank, s->dims)) {
            diag_at(d, where, NULL, NULL, "input '%s' (%s) is too large to allocate", s->name,
                    want);
            return false;
        }
        cli_fill_random(&tensors[i], &rng);
    }
    return true;
}

bool cli_report_outputs(const char *const *names, const IrTensor *outs, int n,
                        const char *output_dir, Diag *d) {
    if (output_dir && mkdir(output_dir, 0777) != 0 && errno != EEXIST) {
        diag_at(d, output_dir, NULL, NULL, "cannot create folder: %s", strerror(errno));
        return false;
    }
    for (int i = 0; i < n; i++) {
        if (output_dir) {
            char *file = cli_output_file_name(names[i], d);
            if (!file) return false;
            char *path = cli_path_join(output_dir, file);
            bool ok = npy_write(path, &outs[i], d);
            free(path);
            free(file);
            if (!ok) return false;
        }
        cli_print_summary(stdout, names[i], &outs[i]);
    }
    return true;
}
