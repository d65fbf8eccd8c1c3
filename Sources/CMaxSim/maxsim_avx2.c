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

/// Hamming pass for 1, 2 or 4 sign words per vector (64-, 128-, 256-d). AVX2 has no VPOPCNTQ,
/// so bits are counted with the nibble table: VPSHUFB looks up the popcount of each 4-bit
/// nibble, byte adds sum a vector's nibbles, VPSADBW folds the 8 bytes of each 64-bit lane
/// into its distance. The shape, and why:
///  - 4 document vectors per register, one register per sign word (W_k = word k of the 4
///    vectors, as the AVX-512 kernel splits W0/W1), so each lane holds one whole vector and one
///    VPSADBW gives 4 finished distances; no cross-lane adds per query vector.
///  - The block's words are split into low and high nibbles once and reused for G <= 8 query
///    vectors (their nibbles broadcast once per call), so per query vector and block there are
///    2W XOR + 2W VPSHUFB + (2W-2) byte adds + VPSADBW + a min: about 3 ops per distance,
///    against ~7 scalar ones (XOR, POPCNT, add, compare, select per word), and the loads,
///    unpacks and nibble masks are paid once per G.
///  - Distances are <= 256 and each byte sums at most 2W nibble counts (<= 32), so nothing
///    overflows; the running minima stay in the low 32 bits of each lane, so VPMINUD (AVX2 has
///    no unsigned 64-bit min) keeps them exactly.
///  - n % 4 leftover vectors are padded with copies of the last one (a repeated vector cannot
///    change a minimum). n <= 0 and other widths take the scalar loop, so every input returns
///    exactly what cmaxsim_hamming_portable does.
///  - For 2 words and n >= HT_MIN_N, hamming2_transposed below does better (fewer ops per
///    distance); this kernel serves 1 and 4 words and short 128-d documents.
TARGET static inline __attribute__((always_inline)) void hamming_block_words(const uint64_t *p, int W, __m256i w[4]) {
    if (W == 1) {
        w[0] = _mm256_loadu_si256((const __m256i *)p);
    } else if (W == 2) {
        // a = v0w0 v0w1 v1w0 v1w1, b = v2w0 v2w1 v3w0 v3w1 -> W0 = v0 v2 v1 v3 word 0, W1 the same for word 1.
        __m256i a = _mm256_loadu_si256((const __m256i *)p), b = _mm256_loadu_si256((const __m256i *)(p + 4));
        w[0] = _mm256_unpacklo_epi64(a, b);
        w[1] = _mm256_unpackhi_epi64(a, b);
    } else {
        // 4x4 transpose of 64-bit words: r_v = vector v's words, W_k = word k of vectors 0..3.
        __m256i r0 = _mm256_loadu_si256((const __m256i *)p), r1 = _mm256_loadu_si256((const __m256i *)(p + 4));
        __m256i r2 = _mm256_loadu_si256((const __m256i *)(p + 8)), r3 = _mm256_loadu_si256((const __m256i *)(p + 12));
        __m256i t0 = _mm256_unpacklo_epi64(r0, r1), t1 = _mm256_unpackhi_epi64(r0, r1);
        __m256i t2 = _mm256_unpacklo_epi64(r2, r3), t3 = _mm256_unpackhi_epi64(r2, r3);
        w[0] = _mm256_permute2x128_si256(t0, t2, 0x20);
        w[1] = _mm256_permute2x128_si256(t1, t3, 0x20);
        w[2] = _mm256_permute2x128_si256(t0, t2, 0x31);
        w[3] = _mm256_permute2x128_si256(t1, t3, 0x31);
    }
}

/// One block of 4 document vectors (p: 4 * W words) against G query vectors' nibbles qn.
TARGET static inline __attribute__((always_inline)) void hamming_block(const uint64_t *p, int W, int G,
                                                                       const __m256i *qn, __m256i *mins) {
    // up = 4 + popcount(nibble), down = 4 - popcount(nibble): summed over the W words, up - down is
    // each byte's popcount and never negative, so VPSADBW(up, down) = sum |up - down| is the
    // distance with no separate byte add for the high nibbles.
    const __m256i up = _mm256_setr_epi8(4, 5, 5, 6, 5, 6, 6, 7, 5, 6, 6, 7, 6, 7, 7, 8,
                                        4, 5, 5, 6, 5, 6, 6, 7, 5, 6, 6, 7, 6, 7, 7, 8);
    const __m256i down = _mm256_setr_epi8(4, 3, 3, 2, 3, 2, 2, 1, 3, 2, 2, 1, 2, 1, 1, 0,
                                          4, 3, 3, 2, 3, 2, 2, 1, 3, 2, 2, 1, 2, 1, 1, 0);
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256i w[4], lo[4], hi[4];
    hamming_block_words(p, W, w);
    for (int k = 0; k < W; k++) {
        lo[k] = _mm256_and_si256(w[k], low);
        hi[k] = _mm256_and_si256(_mm256_srli_epi64(w[k], 4), low);
    }
    for (int g = 0; g < G; g++) {
        const __m256i *qg = qn + 2 * W * g;
        __m256i a = _mm256_shuffle_epi8(up, _mm256_xor_si256(lo[0], qg[0]));
        __m256i b = _mm256_shuffle_epi8(down, _mm256_xor_si256(hi[0], qg[1]));
        for (int k = 1; k < W; k++) {
            a = _mm256_add_epi8(a, _mm256_shuffle_epi8(up, _mm256_xor_si256(lo[k], qg[2 * k])));
            b = _mm256_add_epi8(b, _mm256_shuffle_epi8(down, _mm256_xor_si256(hi[k], qg[2 * k + 1])));
        }
        mins[g] = _mm256_min_epu32(mins[g], _mm256_sad_epu8(a, b));
    }
}

/// Sum of minima for query vectors q[0..G) (W words each) over n >= 1 document vectors.
TARGET static inline __attribute__((always_inline)) int64_t hamming_group(const uint64_t *q, int W, int G,
                                                                          const uint64_t *signs, long n) {
    __m256i qn[8 * 2 * 4], mins[8];
    for (int g = 0; g < G; g++) {
        for (int k = 0; k < W; k++) {
            uint64_t x = q[(long)g * W + k];
            qn[2 * W * g + 2 * k] = _mm256_set1_epi64x((long long)(x & 0x0F0F0F0F0F0F0F0FULL));
            qn[2 * W * g + 2 * k + 1] = _mm256_set1_epi64x((long long)((x >> 4) & 0x0F0F0F0F0F0F0F0FULL));
        }
        mins[g] = _mm256_set1_epi32(-1);
    }
    long j = 0;
    for (; j + 4 <= n; j += 4) hamming_block(signs + j * W, W, G, qn, mins);
    if (j < n) {
        uint64_t pad[16];
        for (int r = 0; r < 4; r++) {
            long row = j + r < n ? j + r : n - 1;
            for (int k = 0; k < W; k++) pad[r * W + k] = signs[row * W + k];
        }
        hamming_block(pad, W, G, qn, mins);
    }
    int64_t total = 0;
    for (int g = 0; g < G; g++) {
        __m128i m2 = _mm_min_epu32(_mm256_castsi256_si128(mins[g]), _mm256_extracti128_si256(mins[g], 1));
        total += (int64_t)(uint32_t)_mm_cvtsi128_si32(_mm_min_epu32(m2, _mm_unpackhi_epi64(m2, m2)));
    }
    return total;
}

/// All m query vectors, G_MAX at a time (each group a specialised copy: W and G constant).
#define HAMMING_WORDS(W, GMAX)                                                                                       \
    TARGET static int64_t hamming##W##_avx2(const uint64_t *q, int m, const uint64_t *signs, long n) {              \
        int64_t total = 0;                                                                                           \
        int i = 0;                                                                                                   \
        for (; m - i >= GMAX; i += GMAX) total += hamming_group(q + (long)i * W, W, GMAX, signs, n);                 \
        switch (m - i) {                                                                                             \
        case 1: total += hamming_group(q + (long)i * W, W, 1, signs, n); break;                                     \
        case 2: total += hamming_group(q + (long)i * W, W, 2, signs, n); break;                                     \
        case 3: total += hamming_group(q + (long)i * W, W, 3, signs, n); break;                                     \
        case 4: total += hamming_group(q + (long)i * W, W, 4, signs, n); break;                                     \
        case 5: total += hamming_group(q + (long)i * W, W, 5, signs, n); break;                                     \
        case 6: total += hamming_group(q + (long)i * W, W, 6, signs, n); break;                                     \
        case 7: total += hamming_group(q + (long)i * W, W, 7, signs, n); break;                                     \
        default: break;                                                                                              \
        }                                                                                                            \
        return total;                                                                                                \
    }
HAMMING_WORDS(1, 8)
HAMMING_WORDS(2, 8)
HAMMING_WORDS(4, 4)

/// 128-d signs, many document vectors: the per-distance cost above is ~3 vector ops, a third
/// of them the XORs with the query. Transposing 32 document vectors so that each register
/// holds ONE nibble position of all 32 (byte b of vectors 0,2,..,30 in the low lane and
/// 1,3,..,31 in the high lane, split into low/high nibbles) lets the query be folded into the
/// table instead: for query vector i and nibble position p, T[i][p][x] = popcount(x ^ q_i[p]),
/// so each position costs one VPSHUFB (table, document nibbles) and one byte add for 32
/// distances (bytes sum 32 counts of <= 4, <= 128: no overflow), and the running minimum is a
/// byte VPMINUB. The transpose (4 unpack stages) is paid once per 32 vectors and shared by all
/// query vectors. About 2 ops per distance instead of 3: 4.2-4.5 us against 5.5 us for
/// m = 20, n = 1030 on Zen 4.
///
/// Query vectors per pass (their tables, 16 KB, stay in L1), and the tile: HT_R query vectors x
/// HT_B blocks of 32 document vectors per inner loop (9 accumulators; 3 x 3 measured fastest
/// of 2x4, 2x5, 3x3, 4x1, 4x2, 8x1 on Zen 4). Below HT_MIN_N document vectors the tables and
/// the 32-vector padding cost more than they save (measured crossover ~64 at m = 20), so
/// shorter documents take the 4-vector kernel.
enum { HT_QUERIES = 32 };
#define HT_R 3 /* hamming2_super's switch covers remainders 1..HT_R-1 */
#define HT_B 3 /* hamming2_transposed's switch covers B = 1..HT_B */
#define HT_MIN_N 64

/// Document vectors p[0..32) (2 words each) transposed to 32 nibble registers: buf[2b] low and
/// buf[2b+1] high nibbles of byte b.
TARGET static inline __attribute__((always_inline)) void hamming2_transpose(const uint64_t *p, __m256i *buf) {
    __m256i r[16], t[16];
    for (int k = 0; k < 16; k++) r[k] = _mm256_loadu_si256((const __m256i *)(p + 4 * k));
    // Stage 1: rows (2k, 2k+1) interleaved; t[2k] bytes 0..7, t[2k+1] bytes 8..15 (16-bit elements).
    for (int k = 0; k < 8; k++) {
        t[2 * k] = _mm256_unpacklo_epi8(r[2 * k], r[2 * k + 1]);
        t[2 * k + 1] = _mm256_unpackhi_epi8(r[2 * k], r[2 * k + 1]);
    }
    // Stage 2: rows 4s..4s+3, r[4s + 2h + qq] holds bytes 8h + 4qq + (0..3) (32-bit elements).
    for (int s = 0; s < 4; s++)
        for (int h = 0; h < 2; h++) {
            r[4 * s + 2 * h] = _mm256_unpacklo_epi16(t[2 * (2 * s) + h], t[2 * (2 * s + 1) + h]);
            r[4 * s + 2 * h + 1] = _mm256_unpackhi_epi16(t[2 * (2 * s) + h], t[2 * (2 * s + 1) + h]);
        }
    // Stage 3: rows 8u..8u+7, t[8u + 4h + 2qq + ee] holds bytes 8h + 4qq + 2ee + (0..1) (64-bit elements).
    for (int u = 0; u < 2; u++)
        for (int hq = 0; hq < 4; hq++) {
            t[8 * u + 2 * hq] = _mm256_unpacklo_epi32(r[4 * (2 * u) + hq], r[4 * (2 * u + 1) + hq]);
            t[8 * u + 2 * hq + 1] = _mm256_unpackhi_epi32(r[4 * (2 * u) + hq], r[4 * (2 * u + 1) + hq]);
        }
    // Stage 4: all 16 rows; byte 2e (e = 4h + 2qq + ee) from the low halves, 2e + 1 from the high.
    const __m256i low = _mm256_set1_epi8(0x0F);
    for (int e = 0; e < 8; e++) {
        __m256i b0 = _mm256_unpacklo_epi64(t[e], t[8 + e]), b1 = _mm256_unpackhi_epi64(t[e], t[8 + e]);
        buf[4 * e] = _mm256_and_si256(b0, low);
        buf[4 * e + 1] = _mm256_and_si256(_mm256_srli_epi16(b0, 4), low);
        buf[4 * e + 2] = _mm256_and_si256(b1, low);
        buf[4 * e + 3] = _mm256_and_si256(_mm256_srli_epi16(b1, 4), low);
    }
}

/// R query vectors' tables (lut: 32 positions of 16 bytes each per vector) against B transposed
/// blocks (buf: 32 registers each): mins[r] = bytewise min with the R x B x 32 new distances.
/// Each table register serves B blocks and each block register R tables, so a position costs
/// R + B loads for R * B shuffles.
TARGET static inline __attribute__((always_inline)) void hamming2_tile(const __m256i *buf, const __m128i *lut, int R,
                                                                       int B, __m256i *mins) {
    __m256i acc[HT_R][HT_B];
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++) acc[r][b] = _mm256_setzero_si256();
    for (int pos = 0; pos < 32; pos++) {
        __m256i t[HT_R];
        for (int r = 0; r < R; r++) t[r] = _mm256_broadcastsi128_si256(_mm_load_si128(lut + 32 * r + pos));
        for (int b = 0; b < B; b++) {
            __m256i d = _mm256_load_si256(buf + 32 * b + pos);
            for (int r = 0; r < R; r++) acc[r][b] = _mm256_add_epi8(acc[r][b], _mm256_shuffle_epi8(t[r], d));
        }
    }
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++) mins[r] = _mm256_min_epu8(mins[r], acc[r][b]);
}

/// All query groups of one super-block of B transposed blocks.
TARGET static inline __attribute__((always_inline)) void hamming2_super(const __m256i *buf, const __m128i *lut, int G,
                                                                        int B, __m256i *mins) {
    int g = 0;
    for (; G - g >= HT_R; g += HT_R) hamming2_tile(buf, lut + 32 * g, HT_R, B, mins + g);
    switch (G - g) { // HT_R == 3
    case 1: hamming2_tile(buf, lut + 32 * g, 1, B, mins + g); break;
    case 2: hamming2_tile(buf, lut + 32 * g, 2, B, mins + g); break;
    default: break;
    }
}

TARGET static int64_t hamming2_transposed(const uint64_t *q, int m, const uint64_t *signs, long n) {
    __m128i lut[HT_QUERIES * 32];
    __m256i mins[HT_QUERIES], buf[32 * HT_B];
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i iota = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                          0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m256i low = _mm256_set1_epi8(0x0F);
    int64_t total = 0;
    for (int i0 = 0; i0 < m; i0 += HT_QUERIES) {
        int G = m - i0 < HT_QUERIES ? m - i0 : HT_QUERIES;
        for (int g = 0; g < G; g++) {
            // Low lane the 16 low nibbles of the query vector's bytes, high lane the high ones; one
            // VPSHUFB broadcasts byte b's pair, so each 256-bit store writes tables 2b and 2b + 1.
            __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(q + 2 * (long)(i0 + g))));
            __m256i nib = _mm256_and_si256(_mm256_blend_epi32(x, _mm256_srli_epi16(x, 4), 0xF0), low);
            for (int b = 0; b < 16; b++) {
                __m256i c = _mm256_shuffle_epi8(nib, _mm256_set1_epi8((char)b));
                _mm256_storeu_si256((__m256i *)(lut + 32 * g + 2 * b), _mm256_shuffle_epi8(table, _mm256_xor_si256(iota, c)));
            }
            mins[g] = _mm256_set1_epi8(-1);
        }
        for (long j = 0; j < n; j += 32 * HT_B) {
            int B = 0;
            for (; B < HT_B && j + 32 * B < n; B++) {
                long j0 = j + 32 * B;
                if (n - j0 >= 32) {
                    hamming2_transpose(signs + 2 * j0, buf + 32 * B);
                } else {
                    uint64_t pad[64];
                    for (int r = 0; r < 32; r++) {
                        long row = j0 + r < n ? j0 + r : n - 1;
                        pad[2 * r] = signs[2 * row];
                        pad[2 * r + 1] = signs[2 * row + 1];
                    }
                    hamming2_transpose(pad, buf + 32 * B);
                }
            }
            switch (B) { // HT_B == 3
            case 1: hamming2_super(buf, lut, G, 1, mins); break;
            case 2: hamming2_super(buf, lut, G, 2, mins); break;
            default: hamming2_super(buf, lut, G, HT_B, mins); break;
            }
        }
        for (int g = 0; g < G; g++) {
            __m128i v = _mm_min_epu8(_mm256_castsi256_si128(mins[g]), _mm256_extracti128_si256(mins[g], 1));
            v = _mm_min_epu8(v, _mm_srli_si128(v, 8));
            v = _mm_min_epu8(v, _mm_srli_si128(v, 4));
            v = _mm_min_epu8(v, _mm_srli_si128(v, 2));
            v = _mm_min_epu8(v, _mm_srli_si128(v, 1));
            total += (int64_t)(uint8_t)_mm_cvtsi128_si32(v);
        }
    }
    return total;
}

/// Words 1, 2 and 4 on the kernels above; other widths (and n <= 0) on the portable Hamming loop
/// with the POPCNT instruction (every AVX2 CPU has it).
TARGET int64_t cmaxsim_hamming_avx2(const uint64_t *q, int m, int words, const uint64_t *signs, long n) {
    if (n > 0) {
        switch (words) {
        case 1: return hamming1_avx2(q, m, signs, n);
        case 2: return n >= HT_MIN_N ? hamming2_transposed(q, m, signs, n) : hamming2_avx2(q, m, signs, n);
        case 4: return hamming4_avx2(q, m, signs, n);
        default: break;
        }
    }
    return cmaxsim_hamming_words(q, m, words, signs, n);
}

#endif
