// CPU feature detection and the MULTIEMBED_ISA switch.
#include "CCPU.h"

#include <stdlib.h>
#include <string.h>

ccpu_level ccpu_detected_level(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return CCPU_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
        return CCPU_AVX2;
#endif
    return CCPU_PORTABLE;
}

int ccpu_requested_level(void) {
    const char *value = getenv("MULTIEMBED_ISA");
    if (!value || !*value) return -1;
    if (!strcmp(value, "avx512")) return CCPU_AVX512;
    if (!strcmp(value, "avx2")) return CCPU_AVX2;
    if (!strcmp(value, "portable")) return CCPU_PORTABLE;
    return -2;
}

ccpu_level ccpu_active_level(void) {
    static int answer = -1; // a benign race: every thread computes and stores the same value
    int known = __atomic_load_n(&answer, __ATOMIC_RELAXED);
    if (known < 0) {
        known = ccpu_detected_level();
        int requested = ccpu_requested_level();
        if (requested >= 0 && requested < known) known = requested;
        __atomic_store_n(&answer, known, __ATOMIC_RELAXED);
    }
    return (ccpu_level)known;
}

int ccpu_has_vpopcntdq(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vpopcntdq");
#else
    return 0;
#endif
}

int ccpu_has_avx512_bf16(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

int ccpu_has_avx512_vnni(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

const char *ccpu_level_name(ccpu_level level) {
    switch (level) {
    case CCPU_AVX512: return "avx512";
    case CCPU_AVX2: return "avx2";
    default: return "portable";
    }
}
