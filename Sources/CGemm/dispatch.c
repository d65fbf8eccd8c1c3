// Packing, and the entry point that routes to the AVX-512, AVX2 or portable tile.
#include "CGemm.h"

#include "CCPU.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
void cgemm_multiply_avx512(int m, int k, int n, const float *a, long lda, const float *packed, int column0,
                           int columns, float *c, long ldc, int accumulate, const float *bias);
void cgemm_multiply_avx2(int m, int k, int n, const float *a, long lda, const float *packed, int column0,
                         int columns, float *c, long ldc, int accumulate, const float *bias);
#endif

const char *cgemm_kernel_name(void) {
    switch (ccpu_active_level()) {
    case CCPU_AVX512: return "avx512-packed";
    case CCPU_AVX2: return "avx2-packed";
    default: return "portable-packed";
    }
}

size_t cgemm_packed_count(int k, int n) {
    size_t panels = ((size_t)n + CGEMM_PANEL - 1) / CGEMM_PANEL;
    return panels * CGEMM_PANEL * (size_t)k;
}

void cgemm_pack(int k, int n, const float *weight, long ldw, float *packed) {
    for (int j0 = 0; j0 < n; j0 += CGEMM_PANEL) {
        int width = n - j0 < CGEMM_PANEL ? n - j0 : CGEMM_PANEL;
        float *panel = packed + (size_t)j0 * k;
        for (int p = 0; p < k; p++) {
            float *line = panel + (size_t)p * CGEMM_PANEL;
            memcpy(line, weight + (size_t)p * ldw + j0, (size_t)width * sizeof(float));
            if (width < CGEMM_PANEL) memset(line + width, 0, (size_t)(CGEMM_PANEL - width) * sizeof(float));
        }
    }
}

/// The same chains in plain C: what runs off x86-64 or on a CPU without AVX2 + FMA. Each row
/// keeps a panel's 32 sums in an array, so the loop over columns is the inner one and the
/// compiler may vectorise it; `fmaf` keeps every element one fused chain, the bits of the tiles.
///
/// On x86-64 the baseline has no FMA instruction, so each `fmaf` is a call into libm: 40 times
/// slower than the tiles. The same source is therefore also compiled for FMA3 on 128-bit
/// vectors (the loader picks that clone on CPUs that have it), which keeps `MULTIEMBED_ISA=portable`
/// usable for tests on any modern machine; both clones give the same bits.
#if defined(__x86_64__)
__attribute__((target_clones("fma", "default")))
#endif
static void cgemm_multiply_portable(int m, int k, const float *a, long lda, const float *packed, int column0,
                                    int columns, float *c, long ldc, int accumulate, const float *bias) {
    for (int j = 0; j < columns; j += CGEMM_PANEL) {
        int width = columns - j < CGEMM_PANEL ? columns - j : CGEMM_PANEL;
        const float *panel = packed + (size_t)(column0 + j) * k;
        for (int i = 0; i < m; i++) {
            float sum[CGEMM_PANEL] = {0};
            const float *row = a + (long)i * lda;
            for (int p = 0; p < k; p++) {
                const float *line = panel + (size_t)p * CGEMM_PANEL;
                float x = row[p];
                for (int q = 0; q < CGEMM_PANEL; q++) sum[q] = fmaf(x, line[q], sum[q]);
            }
            float *out = c + (long)i * ldc + j;
            const float *b = bias ? bias + column0 + j : 0;
            for (int q = 0; q < width; q++) {
                if (accumulate)
                    out[q] = sum[q] + (b ? out[q] + b[q] : out[q]);
                else
                    out[q] = b ? sum[q] + b[q] : sum[q];
            }
        }
    }
}

void cgemm_multiply_at_level(int level, int m, int k, int n, const float *a, long lda, const float *packed,
                             int column0, int columns, float *c, long ldc, int accumulate, const float *bias) {
    if (m <= 0 || columns <= 0) return;
    if (level > (int)ccpu_detected_level()) level = ccpu_detected_level();
#if defined(__x86_64__)
    switch (level) {
    case CCPU_AVX512:
        cgemm_multiply_avx512(m, k, n, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
        return;
    case CCPU_AVX2:
        cgemm_multiply_avx2(m, k, n, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
        return;
    default: break;
    }
#endif
    (void)n;
    cgemm_multiply_portable(m, k, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
}

void cgemm_multiply(int m, int k, int n, const float *a, long lda, const float *packed, int column0, int columns,
                    float *c, long ldc, int accumulate, const float *bias) {
    cgemm_multiply_at_level(ccpu_active_level(), m, k, n, a, lda, packed, column0, columns, c, ldc, accumulate,
                            bias);
}
