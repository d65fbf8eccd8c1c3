// What the bf16 files of CGemm share; not part of the module's interface.
#ifndef CGEMM_BF16_INTERNAL_H
#define CGEMM_BF16_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/// Rounds `rows` rows of `a` (`k` floats each, `lda` apart) to bf16 pairs, `stride` words apart
/// in `out`: word p holds features 2p (low half) and 2p + 1 (high half, zero past k).
void cgemm_bf16_convert_rows_portable(int rows, int k, const float *a, long lda, uint32_t *out, long stride);

/// The calling thread's buffer of at least `words` 64-byte-aligned words for rounded rows,
/// grown as needed and kept (a fresh allocation per call would page-fault every time). NULL
/// when out of memory.
uint32_t *cgemm_bf16_row_buffer(size_t words);

#endif
