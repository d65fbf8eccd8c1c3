// The AVX-512 register tile: R rows of `a` times one 32-column panel, 2R accumulators.
//
// For each k, the panel's row is two vector loads and each of the R rows contributes one
// broadcast and two fused multiply-adds. With R = 12 that is 24 independent accumulators (enough
// to hide the FMA latency on every x86 core with AVX-512) and 12 broadcasts per 24 FMAs, well
// within the load ports. There is no k blocking: the accumulators stay in registers for the
// whole row, which is what keeps every element a single in-order chain.
#include "CGemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512vl,avx512dq,fma")))

#include "epilogue_avx512.h"

#define DEFINE_TILE(R)                                                                                          \
    TARGET static void tile_##R(int k, const float *a, long lda, const float *panel, float *c, long ldc,        \
                                const epilogue *e) {                                                            \
        __m512 acc0[R], acc1[R];                                                                                \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps(); \
        for (int p = 0; p < k; p++) {                                                                           \
            __m512 w0 = _mm512_load_ps(panel + (long)p * CGEMM_PANEL);                                          \
            __m512 w1 = _mm512_load_ps(panel + (long)p * CGEMM_PANEL + 16);                                     \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                    \
                __m512 x = _mm512_set1_ps(a[r * lda + p]);                                                      \
                acc0[r] = _mm512_fmadd_ps(x, w0, acc0[r]);                                                      \
                acc1[r] = _mm512_fmadd_ps(x, w1, acc1[r]);                                                      \
            }                                                                                                   \
        }                                                                                                       \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) store_row(c + r * ldc, acc0[r], acc1[r], e); \
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

typedef void (*tile_fn)(int, const float *, long, const float *, float *, long, const epilogue *);
static const tile_fn tiles[13] = {0,       tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,
                                  tile_7, tile_8, tile_9, tile_10, tile_11, tile_12};

enum { ROWS = 12 };

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

TARGET void cgemm_multiply_avx512(int m, int k, int n, const float *a, long lda, const float *packed, int column0,
                                  int columns, float *c, long ldc, int accumulate, const float *bias) {
    (void)n;
    // Rows in chunks whose slice of `a` stays in L2 (~256 KB) while every panel passes over it:
    // each panel is then read from memory once per chunk, and `a` from L2 once per panel.
    long chunk = (256 * 1024 / (long)sizeof(float)) / (k > 0 ? k : 1);
    chunk = chunk < ROWS ? ROWS : chunk - chunk % ROWS;
    // The tile reads 12 rows of `a` side by side. When rows are a multiple of 2 KB apart (k =
    // 512, 1024, 2048, 3072: BERT-base and ViT-B MLPs) all 12 fall into one or two L1 sets and
    // evict each other every k: fc2 of ViT-B/32 ran 10% slower than its fc1. A copy with rows
    // 64 bytes longer spreads them; it costs one pass over the chunk per call.
    int pad = lda % 512 == 0;
    long stride = pad ? k + 16 : lda;
    float *copy = pad ? copy_buffer((size_t)chunk * stride) : 0;
    if (pad && !copy) pad = 0, stride = lda; // out of memory: slower, still right
    for (long i0 = 0; i0 < m; i0 += chunk) {
        long i1 = i0 + chunk < m ? i0 + chunk : m;
        const float *rows_a = a + i0 * lda;
        if (pad) {
            for (long i = i0; i < i1; i++) memcpy(copy + (i - i0) * stride, a + i * lda, (size_t)k * sizeof(float));
            rows_a = copy;
        }
        for (int j = 0; j < columns; j += CGEMM_PANEL) {
            int width = columns - j < CGEMM_PANEL ? columns - j : CGEMM_PANEL;
            epilogue e = panel_epilogue(j, width, column0, accumulate, bias);
            const float *panel = packed + (long)(column0 + j) * k;
            for (long i = i0; i < i1; i += ROWS) {
                int rows = i1 - i < ROWS ? (int)(i1 - i) : ROWS;
                tiles[rows](k, rows_a + (i - i0) * stride, stride, panel, c + i * ldc + j, ldc, &e);
            }
        }
    }
}

#endif
