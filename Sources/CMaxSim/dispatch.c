// Picks the widest kernel this CPU runs (AVX-512, AVX2 + FMA, portable C), or the lower one MULTIEMBED_ISA names (CCPU). The
// kernels give identical scores, so the choice only changes speed.
#include "kernels.h"

#include "CCPU.h"

enum level { PORTABLE = 0, AVX2 = 1, AVX512 = 2 };

/// CCPU's level (MULTIEMBED_ISA included), less AVX-512 where the CPU lacks VPOPCNTDQ for the
/// Hamming pass (Skylake-X, Cascade Lake): those run the AVX2 kernels.
static enum level level(void) {
    ccpu_level active = ccpu_active_level();
    if (active == CCPU_AVX512 && !ccpu_has_vpopcntdq()) return AVX2;
    return active == CCPU_AVX512 ? AVX512 : active == CCPU_AVX2 ? AVX2 : PORTABLE;
}

long cmaxsim_scratch_floats(int m, int d) {
    return cmaxsim_round16((long)d * cmaxsim_lanes(m)) + cmaxsim_round16(cmaxsim_lanes(m)) +
           cmaxsim_round16((long)CMAXSIM_MAX_ROWS * d) + 16;
}

void cmaxsim_prepare(const float *query, int m, int d, float *scratch) {
    int lanes = cmaxsim_lanes(m);
    for (int k = 0; k < d; k++)
        for (int i = 0; i < lanes; i++) scratch[(long)k * lanes + i] = i < m ? query[(long)i * d + k] : 0;
}

float cmaxsim_score(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                    float *scratch) {
#if defined(__x86_64__)
    switch (level()) {
    case AVX512: return cmaxsim_score_avx512(m, d, vectors, format, scales, n, scratch);
    case AVX2: return cmaxsim_score_avx2(m, d, vectors, format, scales, n, scratch);
    default: break;
    }
#endif
    return cmaxsim_score_portable(m, d, vectors, format, scales, n, scratch);
}

float cmaxsim_score_reference(int m, int d, const void *vectors, cmaxsim_format format, const float *scales,
                              long n, float *scratch) {
    return cmaxsim_score_portable(m, d, vectors, format, scales, n, scratch);
}

// Whether the CPU runs the AVX2 kernel, whatever MULTIEMBED_ISA says: tests hold it to the
// reference's bits on every machine that can run it.
int cmaxsim_has_avx2(void) { return ccpu_detected_level() >= CCPU_AVX2; }

float cmaxsim_score_avx2_kernel(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                                float *scratch) {
#if defined(__x86_64__)
    if (cmaxsim_has_avx2()) return cmaxsim_score_avx2(m, d, vectors, format, scales, n, scratch);
#endif
    return cmaxsim_score_portable(m, d, vectors, format, scales, n, scratch);
}

int64_t cmaxsim_hamming(const uint64_t *query_signs, int m, int words, const uint64_t *signs, long n) {
#if defined(__x86_64__)
    switch (level()) {
    case AVX512: return cmaxsim_hamming_avx512(query_signs, m, words, signs, n);
    case AVX2: return cmaxsim_hamming_avx2(query_signs, m, words, signs, n);
    default: break;
    }
#endif
    return cmaxsim_hamming_portable(query_signs, m, words, signs, n);
}

const char *cmaxsim_kernel_name(void) {
    switch (level()) {
    case AVX512: return "avx512";
    case AVX2: return "avx2";
    default: return "portable";
    }
}
