import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import LateInteraction
import Testing
@testable import Pages

/// A page document that also holds its image's patch vectors (tiny-clip: 64x64 crops, 16-pixel
/// patches, a 4x4 grid and the class token).
@Suite struct PagePatchesTests {
    static let bundle: ModelBundle? = try? ModelBundle.load(directory: Fixtures.url("tiny-clip"))

    /// A tall page image with some structure, so patches differ.
    static func image(width: Int = 90, height: Int = 150) -> RGBImage {
        var pixels = [UInt8](repeating: 255, count: width * height * 3)
        for y in 0 ..< height {
            for x in 0 ..< width where (x / 7 + y / 5) % 3 == 0 {
                pixels[(y * width + x) * 3] = UInt8((x * 3) % 256)
                pixels[(y * width + x) * 3 + 1] = UInt8((y * 2) % 256)
                pixels[(y * width + x) * 3 + 2] = 40
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// MaxSim of `query` against rows `range` of `document`, per query vector.
    static func maxima(_ query: MultiVector, _ document: MultiVector, _ range: Range<Int>) -> [Float] {
        (0 ..< query.count).map { i in range.map { dot(query.row(i), document.row($0)) }.max()! }
    }

    @Test func thePatchVectorsFollowTheWordsAndAreTheImageEncodersOwn() throws {
        let bundle = try #require(Self.bundle)
        let text = try #require(bundle.text), vision = try #require(bundle.image)
        let page = PageEmbedderTests.page("quarterly revenue by region")
        var embedded = try PageEmbedder.embed([page], with: text)[0]
        let textVectors = embedded.tokens.count
        let image = Self.image()
        let patches = try PagePatches.embed(image, with: vision)
        try embedded.appendPatches(patches)

        // The image encoder's own multi-vector of the same picture, from its PNG.
        let reference = try vision.embed([.encoded(bytes: try PNGEncoder.encode(image), name: "page")], options: .init(output: .multiVector))[0].get()
        let rows = try #require(reference.tokenVectors)
        #expect(patches.vectors == rows)
        #expect(rows.count == 1 + reference.patchCount)
        #expect(embedded.tokens.count == textVectors + rows.count)
        #expect((textVectors ..< embedded.tokens.count).map { embedded.tokens.row($0) } == rows)
        // Patches map to no word; the layout says where they are and what they cover.
        #expect(embedded.attachment.vectorWords.count == embedded.tokens.count)
        #expect(embedded.attachment.vectorWords.suffix(rows.count).allSatisfy { $0 == -1 })
        let layout = try #require(embedded.attachment.patches)
        #expect(layout.first == textVectors && layout.count == rows.count && layout.leading == 1)
        #expect(layout.rows * layout.columns == reference.patchCount)
        // A 90x150 page resized to 64x106 is cropped to rows 21 to 85 of that: 29 to 119 of the page.
        #expect(layout.region == PixelRect(x: 0, y: 29, width: 90, height: 90))
        #expect(layout.box(ofVector: textVectors) == nil && layout.box(ofVector: textVectors - 1) == nil)
        #expect(layout.box(ofVector: textVectors + 1) == PixelRect(x: 0, y: 29, width: 22, height: 22))
        #expect(layout.box(ofVector: embedded.tokens.count - 1) == PixelRect(x: 67, y: 96, width: 23, height: 23))
        #expect(layout.box(ofVector: embedded.tokens.count) == nil)
        // The attachment keeps the layout through storage.
        #expect(PageAttachment.decode(embedded.attachment.encoded()) == embedded.attachment)
    }

    @Test func maxSimOverTheCombinedDocumentIsTheBestOfWordsAndPatches() throws {
        let bundle = try #require(Self.bundle)
        let text = try #require(bundle.text), vision = try #require(bundle.image)
        var embedded = try PageEmbedder.embed([PageEmbedderTests.page("quarterly revenue table")], with: text)[0]
        let textVectors = embedded.tokens.count
        let patches = try PagePatches.embed(Self.image(), with: vision)
        try embedded.appendPatches(patches)
        let query = try MultiVector(rows: try #require(try text.embed(["revenue table"], options: text.retrievalOptions(.query, output: .multiVector))[0].get().tokenVectors))

        let words = Self.maxima(query, embedded.tokens, 0 ..< textVectors)
        let images = Self.maxima(query, embedded.tokens, textVectors ..< embedded.tokens.count)
        let expected = zip(words, images).map { max($0, $1) }.reduce(0, +)
        let scored = try MaxSim.scores(query, try EncodedCorpus([embedded.tokens], dimension: query.dimension, precision: .float32).view)
        #expect(abs(scored[0] - expected) < 1e-4)
        // Query vectors whose best match is a patch report the patch's box, not a word.
        let ignored = Set<Int>()
        let matchedPatches = PageMatches.patches(query: query, document: embedded.tokens, attachment: embedded.attachment, ignoredQueryVectors: ignored)
        let matchedWords = PageMatches.words(query: query, document: embedded.tokens, attachment: embedded.attachment, ignoredQueryVectors: ignored)
        let patchWins = zip(words, images).enumerated().filter { $0.element.1 > $0.element.0 }.map(\.offset)
        #expect(Set(matchedPatches.flatMap(\.queryVectors)).isSubset(of: Set(patchWins)))
        #expect(Set(matchedWords.flatMap(\.queryVectors)).isDisjoint(with: Set(patchWins)))
        #expect(matchedPatches.allSatisfy { $0.box.y >= 29 && $0.box.y + $0.box.height <= 119 })
    }

    @Test func imageVectorsOfAnotherWidthAreRefused() throws {
        let bundle = try #require(Self.bundle)
        var embedded = try PageEmbedder.embed([PageEmbedderTests.page("a page")], with: try #require(bundle.text))[0]
        #expect(throws: EmbeddingError.self) {
            try embedded.appendPatches(PagePatchVectors(vectors: [[Float](repeating: 0.1, count: embedded.tokens.dimension + 1)], rows: 1, columns: 1, region: PixelRect(x: 0, y: 0, width: 1, height: 1)))
        }
    }
}
