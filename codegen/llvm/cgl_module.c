/* The LLVM module of one model: the runtime's embedded bitcode parsed into the model's context
 * (its types and function types are what the model uses), the model written as text, or linked
 * with the runtime (LLVMLinkModules2), set up for the target machine (host CPU and features
 * unless --triple/--cpu/--features say otherwise), optimized with the new pass manager
 * ("default<ON>") and written as a position-independent object file. */
#include "cgl.h"
#include "../runtime_files.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/BitReader.h>
#include <llvm-c/Linker.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include <string.h>

/* build/llvm_runtime_bitcode.c: the runtime and the call adapters, one linked bitcode file */
extern const CgEmbeddedFile cgl_runtime_bitcode[];
extern const int cgl_runtime_bitcode_count;

bool cgl_module_begin(CglEmitter *e) {
    e->cx = LLVMContextCreate();
    KILN_ASSERT(cgl_runtime_bitcode_count == 1);
    LLVMMemoryBufferRef buf = LLVMCreateMemoryBufferWithMemoryRange(
        (const char *)cgl_runtime_bitcode[0].data, cgl_runtime_bitcode[0].size,
        cgl_runtime_bitcode[0].name, 0);
    bool bad = LLVMParseBitcodeInContext2(e->cx, buf, &e->rt);
    LLVMDisposeMemoryBuffer(buf);
    if (bad) {
        diag_error(e->d, "the runtime bitcode embedded in kiln does not load (rebuild kiln)");
        return false;
    }
    e->mod = LLVMModuleCreateWithNameInContext(e->opt->prefix, e->cx);
    e->b = LLVMCreateBuilderInContext(e->cx);
    e->i1 = LLVMInt1TypeInContext(e->cx);
    e->i8 = LLVMInt8TypeInContext(e->cx);
    e->i32 = LLVMInt32TypeInContext(e->cx);
    e->i64 = LLVMInt64TypeInContext(e->cx);
    e->f32 = LLVMFloatTypeInContext(e->cx);
    e->f64 = LLVMDoubleTypeInContext(e->cx);
    e->vp = LLVMPointerType(e->i8, 0);
    e->md_node = LLVMGetMDKindIDInContext(e->cx, "kiln.node", 9);
    return true;
}

LLVMValueRef cgl_runtime_fn(CglEmitter *e, const char *name) {
    LLVMValueRef fn = LLVMGetNamedFunction(e->mod, name);
    if (fn) return fn;
    LLVMValueRef def = LLVMGetNamedFunction(e->rt, name);
    KILN_ASSERT(def != NULL); /* every function the renderer names is in the runtime */
    return LLVMAddFunction(e->mod, name, LLVMGlobalGetValueType(def));
}

LLVMTypeRef cgl_runtime_struct(CglEmitter *e, const char *name) {
    char full[96];
    snprintf(full, sizeof full, "struct.%s", name);
    LLVMTypeRef t = LLVMGetTypeByName2(e->cx, full);
    KILN_ASSERT(t != NULL); /* named in the bitcode by cgl_types (rt/cgl_adapters.c) */
    return t;
}

static bool cgl_llvm_error(CglEmitter *e, const char *what, char *msg) {
    diag_error(e->d, "%s: %s", what, msg ? msg : "no message");
    LLVMDisposeMessage(msg);
    return false;
}

bool cgl_module_write_ir(CglEmitter *e, const char *path) {
    char *msg = NULL;
    if (LLVMPrintModuleToFile(e->mod, path, &msg)) return cgl_llvm_error(e, path, msg);
    return true;
}

/* The target machine of the options: the host's CPU and features for the host triple. */
static LLVMTargetMachineRef cgl_target_machine(CglEmitter *e, char **triple_out) {
    LLVMInitializeAllTargetInfos();
    LLVMInitializeAllTargets();
    LLVMInitializeAllTargetMCs();
    LLVMInitializeAllAsmPrinters();
    /* the runtime's CPU detection (krt_isa.c) holds inline assembly (cpuid, xgetbv), which
     * the object writer parses */
    LLVMInitializeAllAsmParsers();
    char *host = LLVMGetDefaultTargetTriple();
    const CgOptions *o = e->opt;
    char *triple = LLVMNormalizeTargetTriple(o->triple ? o->triple : host);
    bool is_host = strcmp(triple, host) == 0 || !o->triple;
    LLVMDisposeMessage(host);
    LLVMTargetRef target = NULL;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
        diag_error(e->d, "--triple %s: %s", triple, msg ? msg : "unknown target");
        LLVMDisposeMessage(msg);
        LLVMDisposeMessage(triple);
        return NULL;
    }
    /* the embedded runtime is x86-64 bitcode whose SIMD kernels (krt_isa.c, krt_*_avx*.c) carry
     * x86 target attributes and inline assembly: it cannot be retargeted */
    if (strncmp(triple, "x86_64", 6) != 0) {
        diag_error(e->d,
                   "--triple %s: the runtime kiln embeds is x86-64 bitcode (with x86 SIMD "
                   "kernels); objects for other architectures are not supported yet",
                   triple);
        LLVMDisposeMessage(triple);
        return NULL;
    }
    char *cpu = o->cpu ? NULL : is_host ? LLVMGetHostCPUName() : NULL;
    char *features = o->features ? NULL : is_host ? LLVMGetHostCPUFeatures() : NULL;
    static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
                                                 LLVMCodeGenLevelDefault,
                                                 LLVMCodeGenLevelAggressive};
    LLVMTargetMachineRef tm =
        LLVMCreateTargetMachine(target, triple,
                                o->cpu ? o->cpu
                                : cpu  ? cpu
                                       : "generic",
                                o->features ? o->features
                                : features  ? features
                                            : "",
                                levels[o->opt_level & 3], LLVMRelocPIC, LLVMCodeModelDefault);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    *triple_out = triple;
    return tm;
}

/* Every function defined in the module compiles for tm's CPU and features: the runtime's
 * bitcode was compiled for a generic x86-64, and its attributes must not pin that. */
static void cgl_retarget(CglEmitter *e, LLVMTargetMachineRef tm) {
    char *cpu = LLVMGetTargetMachineCPU(tm), *features = LLVMGetTargetMachineFeatureString(tm);
    for (LLVMValueRef fn = LLVMGetFirstFunction(e->mod); fn; fn = LLVMGetNextFunction(fn)) {
        LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "target-cpu", 10);
        LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "target-features", 15);
        LLVMRemoveStringAttributeAtIndex(fn, LLVMAttributeFunctionIndex, "tune-cpu", 8);
        if (LLVMIsDeclaration(fn)) continue;
        LLVMAddAttributeAtIndex(
            fn, LLVMAttributeFunctionIndex,
            LLVMCreateStringAttribute(e->cx, "target-cpu", 10, cpu, (unsigned)strlen(cpu)));
        LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                                LLVMCreateStringAttribute(e->cx, "target-features", 15, features,
                                                          (unsigned)strlen(features)));
        /* the adapters and the type anchor are the backend's, not the library's API */
        size_t len = 0;
        const char *name = LLVMGetValueName2(fn, &len);
        if (strncmp(name, "cgl_", 4) == 0) LLVMSetLinkage(fn, LLVMInternalLinkage);
    }
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

bool cgl_module_write_object(CglEmitter *e, const char *path) {
    char *triple = NULL;
    LLVMTargetMachineRef tm = cgl_target_machine(e, &triple);
    if (!tm) return false;
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
    LLVMModuleRef both[2] = {e->mod, e->rt};
    for (int i = 0; i < 2; i++) {
        LLVMSetTarget(both[i], triple);
        LLVMSetModuleDataLayout(both[i], dl);
    }
    LLVMDisposeTargetData(dl);
    LLVMDisposeMessage(triple);
    /* the runtime joins the model (and is consumed): model and kernels are optimized together */
    bool ok = !LLVMLinkModules2(e->mod, e->rt);
    e->rt = NULL;
    char *msg = NULL;
    if (!ok) diag_error(e->d, "linking the runtime bitcode into the model failed");
    cgl_retarget(e, tm);
    if (ok && LLVMVerifyModule(e->mod, LLVMReturnStatusAction, &msg))
        ok = cgl_llvm_error(e, "kiln bug: the llvm module does not verify", msg);
    else
        LLVMDisposeMessage(msg);
    if (ok) {
        char passes[32];
        snprintf(passes, sizeof passes, "default<O%d>", e->opt->opt_level & 3);
        LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
        LLVMPassBuilderOptionsSetLoopVectorization(po, e->opt->opt_level >= 2);
        LLVMPassBuilderOptionsSetSLPVectorization(po, e->opt->opt_level >= 2);
        LLVMErrorRef err = LLVMRunPasses(e->mod, passes, tm, po);
        LLVMDisposePassBuilderOptions(po);
        if (err) {
            char *text = LLVMGetErrorMessage(err);
            diag_error(e->d, "the LLVM pass pipeline failed: %s", text);
            LLVMDisposeErrorMessage(text);
            ok = false;
        }
    }
    msg = NULL;
    if (ok && LLVMTargetMachineEmitToFile(tm, e->mod, (char *)path, LLVMObjectFile, &msg))
        ok = cgl_llvm_error(e, path, msg);
    LLVMDisposeTargetMachine(tm);
    return ok;
}

void cgl_module_end(CglEmitter *e) {
    if (e->b) LLVMDisposeBuilder(e->b);
    if (e->mod) LLVMDisposeModule(e->mod);
    if (e->rt) LLVMDisposeModule(e->rt);
    if (e->cx) LLVMContextDispose(e->cx);
}
