// Matrix products against weights packed once, at load.
//
// OpenBLAS repacks both operands on every sgemm call. For a model's Linear layers the weight is
// the same on every call, and for the small batches a server runs (a few texts, ~100 rows) that
// repacking was 18% of the whole forward pass (perf, Zen 4). Here the weight is packed once into
// the layout the register tile reads, and the activations are read in place.
//
// Every element of the product is one chain of fused multiply-adds over k = 0..K-1 in order,
// whatever the number of rows, the tile a row lands in, or how callers split the rows or the
// columns across cores: a row's result never depends on the other rows of its batch.
#ifndef CGEMM_H
#define CGEMM_H

#include <stddef.h>

// The bf16 and int8 products and the attention softmax, each in its own header: SwiftPM makes this header the module's
// umbrella, so the others go in through it.
#include "CGemmBF16.h"
#include "CGemmInt8.h"
#include "CGemmSoftmax.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed panel: two 16-lane vectors.
#define CGEMM_PANEL 32

/// The kernel `cgemm_multiply` runs: "avx512-packed", "avx2-packed" or "portable-packed", as
/// CCPU's level (and MULTIEMBED_ISA) decide. All three give the same bits.
const char *cgemm_kernel_name(void);

/// Floats that `cgemm_pack` writes for a `k x n` weight: n rounded up to whole panels, times k.
size_t cgemm_packed_count(int k, int n);

/// Packs `weight` (`k x n`, row-major, leading dimension `ldw`: the `[in, out]` layout) into
/// `packed`: panel after panel of 32 columns, each `k` rows of 32 floats, columns past `n` zero.
/// `packed` must be 64-byte aligned.
void cgemm_pack(int k, int n, const float *weight, long ldw, float *packed);

/// `c[m x columns] = a[m x k] * W[:, column0 ..< column0 + columns]`, plus `bias` (NULL or the
/// n values of every column, indexed from column 0) and, when `accumulate`, the old `c`: each
/// element is `sum + bias`, `sum + (old + bias)`, `sum + old` or `sum`, exactly what a bias copied
/// into `c` first and BLAS's beta = 1 give. `column0` must be a multiple of CGEMM_PANEL; `c`
/// points at the first output column. Single-threaded: split rows or panels across cores outside.
void cgemm_multiply(int m, int k, int n, const float *a, long lda, const float *packed, int column0, int columns,
                    float *c, long ldc, int accumulate, const float *bias);

/// `cgemm_multiply` on the kernel of `level` (a `ccpu_level`: 0 portable, 1 AVX2, 2 AVX-512),
/// or on the widest this CPU runs when it runs no such level: for tests that hold every path to
/// the same bits in one process.
void cgemm_multiply_at_level(int level, int m, int k, int n, const float *a, long lda, const float *packed,
                             int column0, int columns, float *c, long ldc, int accumulate, const float *bias);

#ifdef __cplusplus
}
#endif

#endif
