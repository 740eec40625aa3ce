/* Fuzz target: the safetensors reader (frontend/safetensors.c). The input is the whole file;
 * every tensor it accepts is read end to end, so a bad offset shows up as an ASan report. */
#include <stdlib.h>

#include "frontend/safetensors.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static char *path;
    if (!path) path = fuzz_path("w.safetensors");
    fuzz_write("w.safetensors", data, size);
    Diag d;
    diag_init(&d);
    StFile *f = st_open(path, "w.safetensors", &d);
    if (f) {
        volatile uint8_t sink = 0;
        for (int i = 0; i < st_count(f); i++) {
            const StTensor *t = st_tensor(f, i);
            const uint8_t *p = t->data;
            for (size_t k = 0; k < t->nbytes; k++) sink ^= p[k];
            if (st_find(f, t->name) == NULL) abort(); /* every listed tensor is found by name */
        }
        (void)sink;
    }
    st_close(f);
    diag_free(&d);
    return 0;
}
