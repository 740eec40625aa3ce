/* Fuzz target: the ONNX reader and importer (frontend/onnx/). The input is model.onnx; beside
 * it lies data.bin (64 bytes) for tensors with external data, so location/offset/length
 * handling is reached. */
#include <stdbool.h>
#include <stdlib.h>

#include "frontend/frontend.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready) {
        ready = true;
        uint8_t ext[64];
        for (int i = 0; i < 64; i++) ext[i] = (uint8_t)(i * 37 + 1);
        fuzz_write("data.bin", ext, sizeof ext);
    }
    Diag d;
    diag_init(&d);
    IrGraph *g = fuzz_load_model("model.onnx", data, size, &d);
    ir_graph_free(g);
    diag_free(&d);
    return 0;
}
