// The AVX-512 BF16 register tile: R rows of bf16 activations times one 32-column bf16 panel,
// 2R float32 accumulators.
//
// For each pair of input features the panel's line is two vector loads (32 columns x 2 bf16)
// and each of the R rows contributes one 32-bit broadcast (its two bf16 values) and two
// VDPBF16PS, each of which does the work of two float32 FMAs. R = 12 gives 24 independent
// accumulators, enough to hide VDPBF16PS's latency, as in the float32 tile (gemm_avx512.c).
// There is no k blocking: every element stays one in-order chain (see CGemmBF16.h).
#include "CGemm.h"
#include "CGemmBF16.h"
#include "gemm_bf16_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx512bf16,fma")))

#include "epilogue_avx512.h"

#define DEFINE_TILE(R)                                                                                          \
    TARGET static void tile_##R(int pairs, const uint32_t *a, long stride, const uint32_t *panel, float *c,    \
                                long ldc, const epilogue *e) {                                                  \
        __m512 acc0[R], acc1[R];                                                                                \
        _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) acc0[r] = acc1[r] = _mm512_setzero_ps(); \
        for (int p = 0; p < pairs; p++) {                                                                       \
            __m512bh w0 = (__m512bh)_mm512_load_si512(panel + (long)p * CGEMM_PANEL);                           \
            __m512bh w1 = (__m512bh)_mm512_load_si512(panel + (long)p * CGEMM_PANEL + 16);                      \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < R; r++) {                                    \
                __m512bh x = (__m512bh)_mm512_set1_epi32((int)a[r * stride + p]);                               \
                acc0[r] = _mm512_dpbf16_ps(acc0[r], x, w0);                                                     \
                acc1[r] = _mm512_dpbf16_ps(acc1[r], x, w1);                                                     \
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

typedef void (*tile_fn)(int, const uint32_t *, long, const uint32_t *, float *, long, const epilogue *);
static const tile_fn tiles[13] = {0,       tile_1, tile_2, tile_3,  tile_4,  tile_5, tile_6,
                                  tile_7, tile_8, tile_9, tile_10, tile_11, tile_12};

enum { ROWS = 12 };

/// Rounds `rows` rows of `a` to bf16 pairs with VCVTNE2PS2BF16, 32 features per instruction
/// (features past k read as zero, so an odd k's last pair has a zero high half).
TARGET static void convert_rows(int rows, int k, const float *a, long lda, uint32_t *out, long stride) {
    for (int i = 0; i < rows; i++) {
        const float *row = a + (long)i * lda;
        uint32_t *line = out + (long)i * stride;
        for (int f = 0; f < k; f += 32) {
            int left = k - f;
            __mmask16 low = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
            __mmask16 high = left <= 16 ? 0 : left >= 32 ? 0xFFFF : (__mmask16)((1u << (left - 16)) - 1);
            __m512 first = _mm512_maskz_loadu_ps(low, row + f), second = _mm512_maskz_loadu_ps(high, row + f + 16);
            __m512i pairs = (__m512i)_mm512_cvtne2ps_pbh(second, first);
            int words = left >= 32 ? 16 : (left + 1) / 2;
            __mmask16 store = words >= 16 ? 0xFFFF : (__mmask16)((1u << words) - 1);
            _mm512_mask_storeu_epi32(line + f / 2, store, pairs);
        }
    }
}

TARGET void cgemm_bf16_multiply_avx512(int m, int k, const float *a, long lda, const uint32_t *packed, int column0,
                                       int columns, float *c, long ldc, int accumulate, const float *bias) {
    long pairs = (k + 1) / 2;
    // The tile reads 12 rounded rows side by side; rows a multiple of 2 KB apart would share L1
    // sets (see gemm_avx512.c), so such a stride gets 64 bytes more. The copy is made anyway.
    long stride = pairs % 512 == 0 ? pairs + 16 : pairs;
    // Rows in chunks whose rounded copy stays in L2 (~256 KB) while every panel passes over it.
    long chunk = (256 * 1024 / (long)sizeof(uint32_t)) / stride;
    chunk = chunk < ROWS ? ROWS : chunk - chunk % ROWS;
    if (chunk > m) chunk = m;
    uint32_t *converted = cgemm_bf16_row_buffer((size_t)chunk * stride);
    if (!converted) { // out of memory: a row at a time on the stack, slower, still right
        chunk = 1;
        stride = pairs;
    }
    uint32_t line[converted ? 1 : stride];
    if (!converted) converted = line;
    for (long i0 = 0; i0 < m; i0 += chunk) {
        long i1 = i0 + chunk < m ? i0 + chunk : m;
        convert_rows((int)(i1 - i0), k, a + i0 * lda, lda, converted, stride);
        for (int j = 0; j < columns; j += CGEMM_PANEL) {
            int width = columns - j < CGEMM_PANEL ? columns - j : CGEMM_PANEL;
            epilogue e = panel_epilogue(j, width, column0, accumulate, bias);
            const uint32_t *panel = packed + (long)(column0 + j) * pairs;
            for (long i = i0; i < i1; i += ROWS) {
                int rows = i1 - i < ROWS ? (int)(i1 - i) : ROWS;
                tiles[rows]((int)pairs, converted + (i - i0) * stride, stride, panel, c + i * ldc + j, ldc, &e);
            }
        }
    }
}

#endif
