import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
@testable import Pages

/// Page text layers embedded with the default model: windows, the word of every token vector,
/// and the words a query matched.
@Suite struct PageEmbedderTests {
    static let bundle: ModelBundle? = try? ModelBundle.load(directory: Fixtures.defaultModel)

    /// Words laid out left to right, a line per `perLine` words.
    static func page(_ text: String, perLine: Int = 8) -> PageText {
        let words = text.split(separator: " ").enumerated().map { index, word in
            PageWord(
                text: String(word), box: PixelRect(x: 10 + (index % perLine) * 60, y: 20 + (index / perLine) * 30, width: 50, height: 20),
                confidence: 90, block: 0, line: index / perLine)
        }
        return PageText(width: 600, height: 800, words: words, source: .ocr)
    }

    static let invoice = "Invoice 2041: total due 1,250.00 EUR by March 3rd. Payment by bank transfer to the account below; "
        + "late payments incur a fee of two percent per month."

    @Test func aShortPageHasTheTokensAndVectorsOfItsTextAndEveryTokenKnowsItsWord() throws {
        let embedder = try #require(Self.bundle?.text)
        let page = Self.page(Self.invoice)
        let embedded = try PageEmbedder.embed([page], with: embedder)[0]
        // Tokenised word by word, the page has exactly the ids of its text tokenised whole.
        let whole = try embedder.tokenize([page.text], options: embedder.retrievalOptions(.document, output: .both))[0].get()
        let windows = PageTokenWindows(
            words: page.words, tokenizer: embedder.tokenizer, prefix: embedder.tokenizer.sequencePrefix,
            suffix: embedder.tokenizer.sequenceSuffix, maxLength: 256, maxTokens: 8192)
        #expect(windows.windows.map(\.ids) == [whole.ids])
        // ... so its vectors are the text's multi-vector output.
        let reference = try embedder.embed([page.text], options: embedder.retrievalOptions(.document, output: .both))[0].get()
        let rows = try #require(reference.tokenVectors)
        #expect(embedded.tokens.count == rows.count)
        #expect(Closeness.maxAbsDifference(embedded.tokens.values, rows.flatMap { $0 }) < 1e-5)
        #expect(Closeness.maxAbsDifference(try #require(embedded.pooled), try #require(reference.pooled)) < 1e-5)
        // Special tokens map to no word; every other token to the word whose pieces it is.
        let owners = embedded.attachment.vectorWords
        #expect(owners.first == -1 && owners.last == -1)
        for (position, owner) in owners.enumerated() where owner >= 0 {
            let pieces = embedder.tokenizer.tokenIDs(of: page.words[owner].text)
            #expect(pieces.contains(whole.ids[position]))
        }
        #expect(Set(owners.filter { $0 >= 0 }) == Set(page.words.indices))
        #expect(embedded.tokenCount == owners.filter { $0 >= 0 }.count)
    }

    @Test func aLongPageKeepsEveryWordAcrossWindowsAndARunawayPageIsCut() throws {
        let embedder = try #require(Self.bundle?.text)
        let long = Self.page(Array(repeating: Self.invoice, count: 12).joined(separator: " "))
        let embedded = try PageEmbedder.embed([long], with: embedder)[0]
        let windows = PageTokenWindows(
            words: long.words, tokenizer: embedder.tokenizer, prefix: embedder.tokenizer.sequencePrefix,
            suffix: embedder.tokenizer.sequenceSuffix, maxLength: 256, maxTokens: 8192)
        #expect(windows.windows.count > 1)
        #expect(windows.windows.allSatisfy { $0.ids.count <= 256 })
        #expect(Set(embedded.attachment.vectorWords.filter { $0 >= 0 }) == Set(long.words.indices))
        #expect(embedded.tokens.count == embedded.attachment.vectorWords.count)
        #expect(embedded.attachment.page.note == nil)

        let capped = try PageEmbedder.embed([long], with: embedder, maxTokens: 300)[0]
        #expect(capped.tokens.count <= 300)
        #expect(capped.attachment.page.note?.contains("words left out") == true)
    }

    @Test func anEmptyPageIsItsSpecialTokensAndKeepsItsNote() throws {
        let embedder = try #require(Self.bundle?.text)
        let blank = PageText(width: 100, height: 100, words: [], source: .ocr, note: "blank page")
        let embedded = try PageEmbedder.embed([blank], with: embedder)[0]
        #expect(embedded.tokens.count == 2)
        #expect(embedded.attachment.vectorWords == [-1, -1])
        #expect(embedded.attachment.page.note == "blank page")
        #expect(embedded.tokenCount == 0)
    }

    @Test func theWordsAQueryMatchedAreThoseItNames() throws {
        let embedder = try #require(Self.bundle?.text)
        let page = Self.page(Self.invoice)
        let embedded = try PageEmbedder.embed([page], with: embedder)[0]
        let query = try embedder.embed(["bank transfer"], options: embedder.retrievalOptions(.query, output: .multiVector))[0].get()
        let queryVectors = try MultiVector(rows: try #require(query.tokenVectors))
        // [CLS] and [SEP] of the query are not words of it.
        let matches = PageMatches.words(
            query: queryVectors, document: embedded.tokens, attachment: embedded.attachment,
            ignoredQueryVectors: [0, queryVectors.count - 1])
        #expect(Set(matches.prefix(2).map(\.word.text)) == ["bank", "transfer"], "\(matches.map(\.word.text))")
        #expect(matches.allSatisfy { $0.word == page.words[$0.index] })
        #expect(matches.flatMap(\.queryVectors).sorted() == Array(1 ..< queryVectors.count - 1))
    }

    @Test func attachmentsRoundTripAndForeignBytesAreNotPages() throws {
        let attachment = PageAttachment(page: Self.page("a few words here"), vectorWords: [-1, 0, 1, 2, 3, -1])
        #expect(PageAttachment.decode(attachment.encoded()) == attachment)
        #expect(PageAttachment.decode(Array("not json".utf8)) == nil)
        #expect(PageAttachment.decode(Array(#"{"version": 9, "page": {}, "vectorWords": []}"#.utf8)) == nil)
        #expect(Self.page("one two three four five six seven eight nine", perLine: 4).text == "one two three four\nfive six seven eight\nnine")
    }
}
