// The kernels behind CMaxSim.h, one per instruction set; dispatch.c picks one at first use.
#ifndef CMAXSIM_KERNELS_H
#define CMAXSIM_KERNELS_H
#include "CMaxSim.h"

/// Query lanes: m rounded up to a multiple of 4 (the narrowest vector), padding lanes zero.
static inline int cmaxsim_lanes(int m) { return (m + 3) & ~3; }
/// Document rows decoded per block (the most any kernel shape takes at once).
enum { CMAXSIM_MAX_ROWS = 12 };

/// Scratch layout: transposed query QT[k][lane] (d * lanes), then the running max per lane
/// (lanes), then one decoded block (CMAXSIM_MAX_ROWS * d), each part 64-byte aligned.
static inline long cmaxsim_round16(long x) { return (x + 15) & ~15L; }
static inline float *cmaxsim_best(float *scratch, int m, int d) {
    return scratch + cmaxsim_round16((long)d * cmaxsim_lanes(m));
}
static inline float *cmaxsim_block(float *scratch, int m, int d) {
    return cmaxsim_best(scratch, m, d) + cmaxsim_round16(cmaxsim_lanes(m));
}

/// The Hamming loop, word by word. Inlined into each kernel's file, so the AVX2 one compiles
/// `__builtin_popcountll` to the POPCNT instruction and the portable one to whatever the
/// baseline has.
static inline __attribute__((always_inline)) int64_t cmaxsim_hamming_words(const uint64_t *q, int m, int words,
                                                                           const uint64_t *signs, long n) {
    int64_t total = 0;
    for (int i = 0; i < m; i++) {
        int64_t best = INT64_MAX;
        for (long j = 0; j < n; j++) {
            int64_t distance = 0;
            for (int w = 0; w < words; w++) distance += __builtin_popcountll(q[(long)i * words + w] ^ signs[j * words + w]);
            if (distance < best) best = distance;
        }
        total += best;
    }
    return total;
}

float cmaxsim_score_portable(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                             float *scratch);
int64_t cmaxsim_hamming_portable(const uint64_t *q, int m, int words, const uint64_t *signs, long n);

#if defined(__x86_64__)
float cmaxsim_score_avx512(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                           float *scratch);
int64_t cmaxsim_hamming_avx512(const uint64_t *q, int m, int words, const uint64_t *signs, long n);
float cmaxsim_score_avx2(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                         float *scratch);
int64_t cmaxsim_hamming_avx2(const uint64_t *q, int m, int words, const uint64_t *signs, long n);
#endif
#endif
