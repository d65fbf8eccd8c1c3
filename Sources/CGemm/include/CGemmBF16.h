// Matrix products with bf16 operands and float32 sums, against weights packed once, at load.
//
// The weight is rounded to bf16 when it is packed; each call rounds its activations to bf16 row
// by row (round to nearest even, as VCVTNE2PS2BF16 does: NaN quieted, denormals to a signed
// zero). Sums are float32. Products are taken two input features at a time, as VDPBF16PS does:
// for each pair (2p, 2p + 1) the sum gets `x[2p+1] * w[2p+1]` then `x[2p] * w[2p]`, each one
// fused multiply-add rounded to nearest even with a denormal result flushed to a signed zero.
// Every element is that one chain over p = 0..ceil(K/2)-1 in order, whatever the rows, the tile
// or the split across cores: a row's result never depends on the other rows of its batch.
//
// The AVX-512 BF16 tile (VDPBF16PS: two bf16 products per float32 lane, twice the float32 tile's
// multiply-adds per instruction) and the portable one give the same bits: the portable one
// spells out those two fused multiply-adds, with the flush. (Checked on Zen 4 against the
// instruction for 50 million random operand pairs, tiny ones included, and the conversion for
// all 2^32 floats.)
#ifndef CGEMM_BF16_H
#define CGEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The kernel `cgemm_bf16_multiply` runs: "avx512bf16-packed" when the active CCPU level is
/// AVX-512 and the CPU has AVX512_BF16, else "portable-bf16" (the same bits, float32 speed or
/// slower).
const char *cgemm_bf16_kernel_name(void);

/// 1 when `cgemm_bf16_multiply` runs the VDPBF16PS tile (see `cgemm_bf16_kernel_name`), else 0.
int cgemm_bf16_has_fast_kernel(void);

/// `value` rounded to bf16 as VCVTNE2PS2BF16 rounds it: to nearest even, NaN quieted, a
/// denormal flushed to a zero of its sign. The bf16's bits.
uint16_t cgemm_bf16_from_float(float value);

/// 32-bit words that `cgemm_bf16_pack` writes for a `k x n` weight: n rounded up to whole
/// panels (CGEMM_PANEL columns), times ceil(k / 2) pairs of input features.
size_t cgemm_bf16_packed_count(int k, int n);

/// Packs `weight` (`k x n` float32, row-major, leading dimension `ldw`: the `[in, out]` layout)
/// into `packed`: panel after panel of 32 columns, each ceil(k/2) lines of 32 words, word `q` of
/// line `p` holding column q's bf16 weights of input features 2p (low half) and 2p + 1 (high
/// half; zero past k). Columns past `n` are zero. `packed` must be 64-byte aligned.
void cgemm_bf16_pack(int k, int n, const float *weight, long ldw, uint32_t *packed);

/// `c[m x columns] = bf16(a[m x k]) * W[:, column0 ..< column0 + columns]` in float32, plus
/// `bias` and, when `accumulate`, the old `c`, with exactly the epilogue of `cgemm_multiply`:
/// `sum + bias`, `sum + (old + bias)`, `sum + old` or `sum`. `column0` must be a multiple of
/// CGEMM_PANEL; `c` points at the first output column. Single-threaded: split rows or panels
/// across cores outside.
void cgemm_bf16_multiply(int m, int k, int n, const float *a, long lda, const uint32_t *packed, int column0,
                         int columns, float *c, long ldc, int accumulate, const float *bias);

/// `cgemm_bf16_multiply` on the tile of `level` (a `ccpu_level`: the VDPBF16PS tile at AVX-512
/// when the CPU has AVX512_BF16, the portable one otherwise): for tests that hold both to the
/// same bits in one process.
void cgemm_bf16_multiply_at_level(int level, int m, int k, int n, const float *a, long lda, const uint32_t *packed,
                                  int column0, int columns, float *c, long ldc, int accumulate, const float *bias);

#ifdef __cplusplus
}
#endif

#endif
