/* The scalar functions, defined once: every formula an elementwise op computes per element.
 *
 * Three IR encodings name these functions, and all of them index this one table:
 *   - core ops flagged IR_OPF_EPILOGUE (Add, Sigmoid, Gelu, ...): ir_scalar_of_node();
 *   - the `fn` attribute of Unary and Binary (ir/ops_math.h): ir_math_unary_fn() and
 *     ir_math_binary_fn() return rows of kind UNARY / BINARY;
 *   - the opcodes of fused programs (ir/ops_fused.h): an opcode is the IrScalar of that
 *     number, a row of kind CORE. .kir files store these numbers, so the CORE rows come first
 *     and keep their order: a new CORE row goes at the end of IR_SCALARS_CORE.
 * The interpreter evaluates a row with its reference function; every code generator renders
 * its template. Adding a function is one row here plus its reference function in scalar.c.
 *
 * X(ENUM, "mnemonic", ref, arity, n_params, kind, "template")
 *   ENUM      the IrScalar value is IR_SCALAR_<ENUM>
 *   mnemonic  the spelling (the Unary/Binary `fn` value for those kinds); unique per kind
 *   ref       reference function ir_scalar_ref_<ref> (ir/scalar.c): computes the row in double
 *             precision from operands a (and b when arity is 2) and parameters p[0..n_params-1];
 *             the interpreter uses it, and the tests hold every template to it
 *   arity     operands: 1 or 2 (0 for CONST, the constant of fused programs)
 *   n_params  float parameters (0..3), attributes of the node: core Pow's exponent, Unary's
 *             alpha, beta, gamma; in a fused program, the one parameter is constants[i] with i
 *             the first operand slot no register takes (CONST: a, Pow: b)
 *   kind      CORE, UNARY or BINARY: which encoding may name the row (above)
 *   template  the row as a C expression, rendered by substitution:
 *               $0 $1       the operands (an identifier or a parenthesized expression)
 *               $A $B $G    parameters p[0], p[1], p[2], as literals of the computing type
 *               @           the computing type's suffix: "f" for float (expf, 1.0f), "" for
 *                           double (exp, 1.0)
 *               $T          the computing type's name (float, double)
 *             The result is a complete expression for an assignment; a renderer that nests it
 *             parenthesizes it. Only C99 libm names, the ternary operator and arithmetic
 *             appear, so the same text is valid CUDA C (whose device library has expf, erff,
 *             ...) and an LLVM renderer can map it by a small expression parser: each libm call
 *             to its llvm.* intrinsic or libm declaration, literals to constants, operators to
 *             instructions, ?: to select.
 * Templates compute in the node's float type (f32 or f64); integer dtypes (wrapping arithmetic,
 * truncating division, |INT_MIN|) are rendered by the ops themselves, as integer semantics. */
#ifndef KILN_SCALAR_H
#define KILN_SCALAR_H

#include <stdbool.h>

// clang-format off
#define IR_SCALARS(X) IR_SCALARS_CORE(X) IR_SCALARS_UNARY(X) IR_SCALARS_BINARY(X)

/* The fused-program opcodes 0, 1, ..., in that order (stored in .kir files). */
#define IR_SCALARS_CORE(X)                                                                         \
    X(ADD, "add", add, 2, 0, CORE, "$0 + $1")                                                      \
    X(SUB, "sub", sub, 2, 0, CORE, "$0 - $1")                                                      \
    X(MUL, "mul", mul, 2, 0, CORE, "$0 * $1")                                                      \
    X(DIV, "div", div, 2, 0, CORE, "$0 / $1")                                                      \
    X(NEG, "neg", neg, 1, 0, CORE, "-$0")                                                          \
    X(EXP, "exp", exp, 1, 0, CORE, "exp@($0)")                                                     \
    X(SQRT, "sqrt", sqrt, 1, 0, CORE, "sqrt@($0)")                                                 \
    X(RSQRT, "rsqrt", rsqrt, 1, 0, CORE, "1.0@ / sqrt@($0)")                                       \
    X(RELU, "relu", relu, 1, 0, CORE, "$0 < 0.0@ ? 0.0@ : $0") /* NaN stays NaN */                 \
    X(SILU, "silu", silu, 1, 0, CORE, "$0 / (1.0@ + exp@(-$0))")                                   \
    X(SIGMOID, "sigmoid", sigmoid, 1, 0, CORE, "1.0@ / (1.0@ + exp@(-$0))")                        \
    X(TANH, "tanh", tanh, 1, 0, CORE, "tanh@($0)")                                                 \
    X(GELU, "gelu", gelu, 1, 0, CORE,                                                              \
      "0.5@ * $0 * (1.0@ + erf@($0 * 0.70710678118654752440@))")                                  \
    X(GELU_TANH, "gelu_tanh", gelu_tanh, 1, 0, CORE,                                               \
      "0.5@ * $0 * (1.0@ + tanh@(0.79788456080286535588@ * ($0 + 0.044715@ * $0 * $0 * $0)))")    \
    X(POW, "pow", pow, 1, 1, CORE, "pow@($0, $A)")                                                 \
    X(CONST, "const", constant, 0, 1, CORE, "$A")

/* Unary's fn values. */
#define IR_SCALARS_UNARY(X)                                                                        \
    X(ABS, "abs", abs, 1, 0, UNARY, "fabs@($0)")                                                   \
    X(SIGN, "sign", sign, 1, 0, UNARY, "$0 > 0 ? 1.0@ : $0 < 0 ? -1.0@ : $0")                      \
    X(CEIL, "ceil", ceil, 1, 0, UNARY, "ceil@($0)")                                                \
    X(FLOOR, "floor", floor, 1, 0, UNARY, "floor@($0)")                                            \
    X(ROUND, "round", round, 1, 0, UNARY, "nearbyint@($0)") /* half to even */                     \
    X(RECIPROCAL, "reciprocal", reciprocal, 1, 0, UNARY, "1.0@ / $0")                              \
    X(ERF, "erf", erf, 1, 0, UNARY, "erf@($0)")                                                    \
    X(LOG, "log", log, 1, 0, UNARY, "log@($0)")                                                    \
    X(SIN, "sin", sin, 1, 0, UNARY, "sin@($0)")                                                    \
    X(COS, "cos", cos, 1, 0, UNARY, "cos@($0)")                                                    \
    X(TAN, "tan", tan, 1, 0, UNARY, "tan@($0)")                                                    \
    X(ASIN, "asin", asin, 1, 0, UNARY, "asin@($0)")                                                \
    X(ACOS, "acos", acos, 1, 0, UNARY, "acos@($0)")                                                \
    X(ATAN, "atan", atan, 1, 0, UNARY, "atan@($0)")                                                \
    X(SINH, "sinh", sinh, 1, 0, UNARY, "sinh@($0)")                                                \
    X(COSH, "cosh", cosh, 1, 0, UNARY, "cosh@($0)")                                                \
    X(ASINH, "asinh", asinh, 1, 0, UNARY, "asinh@($0)")                                            \
    X(ACOSH, "acosh", acosh, 1, 0, UNARY, "acosh@($0)")                                            \
    X(ATANH, "atanh", atanh, 1, 0, UNARY, "atanh@($0)")                                            \
    X(SOFTPLUS, "softplus", softplus, 1, 0, UNARY, "log1p@(exp@($0))")                             \
    X(SOFTSIGN, "softsign", softsign, 1, 0, UNARY, "$0 / (1.0@ + fabs@($0))")                      \
    X(MISH, "mish", mish, 1, 0, UNARY, "$0 * tanh@(log1p@(exp@($0)))")                             \
    X(HARDSWISH, "hardswish", hardswish, 1, 0, UNARY,                                              \
      "$0 * fmax@(0.0@, fmin@(1.0@, $0 / 6.0@ + 0.5@))")                                           \
    X(ELU, "elu", elu, 1, 1, UNARY, "$0 < 0 ? $A * (exp@($0) - 1.0@) : $0")                        \
    X(SELU, "selu", selu, 1, 3, UNARY, "$G * ($0 <= 0 ? $A * (exp@($0) - 1.0@) : $0)")             \
    X(CELU, "celu", celu, 1, 1, UNARY,                                                             \
      "fmax@(0.0@, $0) + fmin@(0.0@, $A * (exp@($0 / $A) - 1.0@))")                                \
    X(LEAKY_RELU, "leaky_relu", leaky_relu, 1, 1, UNARY, "$0 < 0 ? $A * $0 : $0")                  \
    X(THRESHOLDED_RELU, "thresholded_relu", thresholded_relu, 1, 1, UNARY, "$0 > $A ? $0 : 0.0@")  \
    X(HARD_SIGMOID, "hard_sigmoid", hard_sigmoid, 1, 2, UNARY,                                     \
      "fmax@(0.0@, fmin@(1.0@, $A * $0 + $B))")                                                    \
    X(SHRINK, "shrink", shrink, 1, 2, UNARY, "$0 < -$A ? $0 + $B : $0 > $A ? $0 - $B : 0.0@")

/* Binary's fn values (float operands; the op renders integer ones itself). */
#define IR_SCALARS_BINARY(X)                                                                       \
    X(MIN, "min", min, 2, 0, BINARY, "$0 != $0 || $1 != $1 ? ($T)NAN : $0 < $1 ? $0 : $1")         \
    X(MAX, "max", max, 2, 0, BINARY, "$0 != $0 || $1 != $1 ? ($T)NAN : $0 > $1 ? $0 : $1")         \
    X(MOD, "mod", mod, 2, 0, BINARY, /* fmod, then the sign of b (Python's %) */                   \
      "fmod@($0, $1) != 0 && ((fmod@($0, $1) < 0) != ($1 < 0)) ? fmod@($0, $1) + $1 "              \
      ": fmod@($0, $1)")                                                                           \
    X(FMOD, "fmod", fmod, 2, 0, BINARY, "fmod@($0, $1)")                                           \
    X(POW_BINARY, "pow", pow_binary, 2, 0, BINARY, "pow@($0, $1)")                                 \
    X(PRELU, "prelu", prelu, 2, 0, BINARY, "$0 < 0 ? $0 * $1 : $0")
// clang-format on

typedef enum IrScalar {
#define IR_SCALAR_ENUM(E, mn, ref, arity, n_params, kind, tmpl) IR_SCALAR_##E,
    IR_SCALARS(IR_SCALAR_ENUM)
#undef IR_SCALAR_ENUM
        IR_SCALAR_COUNT
} IrScalar;

/* Which IR encoding may name a row (see above). */
typedef enum IrScalarKind {
    IR_SCALAR_KIND_CORE,
    IR_SCALAR_KIND_UNARY,
    IR_SCALAR_KIND_BINARY,
} IrScalarKind;

/* The CORE rows are the fused-program opcodes 0 .. IR_SCALAR_CORE_COUNT - 1. */
#define IR_SCALAR_PLUS_ONE(E, mn, ref, arity, n_params, kind, tmpl) +1
enum { IR_SCALAR_CORE_COUNT = 0 IR_SCALARS_CORE(IR_SCALAR_PLUS_ONE) };
#undef IR_SCALAR_PLUS_ONE

typedef double (*IrScalarRef)(double a, double b, const double *p);

typedef struct IrScalarInfo {
    const char *mnemonic;
    IrScalarRef ref;
    int arity;    /* 0 (CONST), 1 or 2 */
    int n_params; /* 0..3 */
    IrScalarKind kind;
    const char *tmpl;
} IrScalarInfo;

const IrScalarInfo *ir_scalar_info(IrScalar s);

/* The row of kind `kind` spelled `mnemonic`, or -1. */
int ir_scalar_find(IrScalarKind kind, const char *mnemonic);

/* Evaluates row s in double precision (the reference the interpreter uses). */
static inline double ir_scalar_eval(IrScalar s, double a, double b, const double *p) {
    return ir_scalar_info(s)->ref(a, b, p);
}

struct IrNode;

/* The row a node of an op flagged IR_OPF_EPILOGUE computes (Gelu's `approximate` picks GELU or
 * GELU_TANH), or -1 for any other op. Its parameters are ir_scalar_node_params. */
int ir_scalar_of_node(const struct IrNode *n);

/* The parameters p[0..2] of the scalar function node n computes: core Pow's exponent, Unary's
 * alpha, beta, gamma; zero when absent. */
void ir_scalar_node_params(const struct IrNode *n, double p[3]);

#endif
