/* Fuzz target: kiln's JSON model description (frontend/json_model.c). The input is model.json;
 * a valid w.safetensors lies beside it, so inputs that name it reach the weight binding too. */
#include <stdbool.h>
#include <stdlib.h>

#include "frontend/frontend.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready) {
        ready = true;
        fuzz_write("w.safetensors", fuzz_good_safetensors, fuzz_good_safetensors_len);
    }
    Diag d;
    diag_init(&d);
    IrGraph *g = fuzz_load_model("model.json", data, size, &d);
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
