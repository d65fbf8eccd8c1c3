import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

@Suite struct TruncationTests {
    let bert: WordPieceTokenizer
    let clip: ClipBPETokenizer

    init() throws {
        bert = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        clip = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
    }

    /// "a b c d e" is five one-piece words: [CLS] a b c d e [SEP].
    @Test func endKeepsTheBeginning() throws {
        let full = bert.tokenIDs(of: "a b c d e")
        #expect(full.count == 5)
        let encoded = try bert.encode("a b c d e", maxLength: 5, truncation: .end)
        #expect(encoded.ids == [101] + full[0..<3] + [102])
        #expect(encoded.wasTruncated)
    }

    @Test func startKeepsTheEnd() throws {
        let full = bert.tokenIDs(of: "a b c d e")
        let encoded = try bert.encode("a b c d e", maxLength: 5, truncation: .start)
        #expect(encoded.ids == [101] + full[2...] + [102])
        #expect(encoded.wasTruncated)
    }

    @Test func errorRefusesOnlyWhatDoesNotFit() throws {
        #expect(throws: TokenizerError.tooLong(tokenCount: 7, limit: 6)) {
            try bert.encode("a b c d e", maxLength: 6, truncation: .error)
        }
        let exact = try bert.encode("a b c d e", maxLength: 7, truncation: .error)
        #expect(exact.ids.count == 7)
        #expect(!exact.wasTruncated)
    }

    @Test func maxLengthMustHoldTheSpecialTokens() throws {
        #expect(throws: TokenizerError.maxLengthTooSmall(maxLength: 1, specialTokenCount: 2)) {
            try bert.encode("a", maxLength: 1, truncation: .end)
        }
        #expect(throws: TokenizerError.maxLengthTooSmall(maxLength: 0, specialTokenCount: 2)) {
            try clip.encode("", maxLength: 0, truncation: .start)
        }
        let onlySpecial = try bert.encode("a b", maxLength: 2, truncation: .end)
        #expect(onlySpecial.ids == [101, 102])
        #expect(onlySpecial.wasTruncated)
    }

    /// `.end` stops tokenising early; whatever the cut, the result must equal the prefix of the
    /// full tokenisation, also when a word's pieces straddle the limit.
    @Test func earlyStopEqualsTruncatingTheFullResult() throws {
        let text = "Photovoltaic semiconductors: unbelievably [MASK] tokenization, 北京 — naïve!"
        let bertFull = bert.tokenIDs(of: text)
        let clipFull = clip.tokenIDs(of: text)
        for maxLength in 2...(bertFull.count + 3) {
            let encoded = try bert.encode(text, maxLength: maxLength, truncation: .end)
            #expect(encoded.ids == [101] + bertFull.prefix(maxLength - 2) + [102], "maxLength \(maxLength)")
            #expect(encoded.wasTruncated == (bertFull.count > maxLength - 2))
            let fromStart = try bert.encode(text, maxLength: maxLength, truncation: .start)
            #expect(fromStart.ids == [101] + bertFull.suffix(maxLength - 2) + [102], "maxLength \(maxLength)")
        }
        for maxLength in 2...(clipFull.count + 3) {
            let encoded = try clip.encode(text, maxLength: maxLength, truncation: .end)
            #expect(encoded.ids == [49406] + clipFull.prefix(maxLength - 2) + [49407], "maxLength \(maxLength)")
        }
    }

    /// CLIP's context: a long text fills 77 slots and still ends with <|endoftext|>.
    @Test func clipKeepsEndOfTextInTheLastSlot() throws {
        let text = String(repeating: "a photo of a cat sitting on a windowsill. ", count: 20)
        let encoded = try clip.encode(text, maxLength: 77, truncation: .end)
        #expect(encoded.ids.count == 77)
        #expect(encoded.ids.first == 49406)
        #expect(encoded.ids.last == 49407)
        #expect(encoded.wasTruncated)
        #expect(throws: TokenizerError.self) { try clip.encode(text, maxLength: 77, truncation: .error) }
    }
}
