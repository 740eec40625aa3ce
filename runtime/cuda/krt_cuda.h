/* krt_cuda.h: the host part of the GPU runtime that libraries compiled by kiln's CUDA backend
 * link (docs/cuda.md). Plain C11; it needs neither the CUDA toolkit nor a GPU to build or to
 * load: the driver API comes from dlopen("libcuda.so.1") when a context is created, and a
 * machine without a driver or a device gets KILN_ERR_DEVICE from create() with the driver's
 * error text in krt_cuda_probe.
 *
 * One KrtCuda per model context (KrtModelContext.device): the driver's functions, the module
 * loaded from the embedded cubin (or, when the device cannot run it, the embedded PTX), one
 * stream, and device memory for the weights (uploaded once), the workspace arena, the KV cache
 * and the staging area of the entries' inputs and outputs. No mutable globals. */
#ifndef KILN_KRT_CUDA_H
#define KILN_KRT_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "krt_model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct KrtCuda KrtCuda;

/* What the generated code tells the runtime about its device code and buffers. */
typedef struct KrtCudaModule {
    const unsigned char *cubin; /* the NVRTC cubin for the --cuda-arch architecture */
    size_t cubin_bytes;
    const char *ptx;            /* NUL-terminated PTX of the same source (forward compatibility) */
    const char *const *kernels; /* n_kernels extern "C" __global__ names, indexed by launch */
    int n_kernels;
    uint64_t io_bytes; /* the entries' staging area for inputs, outputs and the status word */
} KrtCudaModule;

/* KrtDeviceOps.open of a CUDA model: loads the driver, creates the stream, loads the module,
 * allocates the device buffers and uploads ctx->weights. KILN_ERR_DEVICE when there is no
 * usable driver or device, KILN_ERR_NO_MEMORY when device memory runs out. */
int krt_cuda_open(KrtModelContext *ctx, const KrtCudaModule *module);
/* KrtDeviceOps.close: frees everything krt_cuda_open made. */
void krt_cuda_close(KrtModelContext *ctx);

/* Writes why a CUDA context cannot be created on this machine into msg (cap bytes): the
 * dlopen error, or the failing driver call with the driver's error name and text; "ok" when
 * a device is usable. Returns KILN_OK or KILN_ERR_DEVICE. */
int krt_cuda_probe(char *msg, size_t cap);

/* Device addresses of the context's buffers. */
uint64_t krt_cuda_weights(const KrtCuda *cu);
uint64_t krt_cuda_workspace(const KrtCuda *cu);
uint64_t krt_cuda_io(const KrtCuda *cu);
uint64_t krt_cuda_kv(const KrtCuda *cu);

/* The calls an entry makes, in order: begin (makes the context current, zeroes the status
 * word at io + status_offset), uploads of its inputs, launches, device copies, downloads of
 * its outputs, finish (waits for the stream; KILN_ERR_INDEX when a kernel set the status
 * word). Every call returns KILN_OK or KILN_ERR_DEVICE. */
int krt_cuda_begin(KrtCuda *cu, uint64_t status_offset);
int krt_cuda_upload(KrtCuda *cu, uint64_t dst, const void *src, size_t bytes);
int krt_cuda_download(KrtCuda *cu, void *dst, uint64_t src, size_t bytes);
int krt_cuda_copy(KrtCuda *cu, uint64_t dst, uint64_t src, size_t bytes);
/* Launches kernel k of the module on grid[3] blocks of block[3] threads with args (pointers
 * to each parameter's value, as cuLaunchKernel takes them). */
int krt_cuda_launch(KrtCuda *cu, int k, const unsigned grid[3], const unsigned block[3],
                    void **args);
int krt_cuda_finish(KrtCuda *cu, uint64_t status_offset);

#ifdef __cplusplus
}
#endif

#endif
