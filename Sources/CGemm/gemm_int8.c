// Quantising and packing int8 weights, the portable kernel, and the entry point that routes to the
// AVX-512 VNNI, AVX2 or portable kernel.
//
// Why the activations are quantised asymmetrically per row (measured with scripts/int8-fidelity.py:
// all-MiniLM-L6-v2, the real activations of the 1024 texts of ../shared/bench/texts-1024.txt,
// this very kernel): the input of each MLP's second Linear (`output.dense`) comes out of GELU,
// whose negative side ends at -0.17 while its positive side runs far higher; a symmetric code
// spends half its 255 steps on negatives that never come, an asymmetric one spends all 256 on
// [min(x, 0), max(x, 0)]. Relative error of that layer's output: symmetric 0.7-2.5%, asymmetric
// 0.5-1.6%; the layers fed by layer norm or attention (closer to symmetric) still gain 5-20%
// (query 1.1-1.4% vs 1.2-1.7%, value 1.3-1.8% vs 1.5-2.1%). End to end, every Linear in int8,
// cosine to float32 embeddings: asymmetric min 0.9980 (1st percentile 0.9985, median 0.9990),
// symmetric min 0.9935 (0.9960, 0.9974). It costs no speed: the zero point is one integer
// multiply-subtract per output element, exactly what the +128 shift a symmetric code needs for
// vpdpbusd's unsigned operand costs.
#include "CGemmInt8.h"
#include "gemm_int8_internal.h"

#include "CCPU.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---- weights ---------------------------------------------------------------------------------

cgemm_int8_weight *cgemm_int8_pack(int k, int n, const float *weight, long ldw) {
    if (k <= 0 || n <= 0 || k > CGEMM_INT8_MAX_K) return 0;
    cgemm_int8_weight *w = calloc(1, sizeof *w);
    if (!w) return 0;
    w->k = k, w->n = n, w->groups = (k + 3) / 4, w->panels = (n + CGEMM_INT8_PANEL - 1) / CGEMM_INT8_PANEL;
    size_t code_bytes = (size_t)w->panels * w->groups * INT8_LINE;
    size_t columns = (size_t)w->panels * CGEMM_INT8_PANEL;
    w->codes = aligned_alloc(64, code_bytes);
    w->scales = aligned_alloc(64, (columns * sizeof(float) + 63) / 64 * 64);
    w->code_sums = aligned_alloc(64, (columns * sizeof(int32_t) + 63) / 64 * 64);
    if (!w->codes || !w->scales || !w->code_sums) {
        cgemm_int8_free(w);
        return 0;
    }
    memset(w->codes, 0, code_bytes);
    for (size_t j = 0; j < columns; j++) {
        float scale = 0, inverse = 0;
        int32_t sum = 0;
        if (j < (size_t)n) {
            float largest = 0;
            for (int p = 0; p < k; p++) {
                float magnitude = fabsf(weight[(long)p * ldw + (long)j]);
                if (magnitude > largest) largest = magnitude;
            }
            if (largest > 0) scale = largest / 127.0f, inverse = 127.0f / largest;
            int8_t *panel = w->codes + (j / CGEMM_INT8_PANEL) * (size_t)w->groups * INT8_LINE;
            size_t lane = (j % CGEMM_INT8_PANEL) * 4;
            for (int p = 0; p < k; p++) {
                long code = lrintf(weight[(long)p * ldw + (long)j] * inverse);
                code = code > 127 ? 127 : code < -127 ? -127 : code;
                panel[(size_t)(p / 4) * INT8_LINE + lane + (size_t)(p % 4)] = (int8_t)code;
                sum += (int32_t)code;
            }
        }
        w->scales[j] = scale;
        w->code_sums[j] = sum;
    }
    return w;
}

void cgemm_int8_free(cgemm_int8_weight *weight) {
    if (!weight) return;
    free(weight->codes);
    free(weight->scales);
    free(weight->code_sums);
    free(weight);
}

float cgemm_int8_weight_scale(const cgemm_int8_weight *weight, int column) { return weight->scales[column]; }

int cgemm_int8_weight_code(const cgemm_int8_weight *weight, int row, int column) {
    const int8_t *panel = weight->codes + (size_t)(column / CGEMM_INT8_PANEL) * weight->groups * INT8_LINE;
    return panel[(size_t)(row / 4) * INT8_LINE + (size_t)(column % CGEMM_INT8_PANEL) * 4 + (size_t)(row % 4)];
}

// ---- the portable kernel ---------------------------------------------------------------------

static void quantise_portable(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda, uint8_t *codes,
                              long ldq, float *scales, int32_t *zeros) {
    int padded = (k + 3) / 4 * 4;
    for (int i = 0; i < m; i++) {
        const float *row = a + (long)i * lda;
        float low = 0, high = 0;
        for (int p = 0; p < k; p++) {
            low = row[p] < low ? row[p] : low;
            high = row[p] > high ? row[p] : high;
        }
        int8_row_quantisation q = int8_row_parameters(mode, low, high);
        uint8_t *out = codes + (long)i * ldq;
        for (int p = 0; p < k; p++) {
            long code = lrintf(row[p] * q.inverse) + q.zero;
            out[p] = (uint8_t)(code < 0 ? 0 : code > 255 ? 255 : code);
        }
        for (int p = k; p < padded; p++) out[p] = 0;
        scales[i] = q.scale;
        zeros[i] = q.zero;
    }
}

static void panels_portable(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                            const float *row_scales, const int32_t *row_zeros, int column0, int columns, float *c,
                            long ldc, int accumulate, const float *bias) {
    int groups = weight->groups;
    for (int j = 0; j < columns; j += CGEMM_INT8_PANEL) {
        int width = columns - j < CGEMM_INT8_PANEL ? columns - j : CGEMM_INT8_PANEL;
        int first = column0 + j;
        const int8_t *panel = weight->codes + (size_t)(first / CGEMM_INT8_PANEL) * groups * INT8_LINE;
        for (int i = 0; i < m; i++) {
            int32_t sum[CGEMM_INT8_PANEL] = {0};
            const uint8_t *row = codes + (long)i * ldq;
            for (int g = 0; g < groups; g++) {
                const int8_t *line = panel + (size_t)g * INT8_LINE;
                const uint8_t *x = row + 4 * g;
                for (int q = 0; q < CGEMM_INT8_PANEL; q++)
                    sum[q] += x[0] * line[4 * q] + x[1] * line[4 * q + 1] + x[2] * line[4 * q + 2] +
                              x[3] * line[4 * q + 3];
            }
            float *out = c + (long)i * ldc + j;
            for (int q = 0; q < width; q++)
                out[q] = int8_result(sum[q], row_zeros[i], weight->code_sums[first + q], row_scales[i],
                                     weight->scales[first + q], accumulate ? out[q] : 0, bias, first + q, accumulate);
        }
    }
}

// ---- routing ---------------------------------------------------------------------------------

enum { ROWS_PER_TILE = 12, CHUNK_BYTES = 256 * 1024 };

/// The kernel that runs for `level` on this CPU: 2 VNNI, 1 AVX2, 0 portable.
static int kernel_at_level(int level) {
    if (level > (int)ccpu_detected_level()) level = ccpu_detected_level();
#if defined(__x86_64__)
    if (level >= CCPU_AVX512 && ccpu_has_avx512_vnni()) return 2;
    if (level >= CCPU_AVX2) return 1;
#endif
    return 0;
}

const char *cgemm_int8_kernel_name_at_level(int level) {
    switch (kernel_at_level(level)) {
    case 2: return "avx512-vnni-int8";
    case 1: return "avx2-int8";
    default: return "portable-int8";
    }
}

const char *cgemm_int8_kernel_name(void) { return cgemm_int8_kernel_name_at_level(ccpu_active_level()); }

int cgemm_int8_kernel(void) { return kernel_at_level(ccpu_active_level()); }

/// The calling thread's buffer for a chunk's codes, scales and zero points, grown as needed and
/// kept (a fresh allocation of this size per call would be an mmap and page faults every time).
static uint8_t *chunk_buffer(size_t bytes) {
    static __thread uint8_t *buffer;
    static __thread size_t capacity;
    if (bytes > capacity) {
        free(buffer);
        buffer = aligned_alloc(64, (bytes + 63) / 64 * 64);
        capacity = buffer ? bytes : 0;
    }
    return buffer;
}

void cgemm_int8_multiply_quantizing(int level, cgemm_int8_row_mode mode, const cgemm_int8_weight *weight, int m,
                                    const float *a, long lda, int column0, int columns, float *c, long ldc,
                                    int accumulate, const float *bias) {
    if (m <= 0 || columns <= 0) return;
    int8_quantise_fn quantise = quantise_portable;
    int8_panels_fn panels = panels_portable;
#if defined(__x86_64__)
    switch (kernel_at_level(level)) {
    case 2: quantise = cgemm_int8_quantise_avx512, panels = cgemm_int8_panels_avx512_vnni; break;
    case 1: quantise = cgemm_int8_quantise_avx2, panels = cgemm_int8_panels_avx2; break;
    default: break;
    }
#endif
    // Rows in chunks whose codes stay in L2 while every panel passes over them.
    long ldq = int8_row_stride(weight->k);
    long chunk = CHUNK_BYTES / ldq;
    chunk = chunk < ROWS_PER_TILE ? ROWS_PER_TILE : chunk - chunk % ROWS_PER_TILE;
    if (chunk > m) chunk = m;
    size_t row_bytes = (size_t)ldq + sizeof(float) + sizeof(int32_t);
    uint8_t *buffer = chunk_buffer((size_t)chunk * row_bytes);
    if (!buffer) chunk = 1, buffer = chunk_buffer(row_bytes);
    if (!buffer) {
        fprintf(stderr, "cgemm_int8: out of memory for %ld bytes of quantised activations\n", (long)row_bytes);
        abort();
    }
    float *scales = (float *)(buffer + (size_t)chunk * ldq);
    int32_t *zeros = (int32_t *)(scales + chunk);
    for (long i0 = 0; i0 < m; i0 += chunk) {
        int rows = (int)(m - i0 < chunk ? m - i0 : chunk);
        quantise(mode, rows, weight->k, a + i0 * lda, lda, buffer, ldq, scales, zeros);
        panels(weight, rows, buffer, ldq, scales, zeros, column0, columns, c + i0 * ldc, ldc, accumulate, bias);
    }
}

void cgemm_int8_multiply_at_level(int level, const cgemm_int8_weight *weight, int m, const float *a, long lda,
                                  int column0, int columns, float *c, long ldc, int accumulate, const float *bias) {
    cgemm_int8_multiply_quantizing(level, CGEMM_INT8_ROW_ASYMMETRIC, weight, m, a, lda, column0, columns, c, ldc,
                                   accumulate, bias);
}

void cgemm_int8_multiply(const cgemm_int8_weight *weight, int m, const float *a, long lda, int column0, int columns,
                         float *c, long ldc, int accumulate, const float *bias) {
    cgemm_int8_multiply_at_level(ccpu_active_level(), weight, m, a, lda, column0, columns, c, ldc, accumulate, bias);
}
