import Foundation
@testable import OCR
import Testing

extension OCRSuite {
@Suite struct OCRPageTests {
    static func word(_ text: String, block: Int = 0, line: Int) -> OCRWord {
        OCRWord(text: text, box: PixelBox(x: 0, y: 0, width: 1, height: 1), confidence: 90, block: block, line: line)
    }

    @Test func textJoinsWordsBySpacesAndLinesByNewlines() {
        let page = OCRPage(width: 10, height: 10, words: [
            Self.word("Halt,", line: 0), Self.word("power", line: 0), Self.word("off", line: 1),
            Self.word("or", block: 1, line: 2), Self.word("reboot", block: 1, line: 2),
        ])
        #expect(page.text == "Halt, power\noff\nor reboot")
        #expect(OCRPage(width: 1, height: 1, words: []).text == "")
    }

    /// Pages travel as JSON (a server answer, a cache) unchanged.
    @Test func codableRoundTrip() throws {
        let page = OCRPage(width: 826, height: 1169, words: [Self.word("shutdown", line: 0)], note: "partial")
        let decoded = try JSONDecoder().decode(OCRPage.self, from: try JSONEncoder().encode(page))
        #expect(decoded == page)
    }
}
}
