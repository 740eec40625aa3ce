/* Op family "math": Elementwise math beyond the core set, comparisons and logic, selection,
 * reductions, and index/shape ops, as ONNX exports use them.
 *
 * X(ENUM, "Name", fn, min_inputs, max_inputs, min_outputs, max_outputs, flags), as in
 * ops.h; semantics of each op are documented here. Attribute schemas: ir/ops_math.c; shape rules:
 * ir/shape_math.c.
 *
 * Design: ops that share a loop shape and differ only in a scalar formula are one op with a
 * string attribute `fn` (Unary, Binary, Compare, Logic, Reduce), so shape rule, interpreter and
 * emitter are written once per loop shape. Unary's and Binary's formulas are rows of the
 * scalar-function table (ir/scalar.h), written once there for every consumer. Shapes broadcast as
 * numpy does wherever two or more operands meet.
 *
 *   Unary(x) -> x                  fn names a scalar function; alpha, beta, gamma are its
 *                                  parameters (the importer always sets ONNX's defaults):
 *        abs, sign                 any numeric dtype
 *        ceil, floor, round        round is half to even
 *        reciprocal, erf, log, sin, cos, tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh
 *        softplus                  log(1 + exp(x))
 *        softsign                  x / (1 + |x|)
 *        mish                      x * tanh(softplus(x))
 *        hardswish                 x * max(0, min(1, x / 6 + 1/2))
 *        elu                       x < 0 ? alpha * (exp(x) - 1) : x
 *        selu                      gamma * (x <= 0 ? alpha * (exp(x) - 1) : x)
 *        celu                      max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
 *        leaky_relu                x < 0 ? alpha * x : x
 *        thresholded_relu          x > alpha ? x : 0
 *        hard_sigmoid              max(0, min(1, alpha * x + beta))
 *        shrink                    x < -alpha ? x + beta : x > alpha ? x - beta : 0
 *                                  (alpha = lambd, beta = bias)
 *                                  all but abs and sign need a floating-point x
 *   Clip(x) -> x                   min(max(x, min), max); an absent min or max is no bound;
 *                                  NaN stays NaN; any numeric dtype
 *   IsNaN(x) -> bool               float x
 *   IsInf(x) -> bool               detect_positive, detect_negative (1/0) select +inf / -inf
 *   Not(x bool) -> bool
 *   Binary(a, b) -> broadcast(a, b), dtype of a; fn:
 *        min, max                  NaN in either operand gives NaN (numpy minimum/maximum)
 *        mod                       a - floor(a / b) * b (result takes the sign of b, as Python);
 *                                  integer b == 0 is a run-time error
 *        fmod                      C fmod (sign of a); integer b == 0 is a run-time error
 *        pow                       a ** b; b may have another numeric dtype than a
 *        prelu                     a < 0 ? a * b : a
 *   Compare(a, b) -> bool          fn: equal, less, greater, less_equal, greater_equal; a and b
 *                                  have one dtype
 *   Logic(a bool, b bool) -> bool  fn: and, or, xor
 *   Where(cond bool, x, y) -> broadcast(cond, x, y)     cond ? x : y
 *   Expand(x) -> broadcast(x, shape)                    attribute shape (ints), numpy rules
 *   Tile(x) -> x.shape * repeats   out[i0, ...] = x[i0 % d0, ...]; repeats >= 0, one per dim
 *   Trilu(x[..., M, N]) -> x       keeps x[..., i, j] where j - i >= k (upper=1) or j - i <= k
 *                                  (upper=0), zeroes the rest
 *   CumSum(x) -> x                 running sum along axis; exclusive=1 leaves the element itself
 *                                  out; reverse=1 sums from the end
 *   LogSoftmax(x) -> x             x - log(sum(exp(x))) along axis
 *   Hardmax(x) -> x                1 at the first maximum along axis, 0 elsewhere
 *   Reduce(x) -> reduced           over the dims in axes (absent: every dim), kept as 1 when
 *                                  keepdims=1, removed otherwise; fn: sum, mean, max, min, prod,
 *                                  l1 (sum |x|), l2 (sqrt(sum x^2)), log_sum (log(sum x)),
 *                                  log_sum_exp, sum_square. An empty reduction gives sum 0,
 *                                  prod 1, max -inf, min +inf (float x). max/min propagate NaN.
 *   ArgMax(x) / ArgMin(x) -> i64   index of the first (select_last_index=1: last) maximum /
 *                                  minimum along axis; keepdims as Reduce; NaN counts as the
 *                                  extreme (as numpy argmax/argmin)
 */
#ifndef KILN_OPS_MATH_H
#define KILN_OPS_MATH_H

#define IR_OPS_MATH(X)                                                                             \
    X(UNARY_FN, "Unary", unary_fn, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                 \
    X(CLIP, "Clip", clip, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                          \
    X(ISNAN, "IsNaN", isnan, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                       \
    X(ISINF, "IsInf", isinf, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                       \
    X(NOT, "Not", not, 1, 1, 1, 1, IR_OPF_ELEMENTWISE)                                             \
    X(BINARY_FN, "Binary", binary_fn, 2, 2, 1, 1, IR_OPF_ELEMENTWISE)                              \
    X(COMPARE, "Compare", compare, 2, 2, 1, 1, IR_OPF_ELEMENTWISE)                                 \
    X(LOGIC, "Logic", logic, 2, 2, 1, 1, IR_OPF_ELEMENTWISE)                                       \
    X(WHERE, "Where", where, 3, 3, 1, 1, IR_OPF_ELEMENTWISE)                                       \
    X(EXPAND, "Expand", expand, 1, 1, 1, 1, 0)                                                     \
    X(TILE, "Tile", tile, 1, 1, 1, 1, 0)                                                           \
    X(TRILU, "Trilu", trilu, 1, 1, 1, 1, 0)                                                        \
    X(CUMSUM, "CumSum", cumsum, 1, 1, 1, 1, 0)                                                     \
    X(LOGSOFTMAX, "LogSoftmax", logsoftmax, 1, 1, 1, 1, 0)                                         \
    X(HARDMAX, "Hardmax", hardmax, 1, 1, 1, 1, 0)                                                  \
    X(REDUCE, "Reduce", reduce, 1, 1, 1, 1, 0)                                                     \
    X(ARGMAX, "ArgMax", argmax, 1, 1, 1, 1, 0)                                                     \
    X(ARGMIN, "ArgMin", argmin, 1, 1, 1, 1, 0)

/* The `fn` values of Compare, Logic and Reduce, as enums: X(ENUM, "spelling"). Unary's and
 * Binary's are scalar functions: the UNARY and BINARY rows of ir/scalar.h. */
// clang-format off
#define IR_MATH_COMPARE_FNS(X)                                                                     \
    X(EQUAL, "equal")                                                                              \
    X(LESS, "less")                                                                                \
    X(GREATER, "greater")                                                                          \
    X(LESS_EQUAL, "less_equal")                                                                    \
    X(GREATER_EQUAL, "greater_equal")
#define IR_MATH_LOGIC_FNS(X)                                                                       \
    X(AND, "and")                                                                                  \
    X(OR, "or")                                                                                    \
    X(XOR, "xor")
#define IR_MATH_REDUCE_FNS(X)                                                                      \
    X(SUM, "sum")                                                                                  \
    X(MEAN, "mean")                                                                                \
    X(MAX, "max")                                                                                  \
    X(MIN, "min")                                                                                  \
    X(PROD, "prod")                                                                                \
    X(L1, "l1")                                                                                    \
    X(L2, "l2")                                                                                    \
    X(LOG_SUM, "log_sum")                                                                          \
    X(LOG_SUM_EXP, "log_sum_exp")                                                                  \
    X(SUM_SQUARE, "sum_square")
// clang-format on

#define IR_MATH_ENUM_COMPARE(E, s) IR_MATH_COMPARE_##E,
#define IR_MATH_ENUM_LOGIC(E, s) IR_MATH_LOGIC_##E,
#define IR_MATH_ENUM_REDUCE(E, s) IR_MATH_REDUCE_##E,
typedef enum IrMathCompare {
    IR_MATH_COMPARE_FNS(IR_MATH_ENUM_COMPARE) IR_MATH_COMPARE_COUNT
} IrMathCompare;
typedef enum IrMathLogic { IR_MATH_LOGIC_FNS(IR_MATH_ENUM_LOGIC) IR_MATH_LOGIC_COUNT } IrMathLogic;
typedef enum IrMathReduce {
    IR_MATH_REDUCE_FNS(IR_MATH_ENUM_REDUCE) IR_MATH_REDUCE_COUNT
} IrMathReduce;

/* The enum value of a node's `fn` attribute (ir/ops_math.c): -1 when the spelling is unknown
 * (shape inference reports it, so later stages may assume a valid value). Unary and Binary
 * give an IrScalar (ir/scalar.h) of kind UNARY and BINARY. */
int ir_math_unary_fn(const char *s);
int ir_math_binary_fn(const char *s);
int ir_math_compare_fn(const char *s);
int ir_math_logic_fn(const char *s);
int ir_math_reduce_fn(const char *s);

#endif
