// What the int8 kernels share: the packed layout, the row quantisation's arithmetic, the store.
//
// Packed layout: panel after panel of CGEMM_INT8_PANEL columns; a panel is `groups` = ceil(k / 4)
// lines of 128 bytes, and line g holds, for each of the 32 columns in order, the 4 codes of rows
// 4g ... 4g + 3 (rows past k and columns past n are 0). That is vpdpbusd's operand: one 32-bit
// lane per column, four k per lane.
#ifndef CGEMM_INT8_INTERNAL_H
#define CGEMM_INT8_INTERNAL_H

#include "CGemmInt8.h"

#include <math.h>
#include <stdint.h>

// Every float operation below is its own rounding, in every kernel: no fused multiply-adds.
#pragma STDC FP_CONTRACT OFF

struct cgemm_int8_weight {
    int k, n, groups, panels;
    int8_t *codes;        // panels x groups x 128 bytes, 64-byte aligned
    float *scales;        // panels x 32, 0 past n
    int32_t *code_sums;   // panels x 32: each column's sum of codes over k
};

enum { INT8_LINE = 4 * CGEMM_INT8_PANEL };

/// A row's quantisation: code = clamp(rint(x * inverse) + zero, 0, 255), x ~ (code - zero) * scale.
typedef struct {
    float scale, inverse;
    int32_t zero;
} int8_row_quantisation;

/// The row's quantisation from its smallest and largest values (each already min/max'ed with 0).
/// A row of zeros gets scale 0, so whatever its codes its products are 0.
static inline int8_row_quantisation int8_row_parameters(cgemm_int8_row_mode mode, float low, float high) {
    int8_row_quantisation q = {0, 0, 0};
    if (mode == CGEMM_INT8_ROW_SYMMETRIC) {
        float largest = high > -low ? high : -low;
        q.zero = 128;
        if (largest > 0) q.scale = largest / 127.0f, q.inverse = 127.0f / largest;
    } else {
        float range = high - low;
        if (range > 0) {
            q.scale = range / 255.0f, q.inverse = 255.0f / range;
            q.zero = (int32_t)lrintf(-low * q.inverse);
            if (q.zero > 255) q.zero = 255;
        }
    }
    return q;
}

/// Bytes between quantised rows of k values: whole 4-byte groups, then whole 64-byte lines, and one
/// more line when that is a multiple of 512 (rows read side by side that far apart share L1 sets).
static inline long int8_row_stride(int k) {
    long stride = ((long)k + 63) / 64 * 64;
    return stride % 512 == 0 ? stride + 64 : stride;
}

/// Quantises rows `a[0 ..< m]` into codes (`ldq` apart, bytes k ..< 4 * groups zero), scales and zeros.
typedef void (*int8_quantise_fn)(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda, uint8_t *codes,
                                 long ldq, float *scales, int32_t *zeros);
/// The products of `m` quantised rows with columns `column0 ..< column0 + columns`.
typedef void (*int8_panels_fn)(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                               const float *row_scales, const int32_t *row_zeros, int column0, int columns, float *c,
                               long ldc, int accumulate, const float *bias);

/// The epilogue every kernel applies to an exact sum, in this order (the vector kernels do the same
/// operations lane by lane): correct by the zero point, scale, then bias/accumulate as cgemm_multiply.
static inline float int8_result(int32_t sum, int32_t zero, int32_t code_sum, float row_scale, float column_scale,
                                float old, const float *bias, int column, int accumulate) {
    int32_t exact = sum - zero * code_sum;
    float scale = row_scale * column_scale;
    float value = (float)exact * scale;
    if (accumulate) {
        float addend = bias ? old + bias[column] : old;
        return value + addend;
    }
    return bias ? value + bias[column] : value;
}

#if defined(__x86_64__)
void cgemm_int8_quantise_avx512(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda, uint8_t *codes,
                                long ldq, float *scales, int32_t *zeros);
void cgemm_int8_panels_avx512_vnni(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                                   const float *row_scales, const int32_t *row_zeros, int column0, int columns,
                                   float *c, long ldc, int accumulate, const float *bias);
void cgemm_int8_quantise_avx2(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda, uint8_t *codes,
                              long ldq, float *scales, int32_t *zeros);
void cgemm_int8_panels_avx2(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                            const float *row_scales, const int32_t *row_zeros, int column0, int columns, float *c,
                            long ldc, int accumulate, const float *bias);
#endif

#endif
