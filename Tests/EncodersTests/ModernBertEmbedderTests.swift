import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing
import Tokenizers

/// Stands in for the byte-level BPE tokenizer (another slice): the golden ids of the golden
/// texts, so the whole ``TextEmbedder`` path (prompts, length-sorted batches, pooling,
/// normalisation) runs on exactly the reference's inputs.
struct GoldenLookupTokenizer: TextTokenizer {
    let idsByText: [String: [Int32]]
    var vocabularySize: Int = 960

    func encode(_ text: String, maxLength: Int, truncation: TruncationPolicy) throws(TokenizerError) -> TokenizedText {
        guard let ids = idsByText[text] else { throw .malformedFile(path: "golden.json", reason: "no ids for '\(text)'") }
        guard ids.count <= maxLength else { throw .tooLong(tokenCount: ids.count, limit: maxLength) }
        return TokenizedText(ids: ids, wasTruncated: false)
    }

    func tokenID(_ token: String) -> Int32? { nil }
    func tokenIDs(of text: String) -> [Int32] { [] }
    var sequencePrefix: [Int32] { [927] }
    var sequenceSuffix: [Int32] { [928] }
    var padTokenID: Int32 { 929 }
}

@Suite struct ModernBertEmbedderTests {
    static let golden = Result { try ModernBertGolden.load() }

    static func embedder(vocabularySize: Int = 960) throws -> TextEmbedder {
        let golden = try golden.get()
        var ids: [String: [Int32]] = [:]
        for item in golden.cases { ids[item.text] = item.input_ids }
        for item in golden.query_prompt_cases { ids[item.prompt + item.text] = item.input_ids }
        let tokenizer = GoldenLookupTokenizer(idsByText: ids, vocabularySize: vocabularySize)
        return try ModernBertTextTower.embedder(directory: Fixtures.url(ModernBertGolden.folder), tokenizer: tokenizer)
    }

    @Test func textsAndQueryPromptsEmbedAsSentenceTransformers() throws {
        let golden = try Self.golden.get()
        let embedder = try Self.embedder()
        #expect(embedder.maxLength == 64)
        let results = try embedder.embed(golden.cases.map(\.text), options: .init(batchSize: 8))
        for (reference, result) in zip(golden.cases, results) {
            let difference = Closeness.maxAbsDifference(try #require(try result.get().pooled), reference.embedding)
            #expect(difference < 1e-4, "'\(reference.text.prefix(30))' differs by \(difference)")
        }
        let queries = try embedder.embed(golden.query_prompt_cases.map(\.text), options: .init(promptName: "query"))
        for (reference, result) in zip(golden.query_prompt_cases, queries) {
            let difference = Closeness.maxAbsDifference(try #require(try result.get().pooled), reference.embedding)
            #expect(difference < 1e-4, "query '\(reference.text.prefix(30))' differs by \(difference)")
        }
    }

    @Test func aTokenizerLargerThanTheEmbeddingTableIsRefused() throws {
        #expect(throws: ModelLoadError.self) { try Self.embedder(vocabularySize: 961) }
    }
}
