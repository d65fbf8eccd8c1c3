import EmbeddingKernels
import EmbeddingTesting
import Foundation
import Testing
import Tokenizers
@testable import Encoders

/// ColBERT conventions (PyLate's `ColBERT`) on ``ColBERTFixture``: a small random-weight BERT
/// with a Dense head, laid out the way PyLate saves a model.
@Suite struct ColBERTConventionTests {
    static let hidden = ColBERTFixture.hidden, headWidth = ColBERTFixture.headWidth
    static let queryLength = ColBERTFixture.queryLength, documentLength = ColBERTFixture.documentLength
    /// Ids PyLate's `tokenizer.add_tokens(["[Q] ", "[D] "])` gives after the 30522 WordPiece ids.
    static let queryMarker: Int32 = 30522, documentMarker: Int32 = 30523

    /// A model folder (``ColBERTFixture``); `conventions` replaces the whole of
    /// config_sentence_transformers.json.
    static func makeModel(conventions: [String: Any]? = nil) throws -> (folder: TemporaryDirectory, head: [Float]) {
        let settings: [String: Any] = conventions ?? [
            "query_prefix": "[Q] ", "document_prefix": "[D] ", "query_length": queryLength, "document_length": documentLength,
            "attend_to_expansion_tokens": false, "skiplist_words": ColBERTConventions.punctuation, "do_query_expansion": true,
            "prompts": [String: String](), "similarity_fn_name": "MaxSim",
        ]
        return try ColBERTFixture.makeWithHead(conventions: settings)
    }

    static func load(_ folder: TemporaryDirectory) throws -> ColBERTTextEncoder {
        let bundle = try ModelBundle.load(directory: folder.url)
        return try #require(bundle.lateInteraction)
    }

    @Test func conventionsAndMarkerIDsAreReadFromTheFolder() throws {
        let (folder, _) = try Self.makeModel()
        let bundle = try ModelBundle.load(directory: folder.url)
        #expect(bundle.text == nil)
        let encoder = try #require(bundle.lateInteraction)
        #expect(encoder.conventions == ColBERTConventions(
            queryPrefix: "[Q] ", documentPrefix: "[D] ", queryLength: Self.queryLength, documentLength: Self.documentLength,
            attendToExpansionTokens: false, skiplistWords: ColBERTConventions.punctuation, doQueryExpansion: true))
        #expect(encoder.queryMarkerID == Self.queryMarker && encoder.documentMarkerID == Self.documentMarker)
        #expect(encoder.maskTokenID == 103)
        #expect(encoder.dimension == Self.headWidth)
        // string.punctuation: 32 characters, each its own WordPiece token.
        #expect(encoder.skiplistIDs.count == 32 && encoder.skiplistIDs.contains(1010) && encoder.skiplistIDs.contains(999))
    }

    @Test func missingKeysTakePyLateDefaults() throws {
        let (folder, _) = try Self.makeModel(conventions: ["prompts": [String: String]()])
        #expect(try Self.load(folder).conventions == .pylateDefaults)
    }

    @Test func queryHasMarkerAfterCLSAndIsPaddedWithMask() throws {
        let (folder, _) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let words = encoder.tokenizer.tokenIDs(of: "what is late interaction?")
        let input = try encoder.queryInput("what is late interaction?")
        let padding = Self.queryLength - 3 - words.count
        #expect(input.ids == [101, Self.queryMarker] + words + [102] + [Int32](repeating: 103, count: padding))
        #expect(input.attendable == [Bool](repeating: true, count: words.count + 3) + [Bool](repeating: false, count: padding))
        // Too long: the text is cut so that [CLS] [Q] … [SEP] is exactly query_length.
        let long = try encoder.queryInput(String(repeating: "retrieval ", count: 40))
        #expect(long.ids.count == Self.queryLength && long.truncated)
        #expect(long.ids.prefix(2) == [101, Self.queryMarker] && long.ids.last == 102 && !long.ids.contains(103))
    }

    @Test func documentHasMarkerNoPaddingAndIsCutAtDocumentLength() throws {
        let (folder, _) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let text = "Late interaction, as in ColBERT: one vector per token, scored by the maximum similarity of each query token!"
        let input = try encoder.documentInput(text)
        #expect(input.ids == [101, Self.documentMarker] + encoder.tokenizer.tokenIDs(of: text).prefix(Self.documentLength - 3) + [102])
        #expect(input.ids.count == Self.documentLength && input.attendable.allSatisfy { $0 })
        let short = try encoder.documentInput("hello")
        #expect(short.ids == [101, Self.documentMarker, encoder.tokenizer.tokenIDs(of: "hello")[0], 102])
    }

    /// Document vectors: every non-punctuation position of the forward pass, through the head
    /// (computed here by hand from the weights) and L2-normalised.
    @Test func documentVectorsSkipPunctuationAndApplyTheHead() throws {
        let (folder, head) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let text = "hello, world! (late) interaction."
        let input = try encoder.documentInput(text)
        let vectors = try #require(try encoder.encodeDocuments([text]).first)
        let states = encoder.backbone([input.ids])
        let kept = input.ids.indices.filter { !encoder.skiplistIDs.contains(input.ids[$0]) }
        #expect(kept.count == input.ids.count - 5)
        #expect(vectors.count == kept.count)
        for (vector, position) in zip(vectors, kept) {
            let expected = Self.projectAndNormalize(states.values.row(position), head: head)
            #expect(Closeness.maxAbsDifference(vector, expected) < 1e-5)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
    }

    /// Expansion tokens yield vectors but are invisible to the query's own tokens: those rows
    /// equal the encoding of the unpadded query. With attend_to_expansion_tokens they differ.
    @Test func queryTokensDoNotAttendToExpansionTokens() throws {
        let (folder, head) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let input = try encoder.queryInput("colbert query")
        let real = input.attendable.filter { $0 }.count
        let vectors = try #require(try encoder.encodeQueries(["colbert query"]).first)
        #expect(vectors.count == Self.queryLength)
        let alone = encoder.backbone([Array(input.ids.prefix(real))])
        for position in 0 ..< real {
            let expected = Self.projectAndNormalize(alone.values.row(position), head: head)
            #expect(Closeness.maxAbsDifference(vectors[position], expected) < 1e-5)
        }
        var settings = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.url.appendingPathComponent("config_sentence_transformers.json"))) as? [String: Any])
        settings["attend_to_expansion_tokens"] = true
        try JSONSerialization.data(withJSONObject: settings).write(to: folder.url.appendingPathComponent("config_sentence_transformers.json"))
        let attending = try Self.load(folder)
        #expect(try attending.queryInput("colbert query").attendable.allSatisfy { $0 })
        let mixed = try #require(try attending.encodeQueries(["colbert query"]).first)
        #expect(Closeness.maxAbsDifference(mixed[1], vectors[1]) > 1e-3)
    }

    @Test func withoutExpansionQueriesAreNotPadded() throws {
        let (folder, _) = try Self.makeModel(conventions: ["do_query_expansion": false, "attend_to_expansion_tokens": true, "query_length": 12])
        let encoder = try Self.load(folder)
        #expect(!encoder.conventions.attendToExpansionTokens)
        let input = try encoder.queryInput("short")
        #expect(input.ids == [101, Self.queryMarker, encoder.tokenizer.tokenIDs(of: "short")[0], 102])
        #expect(try encoder.encodeQueries(["short"])[0].count == 4)
    }

    /// Stanford ColBERT's markers are vocabulary tokens: [unused0] (id 1) and [unused1] (id 2).
    @Test func stanfordMarkersAndBadMarkers() throws {
        let (folder, _) = try Self.makeModel(conventions: ["query_prefix": "[unused0]", "document_prefix": "[unused1]"])
        let encoder = try Self.load(folder)
        #expect(encoder.queryMarkerID == 1 && encoder.documentMarkerID == 2)
        #expect(try encoder.documentInput("a").ids.prefix(2) == [101, 2])
        let (bad, _) = try Self.makeModel(conventions: ["query_prefix": "[QUERY]"])
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: bad.url) }
        let (wrongType, _) = try Self.makeModel(conventions: ["query_length": "32"])
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: wrongType.url) }
    }

    static func projectAndNormalize(_ row: [Float], head: [Float]) -> [Float] {
        let projected = (0 ..< headWidth).map { o in (0 ..< hidden).reduce(Float(0)) { $0 + head[o * hidden + $1] * row[$1] } }
        let norm = projected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return projected.map { $0 / norm }
    }
}
