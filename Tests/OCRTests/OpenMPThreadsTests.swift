import Foundation
import Synchronization
@testable import OCR
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Tesseract's OpenMP loops stay on the recognising thread (see `OpenMPThreads`).
extension OCRSuite {
@Suite struct OpenMPThreadsTests {
    private typealias GetMaxActiveLevels = @convention(c) () -> Int32

    /// After a page, OpenMP's setting on the calling thread forbids parallel regions, unless the
    /// user chose OpenMP's threads through its environment.
    @Test func recognitionConfinesTheCallingThread() throws {
        let userChose = OpenMPThreads.userVariables.contains { ProcessInfo.processInfo.environment[$0] != nil }
        guard let symbol = dlsym(nil, "omp_get_max_active_levels") else {
            #expect(!OpenMPThreads.isConfining, "no OpenMP loaded, nothing to confine")
            return
        }
        #expect(OpenMPThreads.isConfining == !userChose)
        let getMaxActiveLevels = unsafeBitCast(symbol, to: GetMaxActiveLevels.self)
        // A thread of its own, so that other tests' engines do not share the setting.
        let levels = try Thread.runAndWait {
            _ = try OCREngine().recognize(try PageFixture.all()[0].image())
            return getMaxActiveLevels()
        }
        if !userChose { #expect(levels == 0) }
    }
}
}

extension Thread {
    /// Runs `body` on a new thread and waits for its result.
    static func runAndWait<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
        let result = Mutex<Result<T, any Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
            done.signal()
        }
        thread.start()
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
