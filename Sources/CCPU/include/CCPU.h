// Which instruction set the C kernels (CGemm, CMaxSim) run, decided once per process.
//
// Every kernel family has an AVX-512, an AVX2 + FMA and a portable C version that give the same
// bits, so the level only changes speed. MULTIEMBED_ISA=avx512|avx2|portable lowers the level
// (never raises it past the CPU), so the lower paths are tested and measured on a wide machine.
#ifndef CCPU_H
#define CCPU_H

#ifdef __cplusplus
extern "C" {
#endif

/// Kernel levels, ordered: a CPU at one level runs every level below it.
typedef enum { CCPU_PORTABLE = 0, CCPU_AVX2 = 1, CCPU_AVX512 = 2 } ccpu_level;

/// The widest level this CPU runs: AVX512 needs AVX-512 F, BW, VL and DQ (x86-64-v4); AVX2 needs
/// AVX2, FMA and F16C (x86-64-v3). PORTABLE off x86-64.
ccpu_level ccpu_detected_level(void);

/// The level the kernels use: the detected one, lowered by MULTIEMBED_ISA when that names a
/// lower one. Read once; later changes to the environment are not seen.
ccpu_level ccpu_active_level(void);

/// What MULTIEMBED_ISA asked for: a level, -1 when unset or empty, -2 when it names no level
/// (the command line reports that as an error; the kernels ignore it).
int ccpu_requested_level(void);

/// 1 when the CPU has AVX512_VPOPCNTDQ (the MaxSim Hamming pass's AVX-512 kernel needs it), else 0.
int ccpu_has_vpopcntdq(void);
/// 1 when the CPU has AVX512_BF16 (OpenBLAS's Cooperlake kernels are the widest it runs), else 0.
int ccpu_has_avx512_bf16(void);
/// 1 when the CPU has AVX512_VNNI (`vpdpbusd`: the int8 tile of CGemmInt8 needs it), else 0.
int ccpu_has_avx512_vnni(void);

/// "avx512", "avx2" or "portable".
const char *ccpu_level_name(ccpu_level level);

#ifdef __cplusplus
}
#endif

#endif
