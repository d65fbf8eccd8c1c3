// bf16 products: rounding, packing, the portable tile, and the entry point that picks the
// VDPBF16PS tile (gemm_bf16_avx512.c) or the portable one. See CGemmBF16.h for the arithmetic.
#include "CGemm.h"
#include "CGemmBF16.h"
#include "gemm_bf16_internal.h"

#include "CCPU.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
void cgemm_bf16_multiply_avx512(int m, int k, const float *a, long lda, const uint32_t *packed, int column0,
                                int columns, float *c, long ldc, int accumulate, const float *bias);
#endif

/// Whether this CPU runs the VDPBF16PS tile at all (AVX-512 and AVX512_BF16).
static int cpu_runs_fast_kernel(void) {
    return ccpu_detected_level() >= CCPU_AVX512 && ccpu_has_avx512_bf16();
}

int cgemm_bf16_has_fast_kernel(void) { return ccpu_active_level() >= CCPU_AVX512 && cpu_runs_fast_kernel(); }

const char *cgemm_bf16_kernel_name(void) {
    return cgemm_bf16_has_fast_kernel() ? "avx512bf16-packed" : "portable-bf16";
}

static inline uint32_t bits_of(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline float float_of(uint32_t bits) {
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

uint16_t cgemm_bf16_from_float(float value) {
    uint32_t bits = bits_of(value);
    if ((bits & 0x7F800000u) == 0) return (uint16_t)((bits >> 16) & 0x8000u); // zero or denormal
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return (uint16_t)((bits >> 16) | 0x0040u); // NaN, quieted
    // Round to nearest, ties to even: add just under half of the dropped part's unit, plus the
    // kept part's lowest bit. Infinity stays infinity; the largest floats round up to it.
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

size_t cgemm_bf16_packed_count(int k, int n) {
    size_t panels = ((size_t)n + CGEMM_PANEL - 1) / CGEMM_PANEL;
    return panels * CGEMM_PANEL * (size_t)((k + 1) / 2);
}

void cgemm_bf16_pack(int k, int n, const float *weight, long ldw, uint32_t *packed) {
    int pairs = (k + 1) / 2;
    for (int j0 = 0; j0 < n; j0 += CGEMM_PANEL) {
        int width = n - j0 < CGEMM_PANEL ? n - j0 : CGEMM_PANEL;
        uint32_t *panel = packed + (size_t)j0 * pairs;
        for (int p = 0; p < pairs; p++) {
            uint32_t *line = panel + (size_t)p * CGEMM_PANEL;
            const float *even = weight + (size_t)(2 * p) * ldw + j0;
            const float *odd = 2 * p + 1 < k ? even + ldw : 0;
            for (int q = 0; q < CGEMM_PANEL; q++) {
                uint32_t low = q < width ? cgemm_bf16_from_float(even[q]) : 0;
                uint32_t high = q < width && odd ? cgemm_bf16_from_float(odd[q]) : 0;
                line[q] = low | high << 16;
            }
        }
    }
}

void cgemm_bf16_convert_rows_portable(int rows, int k, const float *a, long lda, uint32_t *out, long stride) {
    int pairs = (k + 1) / 2;
    for (int i = 0; i < rows; i++) {
        const float *row = a + (long)i * lda;
        uint32_t *line = out + (long)i * stride;
        for (int p = 0; p < pairs; p++) {
            uint32_t low = cgemm_bf16_from_float(row[2 * p]);
            uint32_t high = 2 * p + 1 < k ? cgemm_bf16_from_float(row[2 * p + 1]) : 0;
            line[p] = low | high << 16;
        }
    }
}

uint32_t *cgemm_bf16_row_buffer(size_t words) {
    static __thread uint32_t *buffer;
    static __thread size_t capacity;
    if (words > capacity) {
        free(buffer);
        buffer = aligned_alloc(64, (words * sizeof(uint32_t) + 63) / 64 * 64);
        capacity = buffer ? words : 0;
    }
    return buffer;
}

/// A sum whose exponent is zero (a denormal) becomes a zero of its sign, as VDPBF16PS's
/// flush-to-zero makes it; written on the bits so the loop stays vectorisable.
static inline float flush_denormal(float value) {
    uint32_t bits = bits_of(value);
    return (bits & 0x7F800000u) ? value : float_of(bits & 0x80000000u);
}

/// The VDPBF16PS chains in plain C. On x86-64 the baseline has no FMA instruction, so each
/// `fmaf` is a call into libm; the same source is also compiled for FMA3 (the loader picks that
/// clone on CPUs that have it), as the float32 portable tile is. Both clones give the same bits.
#if defined(__x86_64__)
__attribute__((target_clones("fma", "default")))
#endif
static void multiply_portable(int m, int k, const uint32_t *rows_bf16, long stride, const uint32_t *packed,
                              int column0, int columns, float *c, long ldc, int accumulate, const float *bias) {
    int pairs = (k + 1) / 2;
    for (int j = 0; j < columns; j += CGEMM_PANEL) {
        int width = columns - j < CGEMM_PANEL ? columns - j : CGEMM_PANEL;
        const uint32_t *panel = packed + (size_t)(column0 + j) * pairs;
        for (int i = 0; i < m; i++) {
            float sum[CGEMM_PANEL] = {0};
            const uint32_t *row = rows_bf16 + (long)i * stride;
            for (int p = 0; p < pairs; p++) {
                const uint32_t *line = panel + (size_t)p * CGEMM_PANEL;
                float x_even = float_of(row[p] << 16), x_odd = float_of(row[p] & 0xFFFF0000u);
                for (int q = 0; q < CGEMM_PANEL; q++) {
                    float w_even = float_of(line[q] << 16), w_odd = float_of(line[q] & 0xFFFF0000u);
                    float partial = flush_denormal(fmaf(x_odd, w_odd, sum[q]));
                    sum[q] = flush_denormal(fmaf(x_even, w_even, partial));
                }
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

/// Rounds `a` to bf16 pairs chunk by chunk (so the copy stays small) and runs the portable tile.
static void cgemm_bf16_multiply_portable(int m, int k, const float *a, long lda, const uint32_t *packed,
                                         int column0, int columns, float *c, long ldc, int accumulate,
                                         const float *bias) {
    long pairs = (k + 1) / 2;
    long chunk = (256 * 1024 / (long)sizeof(uint32_t)) / (pairs > 0 ? pairs : 1);
    if (chunk < 1) chunk = 1;
    for (long i0 = 0; i0 < m; i0 += chunk) {
        int rows = (int)(m - i0 < chunk ? m - i0 : chunk);
        uint32_t *converted = cgemm_bf16_row_buffer((size_t)rows * pairs);
        if (!converted) { // out of memory: a row at a time on the stack, slower, still right
            uint32_t line[pairs];
            for (long i = i0; i < i0 + rows; i++) {
                cgemm_bf16_convert_rows_portable(1, k, a + i * lda, lda, line, pairs);
                multiply_portable(1, k, line, pairs, packed, column0, columns, c + i * ldc, ldc, accumulate, bias);
            }
            continue;
        }
        cgemm_bf16_convert_rows_portable(rows, k, a + i0 * lda, lda, converted, pairs);
        multiply_portable(rows, k, converted, pairs, packed, column0, columns, c + i0 * ldc, ldc, accumulate, bias);
    }
}

void cgemm_bf16_multiply_at_level(int level, int m, int k, int n, const float *a, long lda, const uint32_t *packed,
                                  int column0, int columns, float *c, long ldc, int accumulate, const float *bias) {
    (void)n;
    if (m <= 0 || columns <= 0) return;
#if defined(__x86_64__)
    if (level >= CCPU_AVX512 && cpu_runs_fast_kernel()) {
        cgemm_bf16_multiply_avx512(m, k, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
        return;
    }
#else
    (void)level;
#endif
    cgemm_bf16_multiply_portable(m, k, a, lda, packed, column0, columns, c, ldc, accumulate, bias);
}

void cgemm_bf16_multiply(int m, int k, int n, const float *a, long lda, const uint32_t *packed, int column0,
                         int columns, float *c, long ldc, int accumulate, const float *bias) {
    cgemm_bf16_multiply_at_level(ccpu_active_level(), m, k, n, a, lda, packed, column0, columns, c, ldc, accumulate,
                                 bias);
}
