// MaxSim kernels for LateInteraction, in C so they can use AVX-512 behind a run-time check
// (the Swift targets are built for the haswell baseline). Every path computes each dot product
// as one fused multiply-add chain from 0 over dimensions 0..d-1 in order, so the AVX-512 and the
// portable kernels give the same bits, and a document's score depends only on the query and its
// own vectors (colpali-engine issue 274).
#ifndef CMAXSIM_H
#define CMAXSIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// How a document's vectors are stored (the layouts of LateInteraction's VectorCodec).
typedef enum {
    /// n*d float32.
    CMAXSIM_FLOAT32 = 0,
    /// n*d IEEE half.
    CMAXSIM_FLOAT16 = 1,
    /// n*d int8 codes; value = (float)code * scales[row].
    CMAXSIM_INT8 = 2,
} cmaxsim_format;

/// Floats of 64-byte aligned scratch that cmaxsim_prepare and cmaxsim_score need for m query
/// vectors of width d (a few KiB: the transposed query, one decoded block, the running maxima).
long cmaxsim_scratch_floats(int m, int d);

/// Lays the query (m*d float32, row-major) out in `scratch` for cmaxsim_score; once per query
/// and scratch.
void cmaxsim_prepare(const float *query, int m, int d, float *scratch);

/// MaxSim of one document of n >= 1 vectors against the query prepared in `scratch`: the sum over
/// query vectors i, in order, of the max over document vectors j of <query_i, vector_j>.
/// `scales` is used by CMAXSIM_INT8 only.
float cmaxsim_score(int m, int d, const void *vectors, cmaxsim_format format, const float *scales, long n,
                    float *scratch);

/// cmaxsim_score on the portable kernel whatever the CPU: the reference the vector kernels must
/// equal bit for bit (tests).
float cmaxsim_score_reference(int m, int d, const void *vectors, cmaxsim_format format, const float *scales,
                              long n, float *scratch);

/// 1 when this CPU runs the AVX2 kernel (every CPU with AVX-512 does too).
int cmaxsim_has_avx2(void);

/// cmaxsim_score on the AVX2 kernel even where AVX-512 is chosen, so tests check it on every
/// machine that can run it. Only call it when cmaxsim_has_avx2().
float cmaxsim_score_avx2_kernel(int m, int d, const void *vectors, cmaxsim_format format, const float *scales,
                                long n, float *scratch);

/// Hamming MaxSim of one binary document: the sum over query vectors of the smallest Hamming
/// distance to any of the n document vectors, each `words` 64-bit sign words. The caller turns
/// it into a score, (m*d - 2*sum)/d. Integer, so exact in any order.
int64_t cmaxsim_hamming(const uint64_t *query_signs, int m, int words, const uint64_t *signs, long n);

/// Name of the kernels chosen for this CPU ("avx512", "avx2" or "portable"), for benchmarks.
const char *cmaxsim_kernel_name(void);

/// CRC-32 (IEEE 802.3, zlib's and PNG's) of `length` bytes, continuing from `crc` (0 to start):
/// the checksum of LateInteraction's log records.
uint32_t cmaxsim_crc32(uint32_t crc, const void *bytes, long length);

#ifdef __cplusplus
}
#endif

#endif
