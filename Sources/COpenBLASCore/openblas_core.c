// Runs once before main: see COpenBLASCore.h for why.
#include "COpenBLASCore.h"

#include "CCPU.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

// OpenBLAS's own core selection (driver/others/dynamic.c): `quit` forgets the chosen kernel
// table, `init` chooses one again, honouring OPENBLAS_CORETYPE. Exported by DYNAMIC_ARCH builds
// only, hence weak: with a single-target OpenBLAS they are null and nothing is changed.
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

static char original_core[32] = "unknown";
static int core_changed;

const char *copenblas_original_core(void) { return original_core; }
int copenblas_core_was_changed(void) { return core_changed; }
int copenblas_can_change_core(void) { return gotoblas_dynamic_init && gotoblas_dynamic_quit; }

/// The instruction-set level an OpenBLAS core's kernels use. Cores not listed (Prescott, Core2,
/// Nehalem, Sandybridge, Bulldozer, ...) are below AVX2 as far as sgemm is concerned.
static ccpu_level level_of_core(const char *name) {
    static const char *const avx512[] = {"skylakex", "cooperlake", "sapphirerapids"};
    static const char *const avx2[] = {"haswell", "zen"};
    for (size_t i = 0; i < sizeof avx512 / sizeof *avx512; i++)
        if (!strcasecmp(name, avx512[i])) return CCPU_AVX512;
    for (size_t i = 0; i < sizeof avx2 / sizeof *avx2; i++)
        if (!strcasecmp(name, avx2[i])) return CCPU_AVX2;
    return CCPU_PORTABLE;
}

int copenblas_core_level(const char *name) { return (int)level_of_core(name); }

/// The core to ask for at a level: the widest that Debian's 0.3.21 knows.
static const char *core_for_level(ccpu_level level) {
    switch (level) {
    case CCPU_AVX512: return ccpu_has_avx512_bf16() ? "Cooperlake" : "SkylakeX";
    case CCPU_AVX2: return "Haswell";
    default: return "Prescott";
    }
}

static const char *current_core(void) {
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}

/// Makes OpenBLAS choose its kernels again as if OPENBLAS_CORETYPE were `name`, then removes
/// the variable again so that it still means "the user's choice" to anyone who reads it.
static void choose_core(const char *name) {
    if (!copenblas_can_change_core()) return;
    setenv("OPENBLAS_CORETYPE", name, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
}

// Before main and before any thread of ours exists, so setenv is safe; OpenBLAS's constructor
// has run already (a library initialises before the programs that load it), and its worker
// threads are idle until the first call, so swapping its kernel table here is unseen.
__attribute__((constructor)) static void choose_openblas_core(void) {
    const char *pinned = getenv("OPENBLAS_CORETYPE");
    // For tests: start from the core named here, as OpenBLAS itself picks on a CPU it does not
    // know, to exercise the correction below on any machine.
    const char *simulated = getenv("MULTIEMBED_TEST_OPENBLAS_CORE");
    if ((!pinned || !*pinned) && simulated && *simulated) choose_core(simulated);
    strncpy(original_core, current_core(), sizeof original_core - 1);
    if (pinned && *pinned) return;

    ccpu_level wanted = ccpu_active_level();
    int lowered = ccpu_requested_level() >= 0 && wanted < ccpu_detected_level();
    ccpu_level have = level_of_core(original_core);
    // A forced lower level gets exactly that level's kernels (to measure an AVX2 machine on an
    // AVX-512 one); otherwise only a core below the CPU is replaced: "Zen" on Zen 3 stays.
    if (lowered ? have != wanted : have < wanted) {
        choose_core(core_for_level(wanted));
        core_changed = strcmp(current_core(), original_core) != 0;
    }
}
