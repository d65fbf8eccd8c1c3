import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

@Suite struct ClipGoldenTests {
    /// CLIP's context length, from tiny-clip/config.json text_config.max_position_embeddings.
    static let contextLength = 77

    /// A copy of tiny-clip with only vocab.json, merges.txt and tokenizer_config.json, so the
    /// loader cannot use tokenizer.json.
    static func directoryWithoutTokenizerJSON() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for name in ["vocab.json", "merges.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: Fixtures.url("tiny-clip/\(name)"), to: directory.url.appendingPathComponent(name))
        }
        return directory
    }

    static func check(_ tokenizer: ClipBPETokenizer) throws {
        let golden = try ClipGolden.load()
        #expect(golden.texts.count == 30)
        var divergent = 0
        for (index, reference) in golden.texts.enumerated() {
            let ids = try tokenizer.encode(reference.text, maxLength: contextLength, truncation: .end).ids
            if reference.input_ids == reference.openai_simple_tokenizer_ids {
                #expect(ids == reference.input_ids, "text \(index): \(String(reflecting: reference.text))")
            } else {
                // The one case where the references disagree (control characters): either will do.
                divergent += 1
                #expect(
                    ids == reference.input_ids || ids == reference.openai_simple_tokenizer_ids,
                    "text \(index): \(String(reflecting: reference.text))")
            }
        }
        #expect(divergent == 1)
    }

    @Test func matchesReferenceFromTokenizerJSON() throws {
        try Self.check(ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip")))
    }

    @Test func matchesReferenceFromVocabularyAndMerges() throws {
        let directory = try Self.directoryWithoutTokenizerJSON()
        try Self.check(ClipBPETokenizer.load(modelDirectory: directory.url))
    }

    /// We follow transformers on the control-character text: NUL and BEL become byte tokens.
    @Test func controlCharactersFollowTransformers() throws {
        let golden = try ClipGolden.load()
        let reference = try #require(golden.texts.first { $0.input_ids != $0.openai_simple_tokenizer_ids })
        let tokenizer = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        #expect(try tokenizer.encode(reference.text, maxLength: Self.contextLength, truncation: .end).ids == reference.input_ids)
    }

    @Test func exposesSpecialTokensAndSizes() throws {
        let tokenizer = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        #expect(tokenizer.startTokenID == 49406)
        #expect(tokenizer.endTokenID == 49407)
        #expect(tokenizer.padTokenID == 49407)
        #expect(tokenizer.vocabularySize == 49408)
        #expect(tokenizer.tokenID("<|endoftext|>") == 49407)
        #expect(tokenizer.tokenID("photo</w>") == 1125)
        #expect(tokenizer.tokenID("photo") == nil || tokenizer.tokenID("photo") != 1125)
    }

    @Test func bothSourcesAgreeOnMoreText() throws {
        let fromJSON = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        let directory = try Self.directoryWithoutTokenizerJSON()
        let fromFiles = try ClipBPETokenizer.load(modelDirectory: directory.url)
        for text in ["It's a dog's life, isn't it? We'll see; they'd've", "<|endoftext|> inside <|startoftext|>", "ÀÉÎ İstanbul ǅ"] {
            #expect(fromJSON.tokenIDs(of: text) == fromFiles.tokenIDs(of: text))
        }
    }

    /// Special tokens in the text are cut out before normalisation; spelled in capitals they
    /// are ordinary text split as the byte-level pre-tokenizer does ("<|", name, "|>").
    @Test func specialTokensInText() throws {
        let tokenizer = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        #expect(tokenizer.tokenIDs(of: "a<|endoftext|>b") == [320, 49407, 321])
        let capitals = tokenizer.tokenIDs(of: "<|ENDOFTEXT|>")
        #expect(!capitals.contains(49407))
        #expect(capitals == tokenizer.tokenIDs(of: "<| endoftext |>"))
    }

    /// The cache must not change results: a text encoded twice, and words seen in other
    /// contexts, give the same ids.
    @Test func cacheIsTransparent() throws {
        let tokenizer = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        let text = "the quick brown fox jumps over the lazy dog again and again"
        let first = tokenizer.tokenIDs(of: text)
        let second = tokenizer.tokenIDs(of: text)
        #expect(first == second)
        #expect(tokenizer.cache.count > 0)
        let uncached = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        #expect(uncached.tokenIDs(of: "fox") == tokenizer.tokenIDs(of: "fox"))
    }
}
