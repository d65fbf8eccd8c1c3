import Dispatch
import Foundation
import ImageIO
import Synchronization

/// Tesseract engines shared by the threads of a process: created when first needed, at most
/// `maxEngines` in use at once, each kept and reused afterwards (an engine costs about 0.07 s and
/// 15 MB to create; reading a page takes up to about 11 bytes a pixel more, the RGB input
/// included).
///
/// Engines are kept per `OCROptions`: a page is read by an engine made with exactly the options
/// asked for, and a server normally asks with one or two. At most `maxEngines` are ever made per
/// options value, since no more are in use at once.
///
/// `withEngine` blocks its thread while all `maxEngines` engines are busy: call it from threads
/// meant for blocking work (a NIOThreadPool, a DispatchQueue), not from Swift concurrency's
/// cooperative threads.
public final class OCREnginePool: Sendable {
    /// The most engines in use at once; by default one per core, since each page runs on one.
    public let maxEngines: Int

    /// Counts the engines that may still be taken.
    private let available: DispatchSemaphore
    /// Idle engines by the options they were made with.
    private let idle = Mutex<[OCROptions: [PooledEngine]]>([:])

    public init(maxEngines: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.maxEngines = max(1, maxEngines)
        self.available = DispatchSemaphore(value: self.maxEngines)
    }

    /// Runs `body` with an engine for `options`, an idle one if there is one, else a new one;
    /// the engine is the caller's alone until `body` returns. Errors of engine creation (a
    /// missing language, ...) and of `body` reach the caller.
    public func withEngine<Result>(
        _ options: OCROptions = OCROptions(), _ body: (OCREngine) throws(OCRError) -> Result
    ) throws(OCRError) -> Result {
        available.wait()
        defer { available.signal() }
        let pooled: PooledEngine
        if let reused = idle.withLock({ $0[options]?.popLast() }) {
            pooled = reused
        } else {
            pooled = PooledEngine(try OCREngine(options: options))
        }
        defer { idle.withLock { $0[options, default: []].append(pooled) } }
        return try body(pooled.engine)
    }

    /// Reads `image` with an engine for `options`; see `OCREngine.recognize`.
    public func recognize(
        _ image: RGBImage, name: String = "page", dpi: Int? = nil, options: OCROptions = OCROptions()
    ) throws(OCRError) -> OCRPage {
        try withEngine(options) { engine throws(OCRError) in try engine.recognize(image, name: name, dpi: dpi) }
    }

    /// How many engines exist for `options` and are idle (for tests and metrics).
    public func idleEngineCount(for options: OCROptions = OCROptions()) -> Int {
        idle.withLock { $0[options]?.count ?? 0 }
    }
}

/// An engine as the pool holds it. The pool gives each engine to one caller at a time (taken out
/// of `idle` under its lock, put back when the caller is done), which is what makes moving it
/// between threads sound although `OCREngine` itself is not Sendable.
private final class PooledEngine: @unchecked Sendable {
    let engine: OCREngine

    init(_ engine: OCREngine) { self.engine = engine }
}
