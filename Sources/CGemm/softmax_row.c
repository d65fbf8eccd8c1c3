// The softmax of one attention row: see CGemmSoftmax.h for the contract.
//
// Written as plain loops over 32 lanes so that clang vectorises them for whatever the clone
// targets (AVX-512, AVX2, or the SSE2 baseline): a row of 1,024 scores (a SigLIP tile's) was four
// passes with serial chains in Swift's SIMD8, about 2 cycles a score; here the maximum and the
// sum each keep 32 independent lanes and the exponentials are summed as they are stored.
#include "CGemmSoftmax.h"

#include <stdint.h>
#include <string.h>

// Every product and sum rounds on its own, as in the Swift polynomial: a fused multiply-add in
// one clone and not another would give different bits on different CPUs.
#pragma clang fp contract(off)

#define LANES 32

static inline float fast_exp(float x) {
    float clamped = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    // Adding 1.5 * 2^23 rounds to the nearest integer and leaves it in the low mantissa bits.
    float shifted = clamped * 1.4426950408889634f + 12582912.0f;
    float n = shifted - 12582912.0f;
    float r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
    float p = 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1;
    p = p * r + 1;
    uint32_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    bits = (bits - 0x4B400000u + 127u) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

#if defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
int cgemm_softmax_row(float *scores, int count) {
    float highest[LANES];
    for (int l = 0; l < LANES; l++) highest[l] = -__builtin_inff();
    int j = 0;
    for (; j + LANES <= count; j += LANES)
        for (int l = 0; l < LANES; l++) highest[l] = scores[j + l] > highest[l] ? scores[j + l] : highest[l];
    for (int l = 0; j + l < count; l++) highest[l] = scores[j + l] > highest[l] ? scores[j + l] : highest[l];
    float maximum = -__builtin_inff();
    for (int l = 0; l < LANES; l++) maximum = highest[l] > maximum ? highest[l] : maximum;
    if (maximum == -__builtin_inff()) return 0;

    float sums[LANES] = {0};
    for (j = 0; j + LANES <= count; j += LANES)
        for (int l = 0; l < LANES; l++) {
            float score = scores[j + l];
            float weight = score == -__builtin_inff() ? 0.0f : fast_exp(score - maximum);
            scores[j + l] = weight;
            sums[l] += weight;
        }
    for (int l = 0; j + l < count; l++) {
        float score = scores[j + l];
        float weight = score == -__builtin_inff() ? 0.0f : fast_exp(score - maximum);
        scores[j + l] = weight;
        sums[l] += weight;
    }
    // A fixed pairwise tree over the 32 partial sums.
    for (int width = LANES / 2; width > 0; width /= 2)
        for (int l = 0; l < width; l++) sums[l] += sums[l + width];
    float inverse = 1.0f / sums[0];
    for (j = 0; j < count; j++) scores[j] *= inverse;
    return 1;
}
