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

#ifdef __cplusplus
extern "C" {
#endif

/// Columns per packed panel: two 16-lane vectors.
#define CGEMM_PANEL 32

/// 1 when this CPU runs the packed kernels (AVX-512F/VL/DQ), else 0: callers then keep the
/// weight unpacked and use BLAS.
int cgemm_available(void);

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

#ifdef __cplusplus
}
#endif

#endif
