/* Internals of the CUDA backend (codegen/cuda/, docs/cuda.md): the module rendered as CUDA C
 * (<prefix>.cu: one extern "C" __global__ kernel per node, loop records as grid-stride loops,
 * calls through the device runtime runtime/cuda/krt_cuda_kernels.cuh), compiled by NVRTC into
 * a cubin and PTX embedded in <prefix>_cubin.c, and host C (<prefix>.c) whose entries upload
 * the inputs, launch each node's kernels on the context's stream and download the outputs.
 * The public header, the descriptor and the weights are the C backend's (its host-side parts,
 * codegen/c/cgc.h), so a CUDA library has the same API; the C backend's build step builds it.
 * Only codegen/cuda/ includes this header. */
#ifndef KILN_CGCU_H
#define KILN_CGCU_H

#include "../c/cgc.h"

#define CGCU_MAX_LAUNCHES 2 /* kernels one node launches (KvAttention: the cache write first) */

/* One kernel launch of a node: its grid and block, and what extra parameters its kernel takes
 * after the node's operands. */
typedef struct CgcuLaunch {
    char name[48]; /* the extern "C" kernel: node_<i> or node_<i>_store */
    unsigned grid[3], block[3];
} CgcuLaunch;

typedef struct CgcuNode {
    int n_launches; /* 0: nothing to run (a Reshape in place, an empty tensor) */
    CgcuLaunch launches[CGCU_MAX_LAUNCHES];
    bool kv;     /* the kernels take (float *kc, float *vc, long long pos, long long rows) */
    bool status; /* the kernels take (unsigned *status) last */
} CgcuNode;

/* Where a value lives on the device: the weights, the workspace arena or the entries'
 * staging area (graph inputs and outputs), at a byte offset. */
typedef enum CgcuRegion { CGCU_WEIGHTS, CGCU_WORKSPACE, CGCU_IO } CgcuRegion;

/* The staging area: each graph input and output at a 256-byte aligned offset, then the status
 * word that index kernels set. */
typedef struct CgcuIo {
    uint64_t *input_offsets;  /* g->n_inputs */
    uint64_t *output_offsets; /* g->n_outputs */
    uint64_t status_offset, bytes;
} CgcuIo;

/* ---- kernels (cgcu_kernels.c) -------------------------------------------------------------
 * Writes node n's kernels into e->f (a trial when e->m is NULL: e->trial is its record) and
 * fills *node with their launches. False, with the reason recorded as the C emitters record
 * theirs (cgc_node_fail), when the CUDA backend cannot render the node. */
bool cgcu_emit_node(CgcEmitter *e, const IrNode *n, CgcuNode *node);
/* The device type of a dtype in generated CUDA: float, double, long long, int, unsigned short
 * (f16, bf16), signed char, unsigned char (u8, bool). */
const char *cgcu_ctype(IrDtype t);

/* ---- host code (cgcu_host.c) ------------------------------------------------------------ */
/* The staging layout of graph g (free with cgcu_io_free). False when it overflows. */
bool cgcu_io_layout(const IrGraph *g, CgcuIo *io);
void cgcu_io_free(CgcuIo *io);
/* Writes the body of <prefix>.c after its includes: the KrtCudaModule, the device hooks, the
 * entries (node launches between uploads and downloads), the tables and the typed wrappers
 * (the C backend's). nodes[g->n_nodes] from cgcu_emit_node. */
void cgcu_write_host(CgcEmitter *e, const CgcuNode *nodes, const CgcuIo *io);

/* ---- NVRTC (cgcu_nvrtc.c) ---------------------------------------------------------------
 * Compiles source (named name, including the device runtime header) for arch ("sm_90") into
 * a cubin and, for compute_<arch digits>, PTX; both malloc'ed. NVRTC is loaded with dlopen:
 * $KILN_NVRTC, else libnvrtc.so from the library path or /usr/local/cuda/lib64. Any message
 * NVRTC prints (a warning too) fails the compile, with the log in d. */
typedef struct CgcuBinary {
    unsigned char *cubin;
    size_t cubin_bytes;
    char *ptx; /* NUL-terminated */
    size_t ptx_bytes;
} CgcuBinary;
bool cgcu_nvrtc_compile(const char *source, const char *name, const char *arch, CgcuBinary *out,
                        Diag *d);
void cgcu_binary_free(CgcuBinary *b);
/* Whether arch names an architecture: "sm_" followed by 2 or 3 digits. */
bool cgcu_arch_ok(const char *arch);

#endif
