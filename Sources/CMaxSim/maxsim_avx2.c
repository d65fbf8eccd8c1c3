// AVX2 + FMA MaxSim (Haswell, Zen 1-3): the AVX-512 kernel's design (maxsim_avx512.c) with 8- and
// 4-lane vectors and 16 registers, so tiles are smaller and the query may take two passes over a
// document (m = 20: 16 lanes, then 4). Same multiply-add chain per dot product, same bits.
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx2,fma,f16c,popcnt")))

/// Rows j0..j0+rows-1 decoded to float32 in `out` (R rows of d floats), the rest of the R rows
/// copies of the last one (a repeated row cannot change a max).
TARGET static void decode_block(const void *vectors, cmaxsim_format format, const float *scales, long j0, int rows,
                                int R, int d, float *out) {
    for (int r = 0; r < R; r++) {
        long row = j0 + (r < rows ? r : rows - 1), at = row * d;
        float *o = out + (long)r * d;
        int k = 0;
        switch (format) {
        case CMAXSIM_FLOAT16: {
            const uint16_t *p = (const uint16_t *)vectors + at;
            for (; k + 8 <= d; k += 8) _mm256_storeu_ps(o + k, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p + k))));
            for (; k < d; k++) o[k] = _cvtsh_ss(p[k]);
            break;
        }
        case CMAXSIM_INT8: {
            const int8_t *p = (const int8_t *)vectors + at;
            __m256 scale = _mm256_set1_ps(scales[row]);
            for (; k + 8 <= d; k += 8)
                _mm256_storeu_ps(o + k, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(p + k)))), scale));
            for (; k < d; k++) o[k] = (float)p[k] * scales[row];
            break;
        }
        default: {
            const float *p = (const float *)vectors + at;
            for (; k < d; k++) o[k] = p[k];
        }
        }
    }
}

/// One register tile: R rows x (Y 8-lane + X 4-lane) query lanes. `next` is the next block's
/// storage: R of its cache lines are prefetched every 16 k in address order, as the AVX-512
/// kernels do (a line per row instead, R streams a row apart, left a corpus in memory bound by
/// the stream: on Zen 4, one core, 500 documents of 1030 x 128, m = 20 took 0.042 s that way and
/// 0.031 s this way; m = 4 0.038 and 0.030).
#define DEFINE_KERNEL(Y, X, R)                                                                             \
    TARGET static void kernel_##Y##X(const float *qt, int lanes, int d, const float *rows, const char *next, \
                                     float *best) {                                                        \
        __m256 ay[R][2];                                                                                   \
        __m128 ax[R];                                                                                      \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                   \
            ay[r][0] = ay[r][1] = _mm256_setzero_ps();                                                     \
            ax[r] = _mm_setzero_ps();                                                                      \
        }                                                                                                  \
        for (int k0 = 0; k0 < d; k0 += 16) {                                                               \
            const char *lines = next + (long)(k0 / 16) * R * 64;                                           \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) _mm_prefetch(lines + r * 64, _MM_HINT_T0); \
            int end = d - k0 < 16 ? d : k0 + 16;                                                           \
            for (int k = k0; k < end; k++) {                                                               \
                const float *q = qt + (long)k * lanes;                                                     \
                __m256 q0 = _mm256_setzero_ps(), q1 = _mm256_setzero_ps();                                 \
                __m128 qx = _mm_setzero_ps();                                                              \
                if (Y > 0) q0 = _mm256_loadu_ps(q);                                                        \
                if (Y > 1) q1 = _mm256_loadu_ps(q + 8);                                                    \
                if (X) qx = _mm_loadu_ps(q + 8 * Y);                                                       \
                _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                           \
                    __m256 b = _mm256_broadcast_ss(rows + (long)r * d + k);                                \
                    if (Y > 0) ay[r][0] = _mm256_fmadd_ps(b, q0, ay[r][0]);                                \
                    if (Y > 1) ay[r][1] = _mm256_fmadd_ps(b, q1, ay[r][1]);                                \
                    if (X) ax[r] = _mm_fmadd_ps(_mm256_castps256_ps128(b), qx, ax[r]);                     \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        for (int y = 0; y < Y; y++) {                                                                      \
            __m256 m = _mm256_loadu_ps(best + 8 * y);                                                      \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) m = _mm256_max_ps(m, ay[r][y]); \
            _mm256_storeu_ps(best + 8 * y, m);                                                             \
        }                                                                                                  \
        if (X) {                                                                                           \
            __m128 m = _mm_loadu_ps(best + 8 * Y);                                                         \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) m = _mm_max_ps(m, ax[r]);       \
            _mm_storeu_ps(best + 8 * Y, m);                                                                \
        }                                                                                                  \
    }

// Accumulators within 12 of the 16 registers.
DEFINE_KERNEL(2, 0, 6)
DEFINE_KERNEL(1, 1, 6)
DEFINE_KERNEL(1, 0, 12)
DEFINE_KERNEL(0, 1, 12)

typedef void (*kernel_fn)(const float *, int, int, const float *, const char *, float *);
typedef struct {
    kernel_fn run;
    int rows;
} shape;

/// Every block of the document through one tile shape, for lanes l0 onwards.
TARGET static void run_pass(shape s, int l0, int lanes, int d, const void *vectors, cmaxsim_format format,
                            const float *scales, long n, const float *qt, float *best, float *block) {
    int element = format == CMAXSIM_FLOAT32 ? 4 : format == CMAXSIM_FLOAT16 ? 2 : 1;
    long row_bytes = (long)d * element;
    for (long j0 = 0; j0 < n; j0 += s.rows) {
        int rows = n - j0 < s.rows ? (int)(n - j0) : s.rows;
        const float *tile = block;
        if (format == CMAXSIM_FLOAT32 && rows == s.rows)
            tile = (const float *)vectors + j0 * d;
        else
            decode_block(vectors, format, scales, j0, rows, s.rows, d, block);
        long ahead = j0 + s.rows < n ? j0 + s.rows : j0;
        s.run(qt + l0, lanes, d, tile, (const char *)vectors + ahead * row_bytes, best + l0);
    }
}

TARGET float cmaxsim_score_avx2(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                                float *scratch) {
    static const shape wide = {kernel_20, 6};
    static const shape tails[4] = {{0, 0}, {kernel_01, 12}, {kernel_10, 12}, {kernel_11, 6}};
    int lanes = cmaxsim_lanes(m);
    float *best = cmaxsim_best(scratch, m, d), *block = cmaxsim_block(scratch, m, d);
    for (int i = 0; i < lanes; i++) best[i] = -__builtin_inff();
    int l0 = 0;
    for (; lanes - l0 >= 16; l0 += 16) run_pass(wide, l0, lanes, d, vectors, format, scales, n, scratch, best, block);
    if (lanes > l0) run_pass(tails[(lanes - l0) / 4], l0, lanes, d, vectors, format, scales, n, scratch, best, block);
    float sum = 0;
    for (int i = 0; i < m; i++) sum += best[i];
    return sum;
}

/// The portable Hamming loop with the POPCNT instruction (every AVX2 CPU has it).
TARGET int64_t cmaxsim_hamming_avx2(const uint64_t *q, int m, int words, const uint64_t *signs, long n) {
    return cmaxsim_hamming_words(q, m, words, signs, n);
}

#endif
