// Packing, the CPU check, and the entry point that routes to the AVX-512 tile.
#include "CGemm.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
void cgemm_multiply_avx512(int m, int k, int n, const float *a, long lda, const float *packed, int column0,
                           int columns, float *c, long ldc, int accumulate, const float *bias);
#endif

int cgemm_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq");
#else
    return 0;
#endif
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

/// The same chains, one element at a time: what runs where AVX-512 does not (callers use BLAS
/// there instead, but the packed product stays correct, and testable, on every CPU).
static void cgemm_multiply_portable(int m, int k, const float *a, long lda, const float *packed, int column0,
                                    int columns, float *c, long ldc, int accumulate, const float *bias) {
    for (int i = 0; i < m; i++)
        for (int j = column0; j < column0 + columns; j++) {
            const float *panel = packed + (size_t)(j - j % CGEMM_PANEL) * k + j % CGEMM_PANEL;
            float sum = 0;
            for (int p = 0; p < k; p++) sum = fmaf(a[(long)i * lda + p], panel[(size_t)p * CGEMM_PANEL], sum);
            float *out = c + (long)i * ldc + (j - column0);
            if (accumulate)
                *out = sum + (bias ? *out + bias[j] : *out);
            else
                *out = bias ? sum + bias[j] : sum;
        }
}

void cgemm_multiply(int m, int k, int n, const float *a, long lda, const float *packed, int column0, int columns,
                    float *c, long ldc, int accumulate, const float *bias) {
    if (m <= 0 || columns <= 0) return;
#if defined(__x86_64__)
    if (cgemm_available()) {
        cgemm_multiply_avx512(m, k, n, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
        return;
    }
#endif
    (void)n;
    cgemm_multiply_portable(m, k, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
}
