import EmbeddingTesting
import Foundation
import ImageIO

/// The pages of `Tests/Fixtures/pages` (three pages of pages-dev) with the clean text that was
/// typeset on each.
struct PageFixture: Decodable {
    let id: String
    let file: String
    /// The resolution the page was rasterised at.
    let dpi: Int
    let text: String

    static func all() throws -> [PageFixture] {
        try Fixtures.load([PageFixture].self, from: "pages/pages.json")
    }

    /// The page decoded to RGB, as a caller would hand it to OCR.
    func image() throws -> RGBImage {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.url("pages/\(file)")))
        return try ImageDecoder.decode(bytes, name: file)
    }
}

/// Word-level recall of OCR output against the text that was typeset.
enum WordRecall {
    /// Lower-cased runs of letters and digits: punctuation and spacing, which OCR often gets
    /// differently ("hh:mm" read as "hh: mm"), do not count.
    static func words(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    /// The fraction of `reference`'s words (counted with multiplicity) that `candidate` holds.
    static func recall(of reference: String, in candidate: String) -> Double {
        let wanted = words(reference)
        guard !wanted.isEmpty else { return 1 }
        var available: [String: Int] = [:]
        for word in words(candidate) { available[word, default: 0] += 1 }
        var found = 0
        for word in wanted where available[word, default: 0] > 0 {
            available[word]! -= 1
            found += 1
        }
        return Double(found) / Double(wanted.count)
    }
}
