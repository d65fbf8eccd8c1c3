// The store of an AVX-512 tile's float32 results, shared by the float32, bf16 and int8 tiles so
// that every precision adds bias and old values the same way. Include after <immintrin.h>.
#ifndef CGEMM_EPILOGUE_AVX512_H
#define CGEMM_EPILOGUE_AVX512_H

#define EPILOGUE_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,fma")))

/// What a row of sums gets added when it is stored, and which of its lanes are columns.
typedef struct {
    __m512 bias0, bias1;
    __mmask16 mask0, mask1;
    int has_bias, accumulate;
} epilogue;

/// The epilogue of the panel `j` columns into the output range, of which `width` (at most 32)
/// are columns.
EPILOGUE_TARGET static inline epilogue panel_epilogue(int j, int width, int column0, int accumulate,
                                                      const float *bias) {
    epilogue e = {.has_bias = bias != 0, .accumulate = accumulate};
    e.mask0 = width >= 16 ? 0xFFFF : (__mmask16)((1u << width) - 1);
    e.mask1 = width <= 16 ? 0 : width >= 32 ? 0xFFFF : (__mmask16)((1u << (width - 16)) - 1);
    e.bias0 = bias ? _mm512_maskz_loadu_ps(e.mask0, bias + column0 + j) : _mm512_setzero_ps();
    e.bias1 = bias ? _mm512_maskz_loadu_ps(e.mask1, bias + column0 + j + 16) : _mm512_setzero_ps();
    return e;
}

/// Stores one accumulator row as `sum + bias`, `sum + old`, `sum + (old + bias)` or `sum`: the
/// very additions, in the same order, that a bias copied into the output beforehand and BLAS's
/// beta = 1 would make, without the extra pass over the output.
EPILOGUE_TARGET static inline void store_row(float *c, __m512 acc0, __m512 acc1, const epilogue *e) {
    if (e->accumulate) {
        __m512 old0 = _mm512_maskz_loadu_ps(e->mask0, c), old1 = _mm512_maskz_loadu_ps(e->mask1, c + 16);
        if (e->has_bias) {
            old0 = _mm512_add_ps(old0, e->bias0);
            old1 = _mm512_add_ps(old1, e->bias1);
        }
        acc0 = _mm512_add_ps(acc0, old0);
        acc1 = _mm512_add_ps(acc1, old1);
    } else if (e->has_bias) {
        acc0 = _mm512_add_ps(acc0, e->bias0);
        acc1 = _mm512_add_ps(acc1, e->bias1);
    }
    _mm512_mask_storeu_ps(c, e->mask0, acc0);
    _mm512_mask_storeu_ps(c + 16, e->mask1, acc1);
}

#endif
