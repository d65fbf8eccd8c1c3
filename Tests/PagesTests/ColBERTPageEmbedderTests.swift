import EmbeddingTesting
import Encoders
import Foundation
import LateInteraction
import Testing
@testable import Pages

/// Pages embedded with a ColBERT-style model (the random-weight fixture: document length 20,
/// PyLate's punctuation skip list): its document path, word by word.
@Suite struct ColBERTPageEmbedderTests {
    static func fixture() throws -> (TemporaryDirectory, ColBERTTextEncoder) {
        let folder = try ColBERTFixture.make()
        let bundle = try ModelBundle.load(directory: folder.url)
        return (folder, try #require(bundle.lateInteraction))
    }

    /// The kept ids of each window: the ids whose vectors the encoder keeps.
    static func keptIDs(_ prepared: PreparedPage, _ colbert: ColBERTTextEncoder) -> [[Int32]] {
        prepared.windows.map { $0.ids.filter { !colbert.skiplistIDs.contains($0) } }
    }

    @Test func aPageOfOneWindowHasExactlyTheVectorsOfItsTextAsADocument() throws {
        let (folder, colbert) = try Self.fixture()
        defer { withExtendedLifetime(folder) {} }
        let page = PageEmbedderTests.page("The cat sat, on the mat.")
        let embedded = try ColBERTPageEmbedder.embed([page], with: colbert)[0]
        // Bit for bit: the same ids as the text's document input, encoded alone.
        let prepared = ColBERTPageEmbedder.prepare(page, with: colbert)
        #expect(prepared.windows.map(\.ids) == [try colbert.documentInput(page.text).ids])
        let reference = try colbert.encodeDocuments([page.text])[0]
        #expect(embedded.tokens.values == reference.flatMap { $0 })
        #expect(embedded.tokens.dimension == ColBERTFixture.headWidth)
        #expect(embedded.pooled == nil)
        // The skip list dropped "," and "." with their word entries: one entry per kept vector.
        let owners = embedded.attachment.vectorWords
        #expect(owners.count == embedded.tokens.count)
        let kept = Self.keptIDs(prepared, colbert)[0]
        #expect(kept.count == owners.count)
        #expect(kept.count < prepared.windows[0].ids.count)
        // [CLS] and the [D] marker lead, [SEP] ends; each other vector is a piece of its word.
        #expect(Array(owners.prefix(2)) == [-1, -1] && owners.last == -1)
        #expect(kept[1] == colbert.documentMarkerID)
        for (id, owner) in zip(kept, owners) where owner >= 0 {
            #expect(colbert.tokenizer.tokenIDs(of: page.words[owner].text).contains(id))
            #expect(!colbert.skiplistIDs.contains(id))
        }
        #expect(Set(owners.filter { $0 >= 0 }) == Set(page.words.indices))
        #expect(embedded.tokenCount == owners.filter { $0 >= 0 }.count)
    }

    @Test func aLongPageIsWindowsOfTheDocumentLengthEachEncodedAsADocumentOfItsWords() throws {
        let (folder, colbert) = try Self.fixture()
        defer { withExtendedLifetime(folder) {} }
        let page = PageEmbedderTests.page(PageEmbedderTests.invoice)
        let prepared = ColBERTPageEmbedder.prepare(page, with: colbert)
        #expect(prepared.windows.count > 2)
        #expect(prepared.windows.allSatisfy { $0.ids.count <= ColBERTFixture.documentLength && $0.ids[1] == colbert.documentMarkerID })
        let embedded = try ColBERTPageEmbedder.embed([page], with: colbert)[0]
        #expect(embedded.tokens.count == embedded.attachment.vectorWords.count)
        // Every word that is not punctuation alone keeps a vector.
        let wordy = page.words.indices.filter { !colbert.tokenizer.tokenIDs(of: page.words[$0].text).allSatisfy(colbert.skiplistIDs.contains) }
        #expect(Set(embedded.attachment.vectorWords.filter { $0 >= 0 }) == Set(wordy))
        // Window by window, the vectors are those of the window's words typed in as a document.
        var offset = 0
        for owners in prepared.tokenWords {
            let words = Array(Set(owners.filter { $0 >= 0 })).sorted().map { page.words[$0].text }
            let reference = try colbert.encodeDocuments([words.joined(separator: " ")])[0]
            #expect(reference.count == owners.count)
            let rows = (offset ..< offset + owners.count).map { embedded.tokens.row($0) }
            #expect(Closeness.maxAbsDifference(rows.flatMap { $0 }, reference.flatMap { $0 }) < 1e-5)
            offset += owners.count
        }
    }

    @Test func matchesMapEachQueryWordsMaximumToItsWordAndSkipTheQueryMarkersAndExpansion() throws {
        let (folder, colbert) = try Self.fixture()
        defer { withExtendedLifetime(folder) {} }
        let page = PageEmbedderTests.page(PageEmbedderTests.invoice)
        let embedded = try ColBERTPageEmbedder.embed([page], with: colbert)[0]
        let text = "late payment fee"
        let query = try MultiVector(rows: try colbert.encodeQueries([text])[0])
        let ignored = PageMatches.specialTokenVectors(ofQuery: text, encoder: colbert)
        let words = colbert.tokenizer.tokenIDs(of: text).count
        // [CLS], [Q], [SEP] and the [MASK]s: all but the query's own tokens.
        #expect(ignored.count == ColBERTFixture.queryLength - words)
        #expect(ignored.isSuperset(of: [0, 1]) && !ignored.contains(2))
        let matches = PageMatches.words(query: query, document: embedded.tokens, attachment: embedded.attachment, ignoredQueryVectors: ignored)
        #expect(matches.flatMap(\.queryVectors).count <= words)
        // Brute force: each query word's best document vector, and that vector's word.
        for i in 0 ..< query.count where !ignored.contains(i) {
            let dots = (0 ..< embedded.tokens.count).map { j in zip(query.row(i), embedded.tokens.row(j)).map(*).reduce(0, +) }
            let best = dots.indices.max { dots[$0] < dots[$1] }!
            let owner = embedded.attachment.vectorWords[best]
            let match = matches.first { $0.queryVectors.contains(i) }
            #expect(match?.index == (owner >= 0 ? owner : nil))
            if let match { #expect(match.word == page.words[owner]) }
        }
    }

    @Test func aPageAsAQueryIsItsTextThroughTheQueryPath() throws {
        let (folder, colbert) = try Self.fixture()
        defer { withExtendedLifetime(folder) {} }
        let page = PageEmbedderTests.page("quarterly revenue")
        let query = try ColBERTPageEmbedder.query(page, with: colbert)
        #expect(query.tokens.values == (try colbert.encodeQueries(["quarterly revenue"])[0]).flatMap { $0 })
        #expect(query.tokens.count == ColBERTFixture.queryLength)
    }

    @Test func anOverlongSequenceIsRefusedByTheEncoder() throws {
        let (folder, colbert) = try Self.fixture()
        defer { withExtendedLifetime(folder) {} }
        #expect(throws: EmbeddingError.self) {
            try colbert.encodeDocuments(tokenized: [[Int32](repeating: 1000, count: ColBERTFixture.documentLength + 1)])
        }
        #expect(throws: EmbeddingError.self) { try colbert.encodeDocuments(tokenized: [[]]) }
    }
}
