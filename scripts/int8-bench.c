// One-core speed of the int8 kernel against the float32 packed kernel, and the instructions' peaks.
//
// For each shape m x k x n: the float32 tile (cgemm_multiply) in GFLOP/s and the int8 kernel
// (cgemm_int8_multiply, activation quantisation included) in GOPS (2mkn / s either way), best of
// several runs (thread CPU time, so time slices lost to other processes do not count), on the
// calling core at each level this CPU has. Then the peak of the instructions they are built on,
// measured with independent chains: vfmadd231ps zmm (32 flop) and vpdpbusd zmm (128 ops), so
// "how close to the limit" is against this machine, not a datasheet.
//
//   clang -O2 -I Sources/CGemm/include -I Sources/CCPU/include -I Sources/CGemm \
//     Sources/CGemm/*.c Sources/CCPU/cpu_level.c scripts/int8-bench.c -lm -o /tmp/int8-bench
//   /tmp/int8-bench            # or: taskset -c 1 /tmp/int8-bench
//
// Measured 2026-12-06 on AMD EPYC (Zen 4, 2 vCPUs shared with other builds; best of 20, CPU time):
// vfmadd231ps zmm peaks at 117 GFLOP/s and vpdpbusd zmm at 470 GOPS, 4.0x: one zmm of either per
// cycle (Zen 4 runs both as two 256-bit halves, at ~3.7 GHz). The int8 kernel runs 428-451 GOPS on
// 128x384x1536, 128x1536x384, 256x768x3072, 256x3072x768 (91-96% of vpdpbusd's peak), 3.7-4.1x
// the float32 tile's 106-117 GFLOP/s; 402 GOPS (3.5x) at 32x384x384. The AVX2 kernel (vpmaddwd
// on widened codes) runs 151-162 GOPS, 1.4-1.5x the AVX2 float32 tile.
#include "CCPU.h"
#include "CGemm.h"
#include "CGemmInt8.h"

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); // CPU time: other engineers' builds share the cores
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *random_floats(size_t count, unsigned seed) {
    float *x = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
    for (size_t i = 0; i < count; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xFFFF) / 32768.0f - 1.0f;
    }
    return x;
}

/// Best seconds of `runs` calls of the product, after one warm-up.
static double best_seconds(int int8, int level, int m, int k, int n, const float *a, const float *packed,
                           const cgemm_int8_weight *weight, float *c, int runs) {
    double best = 1e30;
    for (int r = 0; r <= runs; r++) {
        double t0 = now();
        if (int8)
            cgemm_int8_multiply_at_level(level, weight, m, a, k, 0, n, c, n, 0, 0);
        else
            cgemm_multiply_at_level(level, m, k, n, a, k, packed, 0, n, c, n, 0, 0);
        double t = now() - t0;
        if (r > 0 && t < best) best = t;
    }
    return best;
}

__attribute__((target("avx512f"))) static double fma_peak(void) {
    __m512 acc[12], x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(0.9999999f);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps((float)i);
    long iterations = 20000000;
    double t0 = now();
    for (long it = 0; it < iterations; it++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                         "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
    double t = now() - t0;
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm512_reduce_add_ps(acc[i]);
    if (sink == 12345) puts("");
    return iterations * 12.0 * 32 / t / 1e9;
}

__attribute__((target("avx512f,avx512vnni"))) static double vnni_peak(void) {
    __m512i acc[12], x = _mm512_set1_epi8(3), y = _mm512_set1_epi8(-2);
    for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_epi32(i);
    long iterations = 20000000;
    double t0 = now();
    for (long it = 0; it < iterations; it++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm512_dpbusd_epi32(acc[i], x, y);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[1]), "+v"(acc[2]), "+v"(acc[3]), "+v"(acc[4]), "+v"(acc[5]),
                         "+v"(acc[6]), "+v"(acc[7]), "+v"(acc[8]), "+v"(acc[9]), "+v"(acc[10]), "+v"(acc[11]));
    }
    double t = now() - t0;
    int sink = 0;
    for (int i = 0; i < 12; i++) sink += _mm512_reduce_add_epi32(acc[i]);
    if (sink == 12345) puts("");
    return iterations * 12.0 * 128 / t / 1e9;
}

int main(int argc, char **argv) {
    int shapes[][3] = {{128, 384, 1536}, {128, 1536, 384}, {256, 768, 3072}, {256, 3072, 768}, {32, 384, 384}};
    int runs = argc > 1 ? atoi(argv[1]) : 20;
    printf("one core; best of %d; int8 includes quantising the activations\n", runs);
    for (unsigned s = 0; s < sizeof shapes / sizeof *shapes; s++) {
        int m = shapes[s][0], k = shapes[s][1], n = shapes[s][2];
        float *a = random_floats((size_t)m * k, 1), *w = random_floats((size_t)k * n, 2);
        float *c = aligned_alloc(64, (size_t)m * n * sizeof(float));
        float *packed = aligned_alloc(64, cgemm_packed_count(k, n) * sizeof(float));
        cgemm_pack(k, n, w, n, packed);
        cgemm_int8_weight *weight = cgemm_int8_pack(k, n, w, n);
        double ops = 2.0 * m * k * n;
        for (int level = ccpu_detected_level(); level >= CCPU_AVX2; level--) {
            double f = best_seconds(0, level, m, k, n, a, packed, weight, c, runs);
            double q = best_seconds(1, level, m, k, n, a, packed, weight, c, runs);
            printf("%4d x %4d x %4d  %-6s float32 %6.1f GFLOP/s   %-16s %6.1f GOPS   int8/float32 %.2fx\n", m, k, n,
                   ccpu_level_name(level), ops / f / 1e9, cgemm_int8_kernel_name_at_level(level), ops / q / 1e9,
                   f / q);
        }
        free(a), free(w), free(c), free(packed);
        cgemm_int8_free(weight);
    }
    if (ccpu_detected_level() >= CCPU_AVX512) printf("peak vfmadd231ps zmm: %.1f GFLOP/s\n", fma_peak());
    if (ccpu_has_avx512_vnni()) printf("peak vpdpbusd zmm:    %.1f GOPS\n", vnni_peak());
    return 0;
}
