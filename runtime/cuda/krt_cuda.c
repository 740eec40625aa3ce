/* The host part of the GPU runtime (krt_cuda.h): the CUDA driver API reached through dlopen, so
 * that a compiled library links and loads where there is no driver and create() fails there
 * with KILN_ERR_DEVICE instead. The driver's types are declared here by their ABI (handles are
 * pointers, device addresses 64-bit integers, results int), so no CUDA header is needed. */
#include "krt_cuda.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln_rt.h"

typedef int KrtCuResult;   /* CUresult: 0 is CUDA_SUCCESS */
typedef uint64_t KrtCuPtr; /* CUdeviceptr */
#define KRT_CU_ERROR_NO_BINARY_FOR_GPU 209
#define KRT_CU_ERROR_OUT_OF_MEMORY 2

/* The driver functions the runtime calls, by their versioned symbol names. */
typedef struct KrtCuDriver {
    void *lib;
    KrtCuResult (*init)(unsigned flags);
    KrtCuResult (*device_get)(int *dev, int ordinal);
    KrtCuResult (*primary_retain)(void **ctx, int dev);
    KrtCuResult (*primary_release)(int dev);
    KrtCuResult (*ctx_set_current)(void *ctx);
    KrtCuResult (*module_load_data)(void **module, const void *image);
    KrtCuResult (*module_unload)(void *module);
    KrtCuResult (*module_get_function)(void **fn, void *module, const char *name);
    KrtCuResult (*mem_alloc)(KrtCuPtr *ptr, size_t bytes);
    KrtCuResult (*mem_free)(KrtCuPtr ptr);
    KrtCuResult (*htod)(KrtCuPtr dst, const void *src, size_t bytes, void *stream);
    KrtCuResult (*dtoh)(void *dst, KrtCuPtr src, size_t bytes, void *stream);
    KrtCuResult (*dtod)(KrtCuPtr dst, KrtCuPtr src, size_t bytes, void *stream);
    KrtCuResult (*memset8)(KrtCuPtr dst, unsigned char v, size_t n, void *stream);
    KrtCuResult (*launch)(void *fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                          unsigned bz, unsigned shared, void *stream, void **params, void **extra);
    KrtCuResult (*stream_create)(void **stream, unsigned flags);
    KrtCuResult (*stream_destroy)(void *stream);
    KrtCuResult (*stream_sync)(void *stream);
    KrtCuResult (*error_name)(KrtCuResult r, const char **s);
    KrtCuResult (*error_string)(KrtCuResult r, const char **s);
} KrtCuDriver;

struct KrtCuda {
    KrtCuDriver drv;
    int device;
    void *context; /* the device's primary context, retained */
    void *stream;
    void *module;
    void **functions; /* one per KrtCudaModule.kernels */
    int n_functions;
    KrtCuPtr weights, workspace, kv, io;
    char error[256]; /* the last driver failure, for a debugger or a log */
};

/* dlsym into a function pointer without an object-to-function cast (POSIX's idiom). */
static int krt_cu_sym(void *lib, const char *name, void *fn_slot) {
    void *p = dlsym(lib, name);
    memcpy(fn_slot, &p, sizeof p);
    return p != NULL;
}

/* Loads libcuda.so.1 and every function; writes why not into msg. */
static int krt_cu_load(KrtCuDriver *d, char *msg, size_t cap) {
    memset(d, 0, sizeof *d);
    d->lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!d->lib) {
        const char *why = dlerror();
        snprintf(msg, cap, "no CUDA driver: dlopen(libcuda.so.1) failed: %s", why ? why : "?");
        return 0;
    }
    static const char *const names[] = {
        "cuInit",
        "cuDeviceGet",
        "cuDevicePrimaryCtxRetain",
        "cuDevicePrimaryCtxRelease_v2",
        "cuCtxSetCurrent",
        "cuModuleLoadData",
        "cuModuleUnload",
        "cuModuleGetFunction",
        "cuMemAlloc_v2",
        "cuMemFree_v2",
        "cuMemcpyHtoDAsync_v2",
        "cuMemcpyDtoHAsync_v2",
        "cuMemcpyDtoDAsync_v2",
        "cuMemsetD8Async",
        "cuLaunchKernel",
        "cuStreamCreate",
        "cuStreamDestroy_v2",
        "cuStreamSynchronize",
        "cuGetErrorName",
        "cuGetErrorString",
    };
    void *slots[] = {&d->init,
                     &d->device_get,
                     &d->primary_retain,
                     &d->primary_release,
                     &d->ctx_set_current,
                     &d->module_load_data,
                     &d->module_unload,
                     &d->module_get_function,
                     &d->mem_alloc,
                     &d->mem_free,
                     &d->htod,
                     &d->dtoh,
                     &d->dtod,
                     &d->memset8,
                     &d->launch,
                     &d->stream_create,
                     &d->stream_destroy,
                     &d->stream_sync,
                     &d->error_name,
                     &d->error_string};
    _Static_assert(sizeof names / sizeof names[0] == sizeof slots / sizeof slots[0],
                   "one slot per driver symbol");
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!krt_cu_sym(d->lib, names[i], slots[i])) {
            snprintf(msg, cap, "the CUDA driver lacks %s (too old a driver?)", names[i]);
            dlclose(d->lib);
            d->lib = NULL;
            return 0;
        }
    return 1;
}

/* "CALL: CUDA_ERROR_NAME (text)" for a failed driver call. */
static void krt_cu_describe(const KrtCuDriver *d, const char *call, KrtCuResult r, char *msg,
                            size_t cap) {
    const char *name = NULL, *text = NULL;
    if (d->error_name) d->error_name(r, &name);
    if (d->error_string) d->error_string(r, &text);
    snprintf(msg, cap, "%s failed: %s (%s)", call, name ? name : "unknown CUDA error",
             text ? text : "no description");
}

/* Records a failed call in cu->error; the status an entry returns for it. */
static int krt_cu_fail(KrtCuda *cu, const char *call, KrtCuResult r) {
    krt_cu_describe(&cu->drv, call, r, cu->error, sizeof cu->error);
    return r == KRT_CU_ERROR_OUT_OF_MEMORY ? KILN_ERR_NO_MEMORY : KILN_ERR_DEVICE;
}

/* Loads the driver, initializes it and takes device 0's primary context. */
static int krt_cu_start(KrtCuda *cu, char *msg, size_t cap) {
    if (!krt_cu_load(&cu->drv, msg, cap)) return KILN_ERR_DEVICE;
    KrtCuResult r = cu->drv.init(0);
    if (r == 0) r = cu->drv.device_get(&cu->device, 0);
    if (r != 0) {
        krt_cu_describe(&cu->drv, "cuInit/cuDeviceGet", r, msg, cap);
        return KILN_ERR_DEVICE;
    }
    r = cu->drv.primary_retain(&cu->context, cu->device);
    if (r == 0) r = cu->drv.ctx_set_current(cu->context);
    if (r != 0) {
        krt_cu_describe(&cu->drv, "cuDevicePrimaryCtxRetain", r, msg, cap);
        return KILN_ERR_DEVICE;
    }
    return KILN_OK;
}

/* Frees what krt_cu_start and krt_cuda_open made (each part only when it exists). */
static void krt_cu_free(KrtCuda *cu) {
    if (!cu) return;
    if (cu->context) {
        cu->drv.ctx_set_current(cu->context);
        KrtCuPtr bufs[4] = {cu->weights, cu->workspace, cu->kv, cu->io};
        for (int i = 0; i < 4; i++)
            if (bufs[i]) cu->drv.mem_free(bufs[i]);
        if (cu->module) cu->drv.module_unload(cu->module);
        if (cu->stream) cu->drv.stream_destroy(cu->stream);
        cu->drv.primary_release(cu->device);
    }
    if (cu->drv.lib) dlclose(cu->drv.lib);
    free(cu->functions);
    free(cu);
}

int krt_cuda_probe(char *msg, size_t cap) {
    KrtCuda *cu = calloc(1, sizeof *cu);
    if (!cu) {
        snprintf(msg, cap, "out of memory");
        return KILN_ERR_NO_MEMORY;
    }
    int status = krt_cu_start(cu, msg, cap);
    if (status == KILN_OK) snprintf(msg, cap, "ok");
    krt_cu_free(cu);
    return status;
}

/* Allocates bytes (at least 1) of device memory into *ptr. */
static int krt_cu_alloc(KrtCuda *cu, KrtCuPtr *ptr, uint64_t bytes) {
    if (bytes > SIZE_MAX - 256) return KILN_ERR_NO_MEMORY;
    KrtCuResult r = cu->drv.mem_alloc(ptr, bytes ? (size_t)bytes : 1);
    if (r != 0) {
        *ptr = 0;
        return krt_cu_fail(cu, "cuMemAlloc", r);
    }
    return KILN_OK;
}

/* Loads the module from the cubin, or from the PTX when the device has another architecture. */
static int krt_cu_module(KrtCuda *cu, const KrtCudaModule *m) {
    KrtCuResult r = cu->drv.module_load_data(&cu->module, m->cubin);
    if (r == KRT_CU_ERROR_NO_BINARY_FOR_GPU && m->ptx)
        r = cu->drv.module_load_data(&cu->module, m->ptx);
    if (r != 0) {
        cu->module = NULL;
        return krt_cu_fail(cu, "cuModuleLoadData", r);
    }
    cu->functions = calloc((size_t)m->n_kernels + 1, sizeof *cu->functions);
    if (!cu->functions) return KILN_ERR_NO_MEMORY;
    cu->n_functions = m->n_kernels;
    for (int i = 0; i < m->n_kernels; i++) {
        r = cu->drv.module_get_function(&cu->functions[i], cu->module, m->kernels[i]);
        if (r != 0) return krt_cu_fail(cu, "cuModuleGetFunction", r);
    }
    return KILN_OK;
}

int krt_cuda_open(KrtModelContext *ctx, const KrtCudaModule *m) {
    if (!ctx || !ctx->table || !m) return KILN_ERR_ARGUMENT;
    const KrtModelTable *t = ctx->table;
    KrtCuda *cu = calloc(1, sizeof *cu);
    if (!cu) return KILN_ERR_NO_MEMORY;
    int status = krt_cu_start(cu, cu->error, sizeof cu->error);
    if (status == KILN_OK) {
        KrtCuResult r = cu->drv.stream_create(&cu->stream, 1 /* CU_STREAM_NON_BLOCKING */);
        if (r != 0) {
            cu->stream = NULL;
            status = krt_cu_fail(cu, "cuStreamCreate", r);
        }
    }
    if (status == KILN_OK) status = krt_cu_module(cu, m);
    if (status == KILN_OK) status = krt_cu_alloc(cu, &cu->weights, t->payload_bytes);
    if (status == KILN_OK) status = krt_cu_alloc(cu, &cu->workspace, t->workspace_bytes);
    if (status == KILN_OK) status = krt_cu_alloc(cu, &cu->io, m->io_bytes);
    if (status == KILN_OK && t->decoder) status = krt_cu_alloc(cu, &cu->kv, t->decoder->kv_bytes);
    /* the weights go up once; the host copy stays with the context (docs/cuda.md) */
    if (status == KILN_OK && t->payload_bytes > 0)
        status = krt_cuda_upload(cu, cu->weights, ctx->weights, (size_t)t->payload_bytes);
    if (status == KILN_OK) {
        KrtCuResult r = cu->drv.stream_sync(cu->stream);
        if (r != 0) status = krt_cu_fail(cu, "cuStreamSynchronize", r);
    }
    if (status != KILN_OK) {
        krt_cu_free(cu);
        return status;
    }
    ctx->device = cu;
    /* a decoder's KrtKvState.cache then carries the device address of the cache */
    if (t->decoder) ctx->kv_cache = (void *)(uintptr_t)cu->kv;
    return KILN_OK;
}

void krt_cuda_close(KrtModelContext *ctx) {
    if (!ctx) return;
    krt_cu_free(ctx->device);
    ctx->device = NULL;
}

uint64_t krt_cuda_weights(const KrtCuda *cu) {
    return cu->weights;
}
uint64_t krt_cuda_workspace(const KrtCuda *cu) {
    return cu->workspace;
}
uint64_t krt_cuda_io(const KrtCuda *cu) {
    return cu->io;
}
uint64_t krt_cuda_kv(const KrtCuda *cu) {
    return cu->kv;
}

int krt_cuda_begin(KrtCuda *cu, uint64_t status_offset) {
    KrtCuResult r = cu->drv.ctx_set_current(cu->context);
    if (r != 0) return krt_cu_fail(cu, "cuCtxSetCurrent", r);
    r = cu->drv.memset8(cu->io + status_offset, 0, 4, cu->stream);
    return r == 0 ? KILN_OK : krt_cu_fail(cu, "cuMemsetD8Async", r);
}

int krt_cuda_upload(KrtCuda *cu, uint64_t dst, const void *src, size_t bytes) {
    if (bytes == 0) return KILN_OK;
    KrtCuResult r = cu->drv.htod(dst, src, bytes, cu->stream);
    return r == 0 ? KILN_OK : krt_cu_fail(cu, "cuMemcpyHtoDAsync", r);
}

int krt_cuda_download(KrtCuda *cu, void *dst, uint64_t src, size_t bytes) {
    if (bytes == 0) return KILN_OK;
    KrtCuResult r = cu->drv.dtoh(dst, src, bytes, cu->stream);
    return r == 0 ? KILN_OK : krt_cu_fail(cu, "cuMemcpyDtoHAsync", r);
}

int krt_cuda_copy(KrtCuda *cu, uint64_t dst, uint64_t src, size_t bytes) {
    if (bytes == 0 || dst == src) return KILN_OK;
    KrtCuResult r = cu->drv.dtod(dst, src, bytes, cu->stream);
    return r == 0 ? KILN_OK : krt_cu_fail(cu, "cuMemcpyDtoDAsync", r);
}

int krt_cuda_launch(KrtCuda *cu, int k, const unsigned grid[3], const unsigned block[3],
                    void **args) {
    if (k < 0 || k >= cu->n_functions) return KILN_ERR_ARGUMENT;
    KrtCuResult r = cu->drv.launch(cu->functions[k], grid[0], grid[1], grid[2], block[0], block[1],
                                   block[2], 0, cu->stream, args, NULL);
    return r == 0 ? KILN_OK : krt_cu_fail(cu, "cuLaunchKernel", r);
}

int krt_cuda_finish(KrtCuda *cu, uint64_t status_offset) {
    uint32_t flag = 0;
    int status = krt_cuda_download(cu, &flag, cu->io + status_offset, sizeof flag);
    KrtCuResult r = cu->drv.stream_sync(cu->stream);
    if (r != 0) return krt_cu_fail(cu, "cuStreamSynchronize", r);
    if (status != KILN_OK) return status;
    return flag ? KILN_ERR_INDEX : KILN_OK;
}
