/* Fuzz target: the text IR reader (ir/text_parse.c through frontend/load.c). The input is a
 * .kir file; w.safetensors (tensor "w", f32[2, 3]) lies beside it for `load` constants. A graph
 * that parses must print and parse again (the round trip docs/ir-text.md promises). */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/frontend.h"
#include "fuzz_util.h"
#include "ir/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready) {
        ready = true;
        fuzz_write("w.safetensors", fuzz_good_safetensors, fuzz_good_safetensors_len);
    }
    Diag d;
    diag_init(&d);
    IrGraph *g = fuzz_load_model("model.kir", data, size, &d);
    if (g) {
        char *text = ir_print_to_string(g);
        Diag d2;
        diag_init(&d2);
        IrGraph *g2 = ir_parse_string(text, "printed.kir", g->base_dir, NULL, NULL, &d2);
        /* constants loaded from files print as `load`, which a NULL loader refuses; any other
         * failure to read back kiln's own output is a bug */
        if (!g2 && !strstr(text, " load ")) {
            diag_print(&d2, stderr);
            fprintf(stderr, "printed text does not parse:\n%s\n", text);
            abort();
        }
        ir_graph_free(g2);
        diag_free(&d2);
        free(text);
    }
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
