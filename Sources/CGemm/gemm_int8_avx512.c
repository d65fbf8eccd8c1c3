// The AVX-512 VNNI int8 tile: R rows of codes times one 32-column panel, 2R int32 accumulators.
//
// For each group of 4 k, the panel's line is two 64-byte loads (16 columns x 4 codes each), and
// each of the R rows contributes one 4-byte broadcast (folded into vpdpbusd as a memory operand)
// and two vpdpbusd: 64 multiply-adds each. With R = 12 that is 24 independent accumulators, the
// same shape as the float32 tile, enough to cover vpdpbusd's latency. Sums are exact int32, so
// the order of nothing matters; the epilogue is the portable kernel's int8_result lane by lane.
#include "CGemmInt8.h"
#include "gemm_int8_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

#include "epilogue_avx512.h"

enum { ROWS = 12 };

/// A panel's per-column constants: the float32 tiles' store (bias, masks, accumulate) and the
/// weight's scales and code sums, which dequantise the int32 sums before it.
typedef struct {
    epilogue store;
    __m512 scale0, scale1;
    __m512i sums0, sums1;
} int8_epilogue;

/// int8_result for 16 columns: correct by the zero point, scale, then bias/accumulate.
TARGET static inline __m512 dequantise(__m512i acc, __m512i sums, __m512 column_scale, int32_t zero, float row_scale) {
    __m512i exact = _mm512_sub_epi32(acc, _mm512_mullo_epi32(_mm512_set1_epi32(zero), sums));
    __m512 scale = _mm512_mul_ps(_mm512_set1_ps(row_scale), column_scale);
    return _mm512_mul_ps(_mm512_cvtepi32_ps(exact), scale);
}

/// Dequantises one row of int32 sums and stores it as the float32 tiles do (bias, accumulate).
TARGET static inline void store_dequantised_row(float *c, __m512i acc0, __m512i acc1, int32_t zero, float row_scale,
                                                const int8_epilogue *e) {
    store_row(c, dequantise(acc0, e->sums0, e->scale0, zero, row_scale), dequantise(acc1, e->sums1, e->scale1, zero, row_scale),
              &e->store);
}

/// The row's 4 codes of group g, in every 32-bit lane.
TARGET static inline __m512i broadcast_group(const uint8_t *row, int g) {
    int32_t quad;
    memcpy(&quad, row + 4 * g, 4);
    return _mm512_set1_epi32(quad);
}

#define DEFINE_TILE(R)                                                                                          \
    TARGET static void tile_##R(int groups, const uint8_t *codes, long ldq, const int8_t *panel,                \
                                const float *row_scales, const int32_t *row_zeros, float *c, long ldc,          \
                                const int8_epilogue *e) {                                                       \
        __m512i acc0[R], acc1[R];                                                                               \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_si512(); \
        for (int g = 0; g < groups; g++) {                                                                      \
            __m512i w0 = _mm512_load_si512((const void *)(panel + (long)g * INT8_LINE));                        \
            __m512i w1 = _mm512_load_si512((const void *)(panel + (long)g * INT8_LINE + 64));                   \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                    \
                __m512i x = broadcast_group(codes + r * ldq, g);                                                \
                acc0[r] = _mm512_dpbusd_epi32(acc0[r], x, w0);                                                  \
                acc1[r] = _mm512_dpbusd_epi32(acc1[r], x, w1);                                                  \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                          \
            store_dequantised_row(c + r * ldc, acc0[r], acc1[r], row_zeros[r], row_scales[r], e);               \
    }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)
DEFINE_TILE(5)
DEFINE_TILE(6)
DEFINE_TILE(7)
DEFINE_TILE(8)
DEFINE_TILE(9)
DEFINE_TILE(10)
DEFINE_TILE(11)
DEFINE_TILE(12)

typedef void (*tile_fn)(int, const uint8_t *, long, const int8_t *, const float *, const int32_t *, float *, long,
                        const int8_epilogue *);
static const tile_fn tiles[13] = {0,      tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,
                                  tile_7, tile_8, tile_9, tile_10, tile_11, tile_12};

TARGET void cgemm_int8_panels_avx512_vnni(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                                          const float *row_scales, const int32_t *row_zeros, int column0,
                                          int columns, float *c, long ldc, int accumulate, const float *bias) {
    int groups = weight->groups;
    for (int j = 0; j < columns; j += CGEMM_INT8_PANEL) {
        int width = columns - j < CGEMM_INT8_PANEL ? columns - j : CGEMM_INT8_PANEL;
        int first = column0 + j;
        int8_epilogue e = {.store = panel_epilogue(j, width, column0, accumulate, bias)};
        e.scale0 = _mm512_load_ps(weight->scales + first), e.scale1 = _mm512_load_ps(weight->scales + first + 16);
        e.sums0 = _mm512_load_si512((const void *)(weight->code_sums + first));
        e.sums1 = _mm512_load_si512((const void *)(weight->code_sums + first + 16));
        const int8_t *panel = weight->codes + (size_t)(first / CGEMM_INT8_PANEL) * groups * INT8_LINE;
        for (int i = 0; i < m; i += ROWS) {
            int rows = m - i < ROWS ? m - i : ROWS;
            tiles[rows](groups, codes + (long)i * ldq, ldq, panel, row_scales + i, row_zeros + i, c + (long)i * ldc + j,
                        ldc, &e);
        }
    }
}

/// The portable quantiser's arithmetic 16 lanes at a time: min and max are exact in any order, and
/// vcvtps2dq rounds to nearest even as lrintf does in the default rounding mode.
TARGET void cgemm_int8_quantise_avx512(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda,
                                       uint8_t *codes, long ldq, float *scales, int32_t *zeros) {
    int padded = (k + 3) / 4 * 4;
    for (int i = 0; i < m; i++) {
        const float *row = a + (long)i * lda;
        __m512 low = _mm512_setzero_ps(), high = _mm512_setzero_ps();
        for (int p = 0; p < k; p += 16) {
            __mmask16 mask = k - p >= 16 ? 0xFFFF : (__mmask16)((1u << (k - p)) - 1);
            __m512 x = _mm512_maskz_loadu_ps(mask, row + p); // lanes past k are 0: no effect on min(x, 0)
            low = _mm512_min_ps(x, low);
            high = _mm512_max_ps(x, high);
        }
        int8_row_quantisation q =
            int8_row_parameters(mode, _mm512_reduce_min_ps(low), _mm512_reduce_max_ps(high));
        __m512 inverse = _mm512_set1_ps(q.inverse);
        __m512i zero = _mm512_set1_epi32(q.zero), smallest = _mm512_setzero_si512(), largest = _mm512_set1_epi32(255);
        uint8_t *out = codes + (long)i * ldq;
        for (int p = 0; p < padded; p += 16) {
            __mmask16 mask = k - p >= 16 ? 0xFFFF : k > p ? (__mmask16)((1u << (k - p)) - 1) : 0;
            __mmask16 store = padded - p >= 16 ? 0xFFFF : (__mmask16)((1u << (padded - p)) - 1);
            __m512 x = _mm512_maskz_loadu_ps(mask, row + p);
            __m512i code = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(x, inverse)), zero);
            code = _mm512_min_epi32(_mm512_max_epi32(code, smallest), largest);
            code = _mm512_maskz_mov_epi32(mask, code); // bytes past k are 0
            _mm_mask_storeu_epi8(out + p, store, _mm512_cvtepi32_epi8(code));
        }
        scales[i] = q.scale;
        zeros[i] = q.zero;
    }
}

#endif
