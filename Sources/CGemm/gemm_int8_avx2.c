// The AVX2 int8 tile: 6 rows of codes times 8 columns, widened to 16 bits for vpmaddwd.
//
// vpmaddubsw would multiply the bytes directly, but it saturates its pairwise int16 sums
// (255 x 127 x 2 > 32767), which would make the result depend on the kernel. Instead the codes
// are widened to int16 (activations once per call, weights line by line) and vpmaddwd adds pairs
// of exact products into int32, which cannot overflow. With the packed layout's 4 codes per
// column, a 32-byte weight slice widens to two vectors whose int32 lanes hold the pairs (k0, k1)
// and (k2, k3) of 4 columns: each column keeps two partial sums, added together once, at the
// end, which integer arithmetic allows without changing a bit. 6 rows x 2 accumulators + 2
// weights + 1 broadcast = 15 of the 16 registers.
//
// Used on AVX2 CPUs and on AVX-512 CPUs without AVX512_VNNI (Skylake-X, Cascade Lake has VNNI).
#include "CGemmInt8.h"
#include "gemm_int8_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))

enum { ROWS = 6, BLOCK = 8 };

/// One 8-column block's per-column constants, and which of its lanes are columns.
typedef struct {
    __m256 bias, scale;
    __m256i sums, mask;
    int full, has_bias, accumulate;
} epilogue;

TARGET static inline void store_row(float *c, __m256i pairs0, __m256i pairs1, int32_t zero, float row_scale,
                                    const epilogue *e) {
    // [c0 c1 c4 c5 | c2 c3 c6 c7] -> [c0 ... c7]
    __m256i acc = _mm256_permute4x64_epi64(_mm256_hadd_epi32(pairs0, pairs1), 0xD8);
    __m256i exact = _mm256_sub_epi32(acc, _mm256_mullo_epi32(_mm256_set1_epi32(zero), e->sums));
    __m256 scale = _mm256_mul_ps(_mm256_set1_ps(row_scale), e->scale);
    __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(exact), scale);
    if (e->accumulate) {
        __m256 old = e->full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, e->mask);
        if (e->has_bias) old = _mm256_add_ps(old, e->bias);
        v = _mm256_add_ps(v, old);
    } else if (e->has_bias) {
        v = _mm256_add_ps(v, e->bias);
    }
    if (e->full)
        _mm256_storeu_ps(c, v);
    else
        _mm256_maskstore_ps(c, e->mask, v);
}

#define DEFINE_TILE(R)                                                                                          \
    TARGET static void tile_##R(int groups, const int16_t *x16, long ld16, const int8_t *block,                 \
                                const float *row_scales, const int32_t *row_zeros, float *c, long ldc,          \
                                const epilogue *e) {                                                            \
        __m256i acc0[R], acc1[R];                                                                               \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_si256(); \
        for (int g = 0; g < groups; g++) {                                                                      \
            const int8_t *line = block + (long)g * INT8_LINE;                                                   \
            __m256i w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)line));                          \
            __m256i w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(line + 16)));                   \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                    \
                long long quad;                                                                                 \
                memcpy(&quad, x16 + r * ld16 + 4 * g, 8);                                                       \
                __m256i x = _mm256_set1_epi64x(quad);                                                           \
                acc0[r] = _mm256_add_epi32(acc0[r], _mm256_madd_epi16(x, w0));                                  \
                acc1[r] = _mm256_add_epi32(acc1[r], _mm256_madd_epi16(x, w1));                                  \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++)                                          \
            store_row(c + r * ldc, acc0[r], acc1[r], row_zeros[r], row_scales[r], e);                           \
    }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)
DEFINE_TILE(5)
DEFINE_TILE(6)

typedef void (*tile_fn)(int, const int16_t *, long, const int8_t *, const float *, const int32_t *, float *, long,
                        const epilogue *);
static const tile_fn tiles[7] = {0, tile_1, tile_2, tile_3, tile_4, tile_5, tile_6};

/// The calling thread's buffer for the codes widened to int16, grown as needed and kept.
static int16_t *widened_buffer(size_t count) {
    static __thread int16_t *buffer;
    static __thread size_t capacity;
    if (count > capacity) {
        free(buffer);
        buffer = aligned_alloc(64, (count * sizeof(int16_t) + 63) / 64 * 64);
        capacity = buffer ? count : 0;
    }
    return buffer;
}

TARGET void cgemm_int8_panels_avx2(const cgemm_int8_weight *weight, int m, const uint8_t *codes, long ldq,
                                   const float *row_scales, const int32_t *row_zeros, int column0, int columns,
                                   float *c, long ldc, int accumulate, const float *bias) {
    int groups = weight->groups;
    long ld16 = (long)groups * 4 + 16; // + 32 bytes: rows a multiple of 4 KB apart would share L1 sets
    // One row at a time when the buffer cannot be had: slower, the same bits.
    int step = m;
    int16_t *x16 = widened_buffer((size_t)m * ld16);
    if (!x16) step = 1, x16 = widened_buffer((size_t)ld16);
    if (!x16) abort();
    for (int i0 = 0; i0 < m; i0 += step) {
        int rows = m - i0 < step ? m - i0 : step;
        for (int i = 0; i < rows; i++) {
            const uint8_t *from = codes + (long)(i0 + i) * ldq;
            int16_t *to = x16 + (long)i * ld16;
            for (int p = 0; p < groups * 4; p += 16)
                _mm256_storeu_si256((__m256i *)(to + p), _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(from + p))));
        }
        for (int j = 0; j < columns; j += BLOCK) {
            int width = columns - j < BLOCK ? columns - j : BLOCK;
            int first = column0 + j;
            epilogue e = {.full = width == BLOCK, .has_bias = bias != 0, .accumulate = accumulate};
            int32_t lanes[BLOCK];
            for (int q = 0; q < BLOCK; q++) lanes[q] = q < width ? -1 : 0;
            e.mask = _mm256_loadu_si256((const __m256i *)lanes);
            e.bias = bias ? _mm256_maskload_ps(bias + first, e.mask) : _mm256_setzero_ps();
            e.scale = _mm256_loadu_ps(weight->scales + first);
            e.sums = _mm256_loadu_si256((const __m256i *)(weight->code_sums + first));
            const int8_t *block = weight->codes + (size_t)(first / CGEMM_INT8_PANEL) * groups * INT8_LINE +
                                  (size_t)(first % CGEMM_INT8_PANEL) * 4;
            for (int i = 0; i < rows; i += ROWS) {
                int tile = rows - i < ROWS ? rows - i : ROWS;
                tiles[tile](groups, x16 + (long)i * ld16, ld16, block, row_scales + i0 + i, row_zeros + i0 + i,
                            c + (long)(i0 + i) * ldc + j, ldc, &e);
            }
        }
    }
}

/// The portable quantiser's arithmetic 8 lanes at a time (see cgemm_int8_quantise_avx512).
TARGET void cgemm_int8_quantise_avx2(cgemm_int8_row_mode mode, int m, int k, const float *a, long lda,
                                     uint8_t *codes, long ldq, float *scales, int32_t *zeros) {
    int padded = (k + 3) / 4 * 4;
    for (int i = 0; i < m; i++) {
        const float *row = a + (long)i * lda;
        __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
        int p = 0;
        for (; p + 8 <= k; p += 8) {
            __m256 x = _mm256_loadu_ps(row + p);
            low = _mm256_min_ps(x, low);
            high = _mm256_max_ps(x, high);
        }
        float lanes_low[8], lanes_high[8];
        _mm256_storeu_ps(lanes_low, low);
        _mm256_storeu_ps(lanes_high, high);
        float smallest = 0, largest = 0;
        for (int q = 0; q < 8; q++) {
            smallest = lanes_low[q] < smallest ? lanes_low[q] : smallest;
            largest = lanes_high[q] > largest ? lanes_high[q] : largest;
        }
        for (; p < k; p++) {
            smallest = row[p] < smallest ? row[p] : smallest;
            largest = row[p] > largest ? row[p] : largest;
        }
        int8_row_quantisation q = int8_row_parameters(mode, smallest, largest);
        __m256 inverse = _mm256_set1_ps(q.inverse);
        __m256i zero = _mm256_set1_epi32(q.zero), floor = _mm256_setzero_si256(), ceiling = _mm256_set1_epi32(255);
        uint8_t *out = codes + (long)i * ldq;
        for (p = 0; p + 8 <= k; p += 8) {
            __m256i code = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(row + p), inverse)), zero);
            code = _mm256_min_epi32(_mm256_max_epi32(code, floor), ceiling);
            // 8 int32 in 0...255 -> 8 bytes
            __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(code), _mm256_extracti128_si256(code, 1));
            __m128i bytes = _mm_packus_epi16(words, words);
            _mm_storel_epi64((__m128i *)(out + p), bytes);
        }
        for (; p < k; p++) {
            long code = lrintf(row[p] * q.inverse) + q.zero;
            out[p] = (uint8_t)(code < 0 ? 0 : code > 255 ? 255 : code);
        }
        for (p = k; p < padded; p++) out[p] = 0;
        scales[i] = q.scale;
        zeros[i] = q.zero;
    }
}

#endif
