import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

@Suite struct WordPieceGoldenTests {
    @Test func matchesReferenceFromTokenizerJSON() throws {
        let golden = try MiniLMGolden.load()
        #expect(golden.cases.count == 30)
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        for (index, reference) in golden.cases.enumerated() {
            let encoded = try tokenizer.encode(reference.text, maxLength: golden.max_seq_length, truncation: .end)
            #expect(encoded.ids == reference.input_ids, "case \(index): \(String(reflecting: reference.text))")
        }
    }

    /// Without tokenizer.json, vocab.txt + tokenizer_config.json must give the same ids.
    @Test func matchesReferenceFromVocabularyText() throws {
        let golden = try MiniLMGolden.load()
        let directory = try TemporaryDirectory()
        for name in ["vocab.txt", "tokenizer_config.json"] {
            try FileManager.default.copyItem(
                at: Fixtures.defaultModel.appendingPathComponent(name), to: directory.url.appendingPathComponent(name))
        }
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: directory.url)
        for (index, reference) in golden.cases.enumerated() {
            let encoded = try tokenizer.encode(reference.text, maxLength: golden.max_seq_length, truncation: .end)
            #expect(encoded.ids == reference.input_ids, "case \(index): \(String(reflecting: reference.text))")
        }
    }

    @Test func reportsTruncationOfTheOverlongCase() throws {
        let golden = try MiniLMGolden.load()
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        let overlong = try #require(golden.cases.first { $0.input_ids.count == golden.max_seq_length })
        let encoded = try tokenizer.encode(overlong.text, maxLength: golden.max_seq_length, truncation: .end)
        #expect(encoded.wasTruncated)
        let short = try tokenizer.encode(golden.cases[0].text, maxLength: golden.max_seq_length, truncation: .end)
        #expect(!short.wasTruncated)
    }

    @Test func exposesSpecialTokensAndSizes() throws {
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        #expect(tokenizer.clsTokenID == 101)
        #expect(tokenizer.sepTokenID == 102)
        #expect(tokenizer.maskTokenID == 103)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.vocabularySize == 30522)
        #expect(tokenizer.tokenID("[UNK]") == 100)
        #expect(tokenizer.tokenID("##ing") == 2075)
        #expect(tokenizer.tokenID("no-such-token") == nil)
    }

    /// Special tokens written in the text are matched before normalisation, as the reference
    /// does (lower-casing would otherwise turn "[MASK]" into "[", "mask", "]").
    @Test func specialTokensInTextAreKept() throws {
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        let ids = tokenizer.tokenIDs(of: "paris is the [MASK] of france.[SEP]")
        #expect(ids == [3000, 2003, 1996, 103, 1997, 2605, 1012, 102])
        // Not special when spelled differently.
        #expect(tokenizer.tokenIDs(of: "[mask]") == [1031, 7308, 1033])
    }
}
