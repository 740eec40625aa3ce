/* Fuzz target: the .npy reader (tools/npy.c), in memory. An accepted array is written back and
 * must parse again to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "tools/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    Diag d;
    diag_init(&d);
    IrTensor t;
    if (npy_parse(data, size, "input.npy", &t, &d)) {
        void *buf = NULL;
        size_t len = 0;
        if (npy_format(&t, "input.npy", &buf, &len, &d)) {
            IrTensor back;
            if (!npy_parse(buf, len, "back.npy", &back, &d)) abort();
            if (back.nbytes != t.nbytes || memcmp(back.data, t.data, t.nbytes) != 0) abort();
            ir_tensor_free(&back);
            free(buf);
        }
        ir_tensor_free(&t);
    }
    diag_free(&d);
    return 0;
}
