@testable import OCR
import Testing

/// An engine is cleared between pages: what it read before does not change what it reads next.
extension OCRSuite {
@Suite struct DeterminismTests {
    @Test func reusedEngineReadsLikeFreshOnes() throws {
        let images = try PageFixture.all().map { try $0.image() }
        let reused = try OCREngine()
        let first = try images.map { try reused.recognize($0) }
        let again = try images.reversed().map { try reused.recognize($0) }.reversed()
        let fresh = try images.map { try OCREngine().recognize($0) }
        #expect(first == fresh)
        #expect(Array(again) == fresh)
    }
}
}
