import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Keeps Tesseract's OpenMP loops on the thread that calls it.
///
/// Debian builds Tesseract with OpenMP, and its LSTM runs `parallel for num_threads(4)` loops:
/// each recognising thread wakes 3 more, which spin while they wait. We already run one engine per
/// core. On the 2-core development machine, one engine reading the 200 pages of pages-dev took
/// 393 s with OpenMP's threads and 62 s without (the same words); the `tesseract` command line,
/// 396 s against 93 s with OMP_THREAD_LIMIT=1. On a machine busy with other work it is the same:
/// page d1 five times, 11.5 to 17.0 s against 2.4 to 2.5 s.
///
/// Setting OMP_THREAD_LIMIT=1 with setenv does nothing here: libgomp reads its environment once,
/// when it is loaded, which is before any Swift code runs (measured: still 4 threads). What works
/// is `omp_set_max_active_levels(0)`, which makes every parallel region the calling thread meets
/// run on that thread alone; in libgomp it is a per-thread setting, so it is made on the thread
/// that recognises, before each page (a store, nothing to undo). The function is looked up at run
/// time: a Tesseract built without OpenMP simply has none to call.
enum OpenMPThreads {
    /// The user chose OpenMP's threads themselves (any of these set): leave them alone.
    static let userVariables = ["OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OMP_MAX_ACTIVE_LEVELS"]

    private typealias SetMaxActiveLevels = @convention(c) (Int32) -> Void

    /// `omp_set_max_active_levels` if libgomp is loaded and the user set none of
    /// `userVariables`.
    private static let setMaxActiveLevels: SetMaxActiveLevels? = {
        let environment = ProcessInfo.processInfo.environment
        guard !userVariables.contains(where: { environment[$0] != nil }) else { return nil }
        guard let symbol = dlsym(nil, "omp_set_max_active_levels") else { return nil }
        return unsafeBitCast(symbol, to: SetMaxActiveLevels.self)
    }()

    /// Whether `confineCallingThread` does anything in this process.
    static var isConfining: Bool { setMaxActiveLevels != nil }

    /// Makes OpenMP regions met by the calling thread from now on run on it alone.
    static func confineCallingThread() {
        setMaxActiveLevels?(0)
    }
}
