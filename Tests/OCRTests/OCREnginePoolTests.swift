import Dispatch
import Synchronization
@testable import OCR
import Testing

extension OCRSuite {
@Suite struct OCREnginePoolTests {
    /// Engines are made on first use and reused afterwards: the same object serves later calls.
    @Test func enginesAreCreatedOnceAndReused() throws {
        let pool = OCREnginePool(maxEngines: 2)
        #expect(pool.idleEngineCount() == 0)
        let first = try pool.withEngine { ObjectIdentifier($0) }
        let second = try pool.withEngine { ObjectIdentifier($0) }
        #expect(first == second)
        #expect(pool.idleEngineCount() == 1)
    }

    /// Different options get their own engines.
    @Test func enginesArePerOptions() throws {
        let pool = OCREnginePool(maxEngines: 2)
        let short = OCROptions(timeLimit: .seconds(5))
        let english = try pool.withEngine { $0.options }
        let shortEngine = try pool.withEngine(short) { $0.options }
        #expect(english == OCROptions())
        #expect(shortEngine == short)
        #expect(pool.idleEngineCount() == 1 && pool.idleEngineCount(for: short) == 1)
    }

    /// Many threads at once: never more than `maxEngines` engines made or in use, and every page
    /// read as one engine alone reads it.
    @Test func concurrentUseStaysWithinTheLimit() throws {
        let pool = OCREnginePool(maxEngines: 2)
        let fixture = try PageFixture.all()[0]
        let image = try fixture.image()
        let expected = try OCREngine().recognize(image)
        let inUse = Mutex(0)
        let mostInUse = Mutex(0)
        let engines = Mutex(Set<ObjectIdentifier>())
        let pages = Mutex([OCRPage]())
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let page = try? pool.withEngine { engine throws(OCRError) in
                let now = inUse.withLock { $0 += 1; return $0 }
                mostInUse.withLock { $0 = max($0, now) }
                engines.withLock { _ = $0.insert(ObjectIdentifier(engine)) }
                defer { inUse.withLock { $0 -= 1 } }
                return try engine.recognize(image, name: fixture.file)
            }
            if let page { pages.withLock { $0.append(page) } }
        }
        #expect(mostInUse.withLock { $0 } <= 2)
        #expect(engines.withLock { $0.count } <= 2)
        #expect(pool.idleEngineCount() == engines.withLock { $0.count })
        #expect(pages.withLock { $0 } == [OCRPage](repeating: expected, count: 6))
    }

    /// A language that is missing fails every call with the same error, and leaves nothing behind.
    @Test func creationErrorsReachTheCaller() {
        let pool = OCREnginePool(maxEngines: 1)
        let options = OCROptions(languages: ["xxx"])
        for _ in 0..<2 {
            #expect(throws: OCRError.self) { try pool.recognize(SyntheticPages.solid(width: 10, height: 10), options: options) }
        }
        #expect(pool.idleEngineCount(for: options) == 0)
        // The slot was given back: the pool still serves.
        #expect(throws: Never.self) { try pool.withEngine { _ in 1 } }
    }

    /// Errors of a page go to the caller; the engine goes back to the pool.
    @Test func pageErrorsKeepTheEngine() throws {
        let pool = OCREnginePool(maxEngines: 1)
        #expect(throws: OCRError.emptyImage(name: "none", width: 0, height: 0)) {
            try pool.recognize(SyntheticPages.solid(width: 0, height: 0), name: "none")
        }
        #expect(pool.idleEngineCount() == 1)
    }
}
}
