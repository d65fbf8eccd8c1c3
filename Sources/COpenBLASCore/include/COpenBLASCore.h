// Keeps OpenBLAS from running kernels below what the CPU supports.
//
// Debian's OpenBLAS (0.3.21, DYNAMIC_ARCH) picks its kernels from the CPU's family and model
// numbers when the library loads. A CPU newer than the library (Intel Emerald Rapids, family 6
// model 207) is unknown to it and gets the generic SSE3 "Prescott" kernels: a fraction of the
// speed, and row results that depend on how many rows share a call. Before main runs, this
// target compares the core OpenBLAS chose with the instruction set the CPU has and, when the
// core is lower, asks OpenBLAS to choose again with OPENBLAS_CORETYPE naming the right one
// (Cooperlake or SkylakeX for AVX-512, Haswell for AVX2), through the same entry points the
// library's own start-up uses. An OPENBLAS_CORETYPE the user set is never overridden.
#ifndef COPENBLASCORE_H
#define COPENBLASCORE_H

#ifdef __cplusplus
extern "C" {
#endif

/// The core OpenBLAS chose by itself at load (or the one OPENBLAS_CORETYPE pinned).
const char *copenblas_original_core(void);

/// 1 when MultiEmbed made OpenBLAS choose again (the core it runs now is
/// `openblas_get_corename()`), else 0.
int copenblas_core_was_changed(void);

/// The instruction-set level (a `ccpu_level`: 0 below AVX2, 1 AVX2, 2 AVX-512) of the OpenBLAS
/// kernel family `name` ("Cooperlake", "Haswell", "Prescott", ...; case ignored).
int copenblas_core_level(const char *name);

/// 1 when this OpenBLAS exports the entry points to choose its core again (DYNAMIC_ARCH builds).
int copenblas_can_change_core(void);

#ifdef __cplusplus
}
#endif

#endif
