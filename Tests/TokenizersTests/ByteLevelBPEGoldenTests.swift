import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// `tiny-modernbert/golden.json`: sentence-transformers ids (max_seq_length 64, truncation at
/// the end), plain and with the "query" prompt.
struct ModernBertGolden: Decodable {
    struct Case: Decodable {
        var text: String
        var input_ids: [Int32]
        var prompt: String?
    }
    var max_seq_length: Int
    var cases: [Case]
    var query_prompt_cases: [Case]
}

/// `byte-level-bpe/extra.json`, made by make_extra.py with Hugging Face tokenizers.
struct ByteLevelExtra: Decodable {
    struct Case: Decodable {
        var text: String
        var ids: [Int32]
        var input_ids: [Int32]
    }
    var tokenizers_version: String
    var modernbert: [Case]
    var modernbert_prefix_space: [Case]
    var colmodernvbert: [Case]
    var colbert: [Case]
    var siglip2: [Case]

    static func load() throws -> ByteLevelExtra {
        try Fixtures.load(ByteLevelExtra.self, from: "byte-level-bpe/extra.json")
    }
}

@Suite struct ByteLevelBPEGoldenTests {
    static func modernBERT() throws -> BPETokenizer {
        try BPETokenizer.load(modelDirectory: Fixtures.url("tiny-modernbert"))
    }

    @Test func matchesSentenceTransformersIDs() throws {
        let golden = try Fixtures.load(ModernBertGolden.self, from: "tiny-modernbert/golden.json")
        let tokenizer = try Self.modernBERT()
        #expect(golden.cases.count == 26)
        for (index, reference) in golden.cases.enumerated() {
            let encoded = try tokenizer.encode(reference.text, maxLength: golden.max_seq_length, truncation: .end)
            #expect(encoded.ids == reference.input_ids, "case \(index): \(String(reflecting: reference.text))")
        }
        // The golden includes texts cut at 64 tokens, so truncation is exercised.
        #expect(golden.cases.contains { $0.input_ids.count == golden.max_seq_length })
    }

    /// sentence-transformers prepends the prompt to the text before tokenising.
    @Test func matchesQueryPromptIDs() throws {
        let golden = try Fixtures.load(ModernBertGolden.self, from: "tiny-modernbert/golden.json")
        let tokenizer = try Self.modernBERT()
        #expect(golden.query_prompt_cases.count == 4)
        for reference in golden.query_prompt_cases {
            let prompt = try #require(reference.prompt)
            #expect(prompt == "search_query: ")
            let encoded = try tokenizer.encode(prompt + reference.text, maxLength: golden.max_seq_length, truncation: .end)
            #expect(encoded.ids == reference.input_ids, "\(String(reflecting: reference.text))")
        }
    }

    @Test func loaderPicksByteLevelPipelineForModernBERT() throws {
        for folder in ["tiny-modernbert", "tiny-modernbert-colbert", "tiny-colmodernvbert"] {
            let tokenizer = try TokenizerLoader.load(modelDirectory: Fixtures.url(folder))
            #expect(tokenizer is BPETokenizer, "\(folder)")
        }
        // CLIP's tokenizer.json is BPE too, with its own pipeline.
        #expect(try TokenizerLoader.load(modelDirectory: Fixtures.url("tiny-clip")) is ClipBPETokenizer)
    }

    @Test func exposesSpecialTokens() throws {
        let tokenizer = try Self.modernBERT()
        #expect(tokenizer.sequencePrefix == [927])
        #expect(tokenizer.sequenceSuffix == [928])
        #expect(tokenizer.tokenID("[CLS]") == 927)
        #expect(tokenizer.tokenID("[MASK]") == 930)
        #expect(tokenizer.maskTokenID == 930)
        #expect(tokenizer.padTokenID == 929)
        #expect(tokenizer.tokenID("Ġt") != nil)
        #expect(tokenizer.tokenID("no such token") == nil)
        // 900 vocabulary entries and added tokens up to [unused28] = 959.
        #expect(tokenizer.vocabularySize == 960)
        // Through the protocol too.
        let erased: any TextTokenizer = tokenizer
        #expect(erased.maskTokenID == 930)
    }

    /// ModernColBERT pads queries with [MASK] (tokenizer_config.json pad_token).
    @Test func colbertPadsWithMask() throws {
        let tokenizer = try BPETokenizer.load(modelDirectory: Fixtures.url("tiny-modernbert-colbert"))
        #expect(tokenizer.padTokenID == 930)
        #expect(tokenizer.maskTokenID == 930)
        #expect(tokenizer.tokenID("[Q] ") == 960)
        #expect(tokenizer.tokenID("[D] ") == 961)
    }

    @Test func truncationKeepsSpecialTokens() throws {
        let tokenizer = try Self.modernBERT()
        let text = "the quick brown fox jumps over the lazy dog"
        let full = tokenizer.tokenIDs(of: text)
        #expect(full.count > 6)
        let end = try tokenizer.encode(text, maxLength: 6, truncation: .end)
        #expect(end.ids == [927] + full.prefix(4) + [928])
        #expect(end.wasTruncated)
        let start = try tokenizer.encode(text, maxLength: 6, truncation: .start)
        #expect(start.ids == [927] + full.suffix(4) + [928])
        #expect(throws: TokenizerError.tooLong(tokenCount: full.count + 2, limit: 6)) {
            try tokenizer.encode(text, maxLength: 6, truncation: .error)
        }
        #expect(throws: TokenizerError.maxLengthTooSmall(maxLength: 1, specialTokenCount: 2)) {
            try tokenizer.encode(text, maxLength: 1, truncation: .end)
        }
    }

    /// Texts chosen to probe each stage, against Hugging Face tokenizers itself.
    @Test func matchesTokenizersOnExtraTexts() throws {
        let extra = try ByteLevelExtra.load()
        #expect(extra.tokenizers_version == "0.23.3")
        let cases: [(String, [ByteLevelExtra.Case])] = [
            ("tiny-modernbert", extra.modernbert), ("tiny-colmodernvbert", extra.colmodernvbert),
            ("tiny-modernbert-colbert", extra.colbert),
        ]
        for (folder, references) in cases {
            let tokenizer = try BPETokenizer.load(modelDirectory: Fixtures.url(folder))
            #expect(!references.isEmpty)
            for reference in references {
                #expect(tokenizer.tokenIDs(of: reference.text) == reference.ids, "\(folder): \(String(reflecting: reference.text))")
                let encoded = try tokenizer.encode(reference.text, maxLength: 512, truncation: .error)
                #expect(encoded.ids == reference.input_ids, "\(folder): \(String(reflecting: reference.text))")
            }
        }
    }

    /// `add_prefix_space: true` (GPT-2, RoBERTa): the first word gets a space like the others.
    @Test func prefixSpaceVariantMatchesTokenizers() throws {
        let extra = try ByteLevelExtra.load()
        let directory = try TemporaryDirectory()
        let original = try String(contentsOf: Fixtures.url("tiny-modernbert/tokenizer.json"), encoding: .utf8)
        let marker = "\"type\": \"ByteLevel\",\n    \"add_prefix_space\": false"
        let pre = try #require(original.range(of: marker), "pre_tokenizer spelled as expected")
        try directory.write(original.replacingCharacters(in: pre, with: "\"type\": \"ByteLevel\",\n    \"add_prefix_space\": true"), to: "tokenizer.json")
        let tokenizer = try BPETokenizer.load(modelDirectory: directory.url)
        for reference in extra.modernbert_prefix_space {
            #expect(tokenizer.tokenIDs(of: reference.text) == reference.ids, "\(String(reflecting: reference.text))")
        }
    }
}
