// Matrix products with int8 weights and int8 activations, int32 sums, float32 results.
//
// The weight (`k x n`, the `[in, out]` layout) is quantised once, at load, per output column:
// symmetric, scale = max|w| / 127, values in [-127, 127]. Each call quantises the activations per
// row, asymmetric: the row's range [min(x, 0), max(x, 0)] onto 0...255 with a zero point (see
// gemm_int8.c for why, measured). Every element is then an exact int32 sum over k of
// activation x weight codes, corrected by the row's zero point times the column's code sum and
// scaled back to float32: integer sums are exact in any order, so the AVX-512 VNNI, AVX2 and
// portable kernels give the same bits by construction, and a row's result never depends on the
// other rows of its call or on how callers split rows or columns across cores.
#ifndef CGEMM_INT8_H
#define CGEMM_INT8_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed panel: one 64-byte line of 16 columns x 4 k, twice.
#define CGEMM_INT8_PANEL 32

/// The largest `k` a weight may have: past it an int32 sum of 255 x 127 products could overflow.
#define CGEMM_INT8_MAX_K 65536

/// A weight quantised and packed for the int8 tiles (opaque: the layout is the kernels' business).
typedef struct cgemm_int8_weight cgemm_int8_weight;

/// How the activations of a row are quantised (`cgemm_int8_multiply_quantizing` only; the
/// other entry points use CGEMM_INT8_ROW_ASYMMETRIC).
typedef enum {
    /// [min(x, 0), max(x, 0)] onto 0...255 with a zero point: the default.
    CGEMM_INT8_ROW_ASYMMETRIC = 0,
    /// [-max|x|, max|x|] onto -127...127 (stored shifted by +128).
    CGEMM_INT8_ROW_SYMMETRIC = 1,
} cgemm_int8_row_mode;

/// The kernel `cgemm_int8_multiply` runs: "avx512-vnni-int8", "avx2-int8" or "portable-int8", as
/// CCPU's level (and MULTIEMBED_ISA) decide. An AVX-512 CPU without AVX512_VNNI runs the AVX2
/// kernel. All give the same bits.
const char *cgemm_int8_kernel_name(void);
/// The kernel `cgemm_int8_multiply_at_level(level, ...)` runs on this CPU.
const char *cgemm_int8_kernel_name_at_level(int level);
/// The kernel `cgemm_int8_multiply` runs, as a number: 2 the AVX512_VNNI tile, 1 the AVX2 tile,
/// 0 the portable one (callers that decide something by it need not compare names).
int cgemm_int8_kernel(void);

/// Quantises and packs `weight` (`k x n`, row-major, leading dimension `ldw`). NULL when out of
/// memory, or when `k` or `n` is not in 1...CGEMM_INT8_MAX_K (`n` any positive int). Free with
/// `cgemm_int8_free`.
cgemm_int8_weight *cgemm_int8_pack(int k, int n, const float *weight, long ldw);
void cgemm_int8_free(cgemm_int8_weight *weight);

/// Column `column`'s scale: the weight element (row, column) stands for
/// `cgemm_int8_weight_code(weight, row, column) * cgemm_int8_weight_scale(weight, column)`.
float cgemm_int8_weight_scale(const cgemm_int8_weight *weight, int column);
int cgemm_int8_weight_code(const cgemm_int8_weight *weight, int row, int column);

/// `c[m x columns] = a[m x k] * W[:, column0 ..< column0 + columns]` (with quantised `a` and W),
/// plus `bias` (NULL or the n values of every column, indexed from column 0) and, when
/// `accumulate`, the old `c`: each element is `sum + bias`, `sum + (old + bias)`, `sum + old` or
/// `sum`, as in `cgemm_multiply`. `sum` is `(float)(acc - zero_row * codesum_column) *
/// (scale_row * scale_column)`, `acc` the exact int32 sum of activation x weight codes.
/// `column0` must be a multiple of CGEMM_INT8_PANEL; `c` points at the first output column; no
/// alignment is needed of `a`, `c` or `bias`. Single-threaded (uses a per-thread buffer of about
/// 256 KB): split rows or panels across cores outside.
void cgemm_int8_multiply(const cgemm_int8_weight *weight, int m, const float *a, long lda, int column0, int columns,
                         float *c, long ldc, int accumulate, const float *bias);

/// `cgemm_int8_multiply` on the kernel of `level` (a `ccpu_level`), capped at what this CPU runs:
/// for tests that hold every kernel to the same bits in one process.
void cgemm_int8_multiply_at_level(int level, const cgemm_int8_weight *weight, int m, const float *a, long lda,
                                  int column0, int columns, float *c, long ldc, int accumulate, const float *bias);

/// `cgemm_int8_multiply_at_level` with the activations quantised by `mode`: for measuring what
/// the choice of row quantisation costs in fidelity, not for serving.
void cgemm_int8_multiply_quantizing(int level, cgemm_int8_row_mode mode, const cgemm_int8_weight *weight, int m,
                                    const float *a, long lda, int column0, int columns, float *c, long ldc,
                                    int accumulate, const float *bias);

#ifdef __cplusplus
}
#endif

#endif
