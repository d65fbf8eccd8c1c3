import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// `tokenIDs(ofWords:)`: the ids of the words joined by spaces, each with its word.
@Suite struct WordTokenIDsTests {
    /// Words of the extra texts split at whitespace, without the ones holding added tokens
    /// that span a space (not a case of words from a page).
    static func wordLists() throws -> [[String]] {
        try ByteLevelExtra.load().modernbert.map { $0.text.split(whereSeparator: \.isWhitespace).map(String.init) }
            + [["hello", "world"], ["a", "[MASK]", "b"], ["naïve", "café"], ["北京", "是", "中国"], ["x"], []]
    }

    @Test func byteLevelWordsTokeniseAsTheJoinedText() throws {
        let tokenizer = try ByteLevelBPEGoldenTests.modernBERT()
        for words in try Self.wordLists() {
            let result = tokenizer.tokenIDs(ofWords: words)
            #expect(result.ids == tokenizer.tokenIDs(of: words.joined(separator: " ")), "\(words)")
            #expect(result.wordIndexes.count == result.ids.count)
            #expect(result.wordIndexes == result.wordIndexes.sorted())
            // Every non-empty word has tokens, and each word's tokens are those of " " + word.
            for (index, word) in words.enumerated() {
                let own = zip(result.ids, result.wordIndexes).filter { $0.1 == index }.map(\.0)
                #expect(own == tokenizer.tokenIDs(of: index == 0 ? word : " " + word), "\(words) word \(index)")
            }
        }
    }

    /// The reason the method exists: alone, a word is spelled without its space.
    @Test func byteLevelWordAfterSpaceDiffersFromWordAlone() throws {
        let tokenizer = try ByteLevelBPEGoldenTests.modernBERT()
        let result = tokenizer.tokenIDs(ofWords: ["the", "photo"])
        let alone = tokenizer.tokenIDs(of: "photo")
        #expect(Array(result.ids.suffix(from: result.wordIndexes.firstIndex(of: 1)!)) != alone)
        #expect(result.wordIndexes.first == 0 && result.wordIndexes.last == 1)
    }

    @Test func emptyWordsYieldNoIDs() throws {
        let tokenizer = try ByteLevelBPEGoldenTests.modernBERT()
        let result = tokenizer.tokenIDs(ofWords: ["", "a", "", "b"])
        #expect(Set(result.wordIndexes) == [1, 3])
        #expect(result.ids == tokenizer.tokenIDs(of: " a b"))
    }

    /// WordPiece and CLIP drop whitespace, so word by word is the joined text.
    @Test func wordPieceAndClipWordsTokeniseAsTheJoinedText() throws {
        let bert = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        let clip = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        for tokenizer in [bert as any TextTokenizer, clip as any TextTokenizer] {
            for words in try Self.wordLists() where !words.contains("[MASK]") {
                let result = tokenizer.tokenIDs(ofWords: words)
                #expect(result.ids == tokenizer.tokenIDs(of: words.joined(separator: " ")), "\(words)")
                #expect(result.wordIndexes.count == result.ids.count)
            }
        }
    }
}
