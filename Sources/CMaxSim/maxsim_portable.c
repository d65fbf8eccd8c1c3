// Portable MaxSim: the reference the vector kernels must equal bit for bit. Each dot product is
// a fused multiply-add chain from 0 over k = 0..d-1 in order, like every lane of the AVX-512
// kernel, so scores do not depend on which kernel the CPU gets.
#include "kernels.h"
#include <math.h>
#include <string.h>

static float value(const void *vectors, cmaxsim_format format, const float *scales, long row, int d, int k) {
    long at = row * d + k;
    switch (format) {
    case CMAXSIM_FLOAT16: {
        _Float16 h;
        memcpy(&h, (const char *)vectors + at * 2, 2);
        return (float)h;
    }
    case CMAXSIM_INT8: return (float)((const int8_t *)vectors)[at] * scales[row];
    default: return ((const float *)vectors)[at];
    }
}

float cmaxsim_score_portable(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                             float *scratch) {
    const float *qt = scratch;
    float *best = cmaxsim_best(scratch, m, d), *row = cmaxsim_block(scratch, m, d);
    int lanes = cmaxsim_lanes(m);
    for (int i = 0; i < m; i++) best[i] = -INFINITY;
    for (long j = 0; j < n; j++) {
        for (int k = 0; k < d; k++) row[k] = value(vectors, format, scales, j, d, k);
        for (int i = 0; i < m; i++) {
            float acc = 0;
            for (int k = 0; k < d; k++) acc = fmaf(row[k], qt[(long)k * lanes + i], acc);
            if (acc > best[i]) best[i] = acc;
        }
    }
    float sum = 0;
    for (int i = 0; i < m; i++) sum += best[i];
    return sum;
}

int64_t cmaxsim_hamming_portable(const uint64_t *q, int m, int words, const uint64_t *signs, long n) {
    return cmaxsim_hamming_words(q, m, words, signs, n);
}
