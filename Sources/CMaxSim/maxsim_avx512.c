// AVX-512 MaxSim: query vectors on the lanes, document vectors broadcast one value at a time.
//
// The query is laid out once as QT[k][lane] (cmaxsim_prepare). A block of R document rows is
// multiplied by it as a register tile: for each k, R broadcasts of row values times one QT row,
// into R accumulators per 16- or 8-lane vector. A last 4-lane vector (m = 4, 20, 36, ...) is
// done for two rows at once, because on Zen 4 a 128-bit multiply-add takes a whole pipe slot as
// a 256-bit one does: one 256-bit accumulator holds row r in its low half and row r+1 in its
// high half, both against the same 4 query lanes (their QT values loaded into both halves).
// The row values come from [4 columns of row r | the same 4 of row r+1], loaded once per 4 k;
// an in-lane permute makes [row r value x4 | row r+1 value x4] for each of the 4 k.
//
// Lane i of row r's accumulator, or of its half of a pair, is exactly <query_i, row_r> added up
// by fused multiply-adds over k = 0..d-1 in order, the portable kernel's sequence, so scores are
// bit-identical across kernels and independent of which rows share a block. The running max per
// query vector is lane-wise, so no horizontal work is done until the document ends.
//
// Why not document vectors on the lanes: that needs each 16-row block transposed, and measured
// on Zen 4 the shuffles cost as much as the multiply-adds. Lanes on the query waste only the
// rounding of m up to a multiple of 4: m = 20 is a 16-lane vector per row and a 4+4-lane one per
// two rows, 30 pipe slots per k for 12 rows (a 4-lane vector per row took 36, 83% of peak).
#include "kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))

/// Columns k0..k0+15 of `row`, decoded to float32 exactly as VectorCodec.decode does (half ->
/// float is exact; int8 is one rounding of code * scale); columns past d are zero.
TARGET static inline __m512 load_row(const void *vectors, cmaxsim_format format, const float *scales, long row,
                                     int d, int k0, __mmask16 columns) {
    long at = row * d + k0;
    switch (format) {
    case CMAXSIM_FLOAT16:
        return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(columns, (const uint16_t *)vectors + at));
    case CMAXSIM_INT8: {
        __m128i b = _mm_maskz_loadu_epi8(columns, (const int8_t *)vectors + at);
        return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(b)), _mm512_set1_ps(scales[row]));
    }
    default: return _mm512_maskz_loadu_ps(columns, (const float *)vectors + at);
    }
}

/// Decodes rows j0..j0+rows-1 into `out` (R rows of d floats) and fills the rest of the R rows
/// with copies of the last one: a repeated row cannot change a max, so a short block needs no
/// padding values and no masks.
TARGET static void decode_block(const void *vectors, cmaxsim_format format, const float *scales, long j0, int rows,
                                int R, int d, float *out) {
    for (int r = 0; r < R; r++) {
        long row = j0 + (r < rows ? r : rows - 1);
        for (int k0 = 0; k0 < d; k0 += 16) {
            int width = d - k0 < 16 ? d - k0 : 16;
            __mmask16 columns = (__mmask16)((1u << width) - 1);
            _mm512_mask_storeu_ps(out + (long)r * d + k0, columns, load_row(vectors, format, scales, row, d, k0, columns));
        }
    }
}

/// acc += q * (*v broadcast), the broadcast folded into the multiply-add's memory operand. Written
/// out because, given intrinsics, clang broadcasts *v once into a 512-bit register and narrows it
/// for the 4- and 8-lane vectors: a shuffle per row and k that made m = 20 run at half speed.
#define FMADD_BROADCAST(lanes, acc, q, v) \
    __asm__("vfmadd231ps %[m]%{" lanes "%}, %[b], %[a]" : [a] "+v"(acc) : [b] "v"(q), [m] "m"(*(v)))

/// Rows r and r+1 of a block, columns k..k+3: [row r | row r+1] in one 256-bit register.
TARGET static inline __m256 load_pair(const float *v, int d) {
    return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(v)), _mm_loadu_ps(v + d), 1);
}

/// Column t of a load_pair: [row r value x4 | row r+1 value x4] (t constant after unrolling).
TARGET static inline __attribute__((always_inline)) __m256 pair_column(__m256 pair, int t) {
    switch (t) {
    case 0: return _mm256_permute_ps(pair, 0x00);
    case 1: return _mm256_permute_ps(pair, 0x55);
    case 2: return _mm256_permute_ps(pair, 0xAA);
    default: return _mm256_permute_ps(pair, 0xFF);
    }
}

/// Multiply-adds of column k (q: its QT row) into the 16- and 8-lane accumulators of every row.
#define WIDE_STEP(Z, Y, R, q, k)                                                                           \
    do {                                                                                                   \
        __m512 q0 = _mm512_setzero_ps(), q1 = _mm512_setzero_ps();                                         \
        __m256 qy = _mm256_setzero_ps();                                                                   \
        if (Z > 0) q0 = _mm512_loadu_ps(q);                                                                \
        if (Z > 1) q1 = _mm512_loadu_ps((q) + 16);                                                         \
        if (Y) qy = _mm256_loadu_ps((q) + 16 * Z);                                                         \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                   \
            const float *v = rows + (long)r * d + (k);                                                     \
            if (Z > 0) az[r][0] = _mm512_fmadd_ps(_mm512_set1_ps(*v), q0, az[r][0]);                       \
            if (Z > 1) az[r][1] = _mm512_fmadd_ps(_mm512_set1_ps(*v), q1, az[r][1]);                       \
            if (Y) FMADD_BROADCAST("1to8", ay[r], qy, v);                                                  \
        }                                                                                                  \
    } while (0)

/// One register tile: R rows (R even) x (Z 16-lane + Y 8-lane + X 4-lane) query lanes. The 4-lane
/// part is done for two rows at once: ax[p] holds rows 2p and 2p+1 side by side, each half
/// against the same 4 query lanes, so one 256-bit multiply-add (one pipe slot, like a 128-bit
/// one) does the work of two. Its row values come four columns at a time from load_pair and are
/// spread across each half by an in-lane permute.
///
/// `next` is the next block's storage (what decode_block reads, for a block not multiplied in
/// place). R of its cache lines are prefetched every 16 k, in address order: R rows of float32
/// are R lines per 16 columns, so by the end of the tile the whole next block is on its way (a
/// narrower format's prefetch runs on into the block after). A line per row every 16 k instead
/// (R streams a row apart) left a corpus in memory bound by it: 40% slower at m = 20, twice as
/// slow at m = 4.
#define DEFINE_KERNEL(Z, Y, X, R)                                                                          \
    TARGET static void kernel_##Z##Y##X(const float *qt, int lanes, int d, const float *rows, const char *next, \
                                         float *best) {                                                    \
        _Static_assert(R % 2 == 0, "rows are paired");                                                     \
        __m512 az[R][2];                                                                                   \
        __m256 ay[R];                                                                                      \
        __m256 ax[R / 2];                                                                                  \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                   \
            az[r][0] = az[r][1] = _mm512_setzero_ps();                                                     \
            ay[r] = _mm256_setzero_ps();                                                                   \
            if (r % 2 == 0) ax[r / 2] = _mm256_setzero_ps();                                               \
        }                                                                                                  \
        const int xl = 16 * Z + 8 * Y; /* first 4-lane query lane */                                       \
        for (int k0 = 0; k0 < d; k0 += 16) {                                                               \
            const char *lines = next + (long)(k0 / 16) * R * 64;                                           \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) _mm_prefetch(lines + r * 64, _MM_HINT_T0); \
            int end = d - k0 < 16 ? d : k0 + 16;                                                           \
            int k = k0;                                                                                    \
            for (; X && k + 4 <= end; k += 4) {                                                            \
                __m256 pair[R / 2];                                                                        \
                if (X) {                                                                                   \
                    _Pragma("clang loop unroll(full)") for (int p = 0; p < R / 2; p++)                     \
                        pair[p] = load_pair(rows + (long)(2 * p) * d + k, d);                              \
                }                                                                                          \
                _Pragma("clang loop unroll(full)") for (int t = 0; t < 4; t++) {                           \
                    const float *q = qt + (long)(k + t) * lanes;                                           \
                    WIDE_STEP(Z, Y, R, q, k + t);                                                          \
                    if (X) {                                                                               \
                        __m256 qx = _mm256_broadcast_ps((const __m128 *)(q + xl));                         \
                        _Pragma("clang loop unroll(full)") for (int p = 0; p < R / 2; p++)                 \
                            ax[p] = _mm256_fmadd_ps(pair_column(pair[p], t), qx, ax[p]);                   \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
            for (; k < end; k++) { /* without X every column, else the last d % 4 */                       \
                const float *q = qt + (long)k * lanes;                                                     \
                WIDE_STEP(Z, Y, R, q, k);                                                                  \
                if (X) {                                                                                   \
                    __m256 qx = _mm256_broadcast_ps((const __m128 *)(q + xl));                             \
                    _Pragma("clang loop unroll(full)") for (int p = 0; p < R / 2; p++) {                   \
                        const float *v = rows + (long)(2 * p) * d + k;                                     \
                        __m256 column = _mm256_set_m128(_mm_set1_ps(v[d]), _mm_set1_ps(v[0]));             \
                        ax[p] = _mm256_fmadd_ps(column, qx, ax[p]);                                        \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
        if (Z > 0) {                                                                                       \
            __m512 m0 = _mm512_loadu_ps(best);                                                             \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) m0 = _mm512_max_ps(m0, az[r][0]); \
            _mm512_storeu_ps(best, m0);                                                                    \
        }                                                                                                  \
        if (Z > 1) {                                                                                       \
            __m512 m1 = _mm512_loadu_ps(best + 16);                                                        \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) m1 = _mm512_max_ps(m1, az[r][1]); \
            _mm512_storeu_ps(best + 16, m1);                                                               \
        }                                                                                                  \
        if (Y) {                                                                                           \
            __m256 my = _mm256_loadu_ps(best + 16 * Z);                                                    \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) my = _mm256_max_ps(my, ay[r]);  \
            _mm256_storeu_ps(best + 16 * Z, my);                                                           \
        }                                                                                                  \
        if (X) { /* rows in order, as one row per accumulator would: max is exact but not symmetric */     \
            __m128 mx = _mm_loadu_ps(best + xl);                                                           \
            _Pragma("clang loop unroll(full)") for (int p = 0; p < R / 2; p++) {                           \
                mx = _mm_max_ps(mx, _mm256_castps256_ps128(ax[p]));                                        \
                mx = _mm_max_ps(mx, _mm256_extractf128_ps(ax[p], 1));                                      \
            }                                                                                              \
            _mm_storeu_ps(best + xl, mx);                                                                  \
        }                                                                                                  \
    }

// Rows per tile: as many as keep accumulators and row pairs within 24 of the 32 registers, at most 12.
DEFINE_KERNEL(2, 0, 0, 12)
DEFINE_KERNEL(1, 1, 1, 8)
DEFINE_KERNEL(1, 1, 0, 12)
DEFINE_KERNEL(1, 0, 1, 12)
DEFINE_KERNEL(1, 0, 0, 12)
DEFINE_KERNEL(0, 1, 1, 12)
DEFINE_KERNEL(0, 1, 0, 12)
DEFINE_KERNEL(0, 0, 1, 12)

typedef void (*kernel_fn)(const float *, int, int, const float *, const char *, float *);
typedef struct {
    kernel_fn run;
    int rows, width;
} shape;

/// The tile for the last `rest` lanes (1..7 vectors of 4), and the 32-lane tile for all others.
static const shape tails[8] = {
    {0, 0, 0},           {kernel_001, 12, 4},  {kernel_010, 12, 8},  {kernel_011, 12, 12},
    {kernel_100, 12, 16}, {kernel_101, 12, 20}, {kernel_110, 12, 24}, {kernel_111, 8, 28},
};
static const shape wide = {kernel_200, 12, 32};

/// Every block of the document through one tile shape, for lanes l0..l0+width-1.
TARGET static void run_pass(shape s, int l0, int lanes, int d, const void *vectors, cmaxsim_format format,
                            const float *scales, long n, const float *qt, float *best, float *block) {
    int element = format == CMAXSIM_FLOAT32 ? 4 : format == CMAXSIM_FLOAT16 ? 2 : 1;
    long row_bytes = (long)d * element;
    for (long j0 = 0; j0 < n; j0 += s.rows) {
        int rows = n - j0 < s.rows ? (int)(n - j0) : s.rows;
        const float *tile = block;
        if (format == CMAXSIM_FLOAT32 && rows == s.rows)
            tile = (const float *)vectors + j0 * d; // float32 is multiplied in place
        else
            decode_block(vectors, format, scales, j0, rows, s.rows, d, block);
        long ahead = j0 + s.rows < n ? j0 + s.rows : j0;
        s.run(qt + l0, lanes, d, tile, (const char *)vectors + ahead * row_bytes, best + l0);
    }
}

TARGET float cmaxsim_score_avx512(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                                  float *scratch) {
    int lanes = cmaxsim_lanes(m);
    float *best = cmaxsim_best(scratch, m, d), *block = cmaxsim_block(scratch, m, d);
    for (int i = 0; i < lanes; i++) best[i] = -__builtin_inff();
    int l0 = 0;
    for (; lanes - l0 > 28; l0 += 32) run_pass(wide, l0, lanes, d, vectors, format, scales, n, scratch, best, block);
    if (lanes > l0) run_pass(tails[(lanes - l0) / 4], l0, lanes, d, vectors, format, scales, n, scratch, best, block);
    float sum = 0;
    for (int i = 0; i < m; i++) sum += best[i];
    return sum;
}

#define HTARGET __attribute__((target("avx512f,avx512vpopcntdq,avx512dq,popcnt")))

/// 128-d signs (two words per vector): 8 document vectors per register, their words split into
/// W0/W1 once per block, then per query vector two XORs, two VPOPCNTQs, an add and a running
/// min. Rows past the end are masked out of the min.
HTARGET static int64_t hamming2_avx512(const uint64_t *q, int m, const uint64_t *signs, long n) {
    const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
    int64_t total = 0;
    for (int i0 = 0; i0 < m; i0 += 8) {
        int G = m - i0 < 8 ? m - i0 : 8;
        __m512i mins[8];
        for (int g = 0; g < 8; g++) mins[g] = _mm512_set1_epi64(INT64_MAX);
        for (long j0 = 0; j0 < n; j0 += 8) {
            int rows = n - j0 < 8 ? (int)(n - j0) : 8;
            __mmask8 valid = (__mmask8)((1u << rows) - 1);
            __mmask8 lo = rows >= 4 ? 0xFF : (__mmask8)((1u << (2 * rows)) - 1);
            __mmask8 hi = rows <= 4 ? 0 : (__mmask8)((1u << (2 * (rows - 4))) - 1);
            __m512i a = _mm512_maskz_loadu_epi64(lo, signs + 2 * j0);
            __m512i b = _mm512_maskz_loadu_epi64(hi, signs + 2 * j0 + 8);
            __m512i w0 = _mm512_permutex2var_epi64(a, even, b), w1 = _mm512_permutex2var_epi64(a, odd, b);
            for (int g = 0; g < 8; g++) {
                if (g >= G) break;
                const uint64_t *qi = q + 2 * (i0 + g);
                __m512i c = _mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(w0, _mm512_set1_epi64((long long)qi[0]))),
                                             _mm512_popcnt_epi64(_mm512_xor_si512(w1, _mm512_set1_epi64((long long)qi[1]))));
                mins[g] = _mm512_mask_min_epu64(mins[g], valid, mins[g], c);
            }
        }
        for (int g = 0; g < G; g++) total += (int64_t)_mm512_reduce_min_epu64(mins[g]);
    }
    return total;
}

int64_t cmaxsim_hamming_avx512(const uint64_t *q, int m, int words, const uint64_t *signs, long n) {
    if (words == 2) return hamming2_avx512(q, m, signs, n);
    return cmaxsim_hamming_portable(q, m, words, signs, n);
}

#endif
