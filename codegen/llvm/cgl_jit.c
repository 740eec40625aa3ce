/* The JIT of codegen/jit.h: ORC LLJIT (llvm-c/LLJIT.h) for the host, the process's own symbols
 * as a fallback definition generator (libc, libm, pthreads, which kiln links), and the object
 * the llvm backend wrote added to the main JITDylib; looking up kiln_model links it. */
#include "../jit.h"

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <stdlib.h>

struct CgJit {
    LLVMOrcLLJITRef jit;
};

static bool cgl_jit_fail(const char *path, const char *what, LLVMErrorRef err, Diag *d) {
    char *msg = err ? LLVMGetErrorMessage(err) : NULL;
    diag_at(d, path, NULL, NULL, "%s%s%s", what, msg ? ": " : "", msg ? msg : "");
    if (msg) LLVMDisposeErrorMessage(msg);
    return false;
}

bool cg_jit_open(const char *object_path, CgJit **out, const void **model, Diag *d) {
    *out = NULL;
    *model = NULL;
    LLVMInitializeNativeTarget();
    LLVMInitializeNativeAsmPrinter();
    LLVMInitializeNativeAsmParser(); /* krt_isa.c's inline assembly */
    LLVMMemoryBufferRef buf = NULL;
    char *msg = NULL;
    if (LLVMCreateMemoryBufferWithContentsOfFile(object_path, &buf, &msg)) {
        diag_at(d, object_path, NULL, NULL, "cannot read the object file: %s", msg ? msg : "");
        LLVMDisposeMessage(msg);
        return false;
    }
    CgJit *j = calloc(1, sizeof *j);
    KILN_ASSERT(j != NULL);
    LLVMErrorRef err = LLVMOrcCreateLLJIT(&j->jit, LLVMOrcCreateLLJITBuilder());
    if (err) {
        LLVMDisposeMemoryBuffer(buf);
        free(j);
        return cgl_jit_fail(object_path, "cannot start the JIT", err, d);
    }
    LLVMOrcJITDylibRef main = LLVMOrcLLJITGetMainJITDylib(j->jit);
    LLVMOrcDefinitionGeneratorRef gen = NULL;
    err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
        &gen, LLVMOrcLLJITGetGlobalPrefix(j->jit), NULL, NULL);
    if (!err) {
        LLVMOrcJITDylibAddGenerator(main, gen);
        err = LLVMOrcLLJITAddObjectFile(j->jit, main, buf); /* takes the buffer */
    } else {
        LLVMDisposeMemoryBuffer(buf);
    }
    LLVMOrcExecutorAddress addr = 0;
    if (!err) err = LLVMOrcLLJITLookup(j->jit, &addr, "kiln_model");
    if (err || !addr) {
        cgl_jit_fail(object_path, "cannot load the object into the JIT", err, d);
        cg_jit_close(j);
        return false;
    }
    *out = j;
    *model = (const void *)(uintptr_t)addr;
    return true;
}

void cg_jit_close(CgJit *j) {
    if (!j) return;
    if (j->jit) {
        LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->jit);
        if (err) LLVMConsumeError(err);
    }
    free(j);
}
