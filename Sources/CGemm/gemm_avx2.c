// The AVX2 register tile: 6 rows of `a` times one 16-column half of a 32-column panel, 12
// accumulators.
//
// AVX2 has 16 vector registers of 8 floats. For each k, the half panel's row is two vector loads
// and each of the R rows contributes one broadcast and two fused multiply-adds: 2R accumulators,
// 2 weights and 1 broadcast, so R = 6 is the tallest tile that fits (15 registers). Its 12
// independent chains cover the FMA latency (two pipes of 4-5 cycles: 8-10 FMAs in flight), its 8
// loads per 12 FMAs stay within two load ports, and it reads the fewest weight bytes per flop of
// the shapes that fit. The others lose: 3 rows x the whole panel needs 4 weight registers (17 in
// all) or a weight load per FMA, 12 rows x 8 columns needs 12 broadcasts per 12 FMAs (over two
// load ports), and 4 x 24 would straddle the panels. The packed layout is read as it is, a panel
// as two 16-column halves, each half its own 64-byte line per k.
//
// There is no k blocking: the accumulators stay in registers for the whole row, which keeps every
// element a single in-order chain of fused multiply-adds from 0, the bits of the AVX-512 tile and
// of the portable loop. Without k blocking, nothing but a tile's 6 rows of `a` fits in L1 once k is
// past a few hundred, so the walk below is about keeping L2 fed: rows in L2-sized chunks, the next
// half panel prefetched into L2 while the current one is in use.
#include "CGemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))

enum {
    ROWS = 6,                    // rows per tile
    HALF = CGEMM_PANEL / 2,      // columns per tile
    UNROLL = 4,                  // k steps per loop iteration
    PREFETCH_STEPS = 16,         // how far ahead the weights are fetched into L1, in k steps
    CHUNK_BYTES = 256 * 1024,    // the slice of `a` kept in L2 while every panel passes over it
    PAIR_BYTES = 24 * 1024,      // largest 6-row slice of `a` (6 x k floats) walked past both halves
};

/// What a row of sums gets added when it is stored, and which of its lanes are columns: one half
/// panel's worth.
typedef struct {
    __m256 bias0, bias1;
    __m256i mask0, mask1;
    int full, has_bias, accumulate;
} epilogue;

/// Stores one accumulator row as `sum + bias`, `sum + (old + bias)`, `sum + old` or `sum`: the
/// very additions, in the same order, as the AVX-512 tile's store_row. Masked loads and stores
/// only for the last, partial half of a range.
TARGET static inline void store_row(float *c, __m256 acc0, __m256 acc1, const epilogue *e) {
    if (e->accumulate) {
        __m256 old0 = e->full ? _mm256_loadu_ps(c) : _mm256_maskload_ps(c, e->mask0);
        __m256 old1 = e->full ? _mm256_loadu_ps(c + 8) : _mm256_maskload_ps(c + 8, e->mask1);
        if (e->has_bias) {
            old0 = _mm256_add_ps(old0, e->bias0);
            old1 = _mm256_add_ps(old1, e->bias1);
        }
        acc0 = _mm256_add_ps(acc0, old0);
        acc1 = _mm256_add_ps(acc1, old1);
    } else if (e->has_bias) {
        acc0 = _mm256_add_ps(acc0, e->bias0);
        acc1 = _mm256_add_ps(acc1, e->bias1);
    }
    if (e->full) {
        _mm256_storeu_ps(c, acc0);
        _mm256_storeu_ps(c + 8, acc1);
    } else {
        _mm256_maskstore_ps(c, e->mask0, acc0);
        _mm256_maskstore_ps(c + 8, e->mask1, acc1);
    }
}

/// One k step of an R-row tile, with or without (PF) one line of the next half panel fetched into
/// L2 (hint T2: with T0 the lines also went into L1, evicting the ones in use, and k = 3072 ran
/// 12-28% slower on Zen 4). The weights are fetched into L1 PREFETCH_STEPS ahead: they come from
/// L2 on every step, and with the hardware prefetcher alone k = 3072 ran ~8% slower.
#define TILE_STEP(R, PF)                                                                                       \
    do {                                                                                                       \
        if (PF) _mm_prefetch((const char *)next, _MM_HINT_T2), next += CGEMM_PANEL;                            \
        _mm_prefetch((const char *)(w + PREFETCH_STEPS * CGEMM_PANEL), _MM_HINT_T0);                           \
        __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);                                             \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                       \
            __m256 x = _mm256_broadcast_ss(a + r * lda);                                                       \
            acc0[r] = _mm256_fmadd_ps(x, w0, acc0[r]);                                                         \
            acc1[r] = _mm256_fmadd_ps(x, w1, acc1[r]);                                                         \
        }                                                                                                      \
        a++, w += CGEMM_PANEL;                                                                                 \
    } while (0)

/// R rows of `a` (from column 0, `lda` apart) times the half panel at `w` (16 floats per k,
/// CGEMM_PANEL apart), stored through `e` at `c`. On the way, the first `next_lines` k steps each
/// fetch one line of `next` into L2: this tile's share of the half panel the walk reads next, so
/// that it is in L2, not L3, when its first tile starts. The steps are unrolled by UNROLL, in
/// order, for the loop overhead: about 24 instructions a step, what a 4-wide Intel core issues in
/// the 6 cycles its 12 FMAs take.
#define DEFINE_TILE(R)                                                                                         \
    TARGET static void tile_##R(int k, const float *a, long lda, const float *w, float *c, long ldc,           \
                                const epilogue *e, const float *next, int next_lines) {                        \
        __m256 acc0[R], acc1[R];                                                                               \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm256_setzero_ps(); \
        int p = 0, fetching = next_lines < k ? next_lines : k;                                                 \
        for (; p + UNROLL <= fetching; p += UNROLL)                                                            \
            _Pragma("clang loop unroll(full)") for (int u = 0; u < UNROLL; u++) TILE_STEP(R, 1);               \
        for (; p < fetching; p++) TILE_STEP(R, 1);                                                             \
        for (; p + UNROLL <= k; p += UNROLL)                                                                   \
            _Pragma("clang loop unroll(full)") for (int u = 0; u < UNROLL; u++) TILE_STEP(R, 0);               \
        for (; p < k; p++) TILE_STEP(R, 0);                                                                    \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) store_row(c + r * ldc, acc0[r], acc1[r], e); \
    }

DEFINE_TILE(1)
DEFINE_TILE(2)
DEFINE_TILE(3)
DEFINE_TILE(4)
DEFINE_TILE(5)
DEFINE_TILE(6)

typedef void (*tile_fn)(int, const float *, long, const float *, float *, long, const epilogue *, const float *,
                        int);
static const tile_fn tiles[ROWS + 1] = {0, tile_1, tile_2, tile_3, tile_4, tile_5, tile_6};

/// The calling thread's buffer for a padded copy of a chunk of `a`, grown as needed and kept:
/// a fresh allocation of this size per call would be an mmap and page faults every time. NULL
/// when out of memory.
static float *copy_buffer(size_t count) {
    static __thread float *buffer;
    static __thread size_t capacity;
    if (count > capacity) {
        free(buffer);
        buffer = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
        capacity = buffer ? count : 0;
    }
    return buffer;
}

/// All ones in the first `count` (clamped to 0..8) of 8 lanes.
TARGET static inline __m256i first_lanes(int count) {
    count = count < 0 ? 0 : count > 8 ? 8 : count;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// The epilogue of the half panel `j` columns into the output range, of which `width` (maybe
/// more than 16, maybe 16 or fewer) columns are real.
TARGET static epilogue half_epilogue(int j, int width, int column0, int accumulate, const float *bias) {
    epilogue e = {.full = width >= HALF, .has_bias = bias != 0, .accumulate = accumulate};
    e.mask0 = first_lanes(width);
    e.mask1 = first_lanes(width - 8);
    e.bias0 = bias ? _mm256_maskload_ps(bias + column0 + j, e.mask0) : _mm256_setzero_ps();
    e.bias1 = bias ? _mm256_maskload_ps(bias + column0 + j + 8, e.mask1) : _mm256_setzero_ps();
    return e;
}

/// The k lines of the half panel `next` shared out among `tiles` tiles: tile `t`'s first line.
static inline long share_start(long t, long tiles, int k) { return t * k / tiles; }

TARGET void cgemm_multiply_avx2(int m, int k, int n, const float *a, long lda, const float *packed, int column0,
                                int columns, float *c, long ldc, int accumulate, const float *bias) {
    (void)n;
    if (m <= 0 || columns <= 0) return;
    // Rows in chunks whose slice of `a` stays in L2 while every panel passes over it: each panel
    // is then read from L3 or memory once per chunk. 256 KB is the L2 of Intel's AVX2 cores; on
    // Zen 4 (1 MB) 128 to 768 KB all measured the same within noise. A last chunk of less than
    // half a chunk joins the one before: on its own it would stream every weight for a few rows.
    long chunk = CHUNK_BYTES / (long)sizeof(float) / (k > 0 ? k : 1);
    chunk = chunk < ROWS ? ROWS : chunk - chunk % ROWS;
    // When a tile's 6 rows of `a` fit in L1 beside the weights, each row tile takes both halves of
    // a panel in turn and reads its rows from L1 the second time. Past that (k > 1024), the half
    // panel outer and the row tiles inner: k = 1536 and 3072 measured faster that way.
    int pair = (long)ROWS * k * (long)sizeof(float) <= PAIR_BYTES;
    // When rows are a multiple of 2 KB apart (k = 512, 1024, 2048, 3072: BERT-base and ViT-B MLPs)
    // the tile's 6 rows fall into one or two L1 sets and evict each other. A copy with rows 64
    // bytes longer spreads them; it costs one pass over the chunk per call.
    int pad = lda % 512 == 0;
    long stride = pad ? k + 16 : lda;
    float *copy = pad ? copy_buffer((size_t)(chunk + chunk / 2) * stride) : 0;
    if (pad && !copy) pad = 0, stride = lda; // out of memory: slower, still right
    for (long i0 = 0, i1; i0 < m; i0 = i1) {
        i1 = m - (i0 + chunk) < chunk / 2 ? m : i0 + chunk;
        const float *rows_a = a + i0 * lda;
        if (pad) {
            for (long i = i0; i < i1; i++) memcpy(copy + (i - i0) * stride, a + i * lda, (size_t)k * sizeof(float));
            rows_a = copy;
        }
        long ntiles = (i1 - i0 + ROWS - 1) / ROWS;
        for (int j = 0; j < columns; j += CGEMM_PANEL) {
            const float *panel = packed + (long)(column0 + j) * k;
            int width = columns - j;
            // The panel after this one: the next in the range, or the first for the next chunk.
            const float *next_panel = j + CGEMM_PANEL < columns ? panel + (long)CGEMM_PANEL * k
                                      : i1 < m                  ? packed + (long)column0 * k
                                                                : 0;
            epilogue e[2] = {half_epilogue(j, width, column0, accumulate, bias),
                             half_epilogue(j + HALF, width - HALF, column0, accumulate, bias)};
            int halves = width > HALF ? 2 : 1;
            if (pair) {
                // Each tile fetches its share of both halves of the next panel.
                for (long t = 0; t < ntiles; t++) {
                    long i = i0 + t * ROWS, l0 = share_start(t, ntiles, k), l1 = share_start(t + 1, ntiles, k);
                    int rows = i1 - i < ROWS ? (int)(i1 - i) : ROWS;
                    for (int h = 0; h < halves; h++)
                        tiles[rows](k, rows_a + (i - i0) * stride, stride, panel + h * HALF,
                                    c + i * ldc + j + h * HALF, ldc, &e[h],
                                    next_panel ? next_panel + l0 * CGEMM_PANEL + h * HALF : 0,
                                    next_panel ? (int)(l1 - l0) : 0);
                }
            } else {
                for (int h = 0; h < halves; h++) {
                    // The half read after this one: the panel's second, or the next panel's first.
                    const float *next = h + 1 < halves ? panel + HALF : next_panel;
                    for (long t = 0; t < ntiles; t++) {
                        long i = i0 + t * ROWS, l0 = share_start(t, ntiles, k), l1 = share_start(t + 1, ntiles, k);
                        int rows = i1 - i < ROWS ? (int)(i1 - i) : ROWS;
                        tiles[rows](k, rows_a + (i - i0) * stride, stride, panel + h * HALF,
                                    c + i * ldc + j + h * HALF, ldc, &e[h], next ? next + l0 * CGEMM_PANEL : 0,
                                    next ? (int)(l1 - l0) : 0);
                    }
                }
            }
        }
    }
}

#endif
