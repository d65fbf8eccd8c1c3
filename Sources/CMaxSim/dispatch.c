// Picks the widest kernel this CPU runs (AVX-512, AVX2 + FMA, portable C), once. The kernels give identical scores, so the choice
// only changes speed.
#include "kernels.h"

enum level { PORTABLE = 0, AVX2 = 1, AVX512 = 2 };

static enum level level(void) {
#if defined(__x86_64__)
    static int answer = -1; // a benign race: every thread computes and stores the same value
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known < 0) {
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
            __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
            __builtin_cpu_supports("avx512vpopcntdq"))
            known = AVX512;
        else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
                 __builtin_cpu_supports("popcnt"))
            known = AVX2;
        else
            known = PORTABLE;
        __atomic_store_n(&answer, known, __ATOMIC_RELAXED);
    }
    return (enum level)known;
#else
    return PORTABLE;
#endif
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

int cmaxsim_has_avx2(void) { return level() >= AVX2; }

float cmaxsim_score_avx2_kernel(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                                float *scratch) {
#if defined(__x86_64__)
    if (level() >= AVX2) return cmaxsim_score_avx2(m, d, vectors, format, scales, n, scratch);
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
