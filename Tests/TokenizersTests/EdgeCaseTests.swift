import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// Empty and blank texts, control characters, normalisation corners, huge inputs.
@Suite struct EdgeCaseTests {
    let bert: WordPieceTokenizer
    let clip: ClipBPETokenizer

    init() throws {
        bert = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        clip = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
    }

    @Test(arguments: ["", " ", "   \t\n\r\n  ", "\u{A0}\u{3000}\u{2028}"])
    func blankTextGivesOnlySpecialTokens(_ text: String) throws {
        #expect(try bert.encode(text, maxLength: 256, truncation: .error) == TokenizedText(ids: [101, 102], wasTruncated: false))
        #expect(try clip.encode(text, maxLength: 77, truncation: .error) == TokenizedText(ids: [49406, 49407], wasTruncated: false))
    }

    /// BERT cleaning deletes control and format characters (they do not split words) and turns
    /// every whitespace character into a separator.
    @Test func bertRemovesControlCharacters() {
        let word = bert.tokenIDs(of: "abcd")
        for control in ["\u{0}", "\u{7}", "\u{B}", "\u{C}", "\u{7F}", "\u{85}", "\u{200B}", "\u{FEFF}", "\u{FFFD}", "\u{E000}"] {
            #expect(bert.tokenIDs(of: "ab\(control)cd") == word, "U+\(String(control.unicodeScalars.first!.value, radix: 16))")
        }
        let split = bert.tokenIDs(of: "ab cd")
        for space in ["\t", "\n", "\r", "\u{A0}", "\u{2003}", "\u{3000}", "\u{2029}"] {
            #expect(bert.tokenIDs(of: "ab\(space)cd") == split)
        }
        #expect(bert.tokenIDs(of: "\u{0}\u{0}\u{0}").isEmpty)
    }

    /// CLIP (as transformers) keeps control characters: each run is a word of byte tokens.
    @Test func clipKeepsControlCharacters() {
        // "Ā</w>" is byte 0x00, "ć</w>" is byte 0x07.
        #expect(clip.tokenIDs(of: "a\u{0}b") == [320, 444, 321])
        #expect(clip.tokenIDs(of: "\u{7}") == [451])
        #expect(clip.tokenIDs(of: "a \u{A0}\u{2028} b") == [320, 321])
    }

    @Test func bertNormalisationCorners() {
        // Accents go, case goes, compatibility characters stay.
        #expect(bert.tokenIDs(of: "CAFÉ café cafe\u{301}") == bert.tokenIDs(of: "cafe cafe cafe"))
        #expect(bert.tokenIDs(of: "İ") == bert.tokenIDs(of: "i"))
        // Hangul is decomposed into conjoining jamo by the accent stripping NFD.
        #expect(bert.tokenIDs(of: "한") == bert.tokenIDs(of: "\u{1112}\u{1161}\u{11AB}"))
        // Every CJK ideograph is a word; kana are not.
        #expect(bert.tokenIDs(of: "北京") == bert.tokenIDs(of: "北 京"))
        // ASCII symbols are BERT punctuation; Unicode symbols (So, Sm) are not.
        #expect(bert.tokenIDs(of: "a$b") == bert.tokenIDs(of: "a $ b"))
        #expect(bert.tokenIDs(of: "a+b") == bert.tokenIDs(of: "a + b"))
        #expect(bert.tokenIDs(of: "a«b") == bert.tokenIDs(of: "a « b"))
        #expect(bert.tokenIDs(of: "a©b") != bert.tokenIDs(of: "a © b"))
    }

    /// Words over 100 characters are one [UNK]; at 100 they are still split into pieces.
    @Test func bertLongWords() {
        #expect(bert.tokenIDs(of: String(repeating: "a", count: 101)) == [100])
        let hundred = bert.tokenIDs(of: String(repeating: "a", count: 100))
        #expect(hundred.count > 1)
        #expect(!hundred.contains(100))
        // An unmatched character anywhere makes the whole word unknown.
        #expect(bert.tokenIDs(of: "hello\u{1F680}world") == [100])
    }

    @Test func clipRoundTripsBytes() throws {
        let decoder = try ClipDecoder()
        for text in ["hello world", "naïve café", "東京タワー", "🚀🔥👍", "x\u{0}y", "ǅemal", "don't'll've", "3.14159"] {
            let ids = clip.tokenIDs(of: text)
            // Spaces are dropped and a word's end is marked: compare with the words run together.
            let expected = ClipNormalizer().normalize(text).unicodeScalars.filter { !$0.properties.isWhitespace }
            #expect(decoder.decode(ids) == String(String.UnicodeScalarView(expected)), "\(text)")
        }
    }

    /// A megabyte of text goes through in linear time: four times the text takes about four
    /// times as long (a quadratic step would take sixteen).
    @Test func megabyteTextsAreLinear() throws {
        let golden = try MiniLMGolden.load()
        let paragraph = golden.cases.map(\.text).joined(separator: " ")
        func text(bytes: Int) -> String {
            var result = ""
            while result.utf8.count < bytes { result += paragraph + " " }
            return result
        }
        let small = text(bytes: 256 * 1024)
        let large = text(bytes: 1024 * 1024)
        for tokenizer in [bert as any TextTokenizer, clip as any TextTokenizer] {
            let clock = ContinuousClock()
            var smallCount = 0
            var largeCount = 0
            let smallTime = try clock.measure {
                smallCount = try tokenizer.encode(small, maxLength: 1 << 30, truncation: .error).ids.count
            }
            let largeTime = try clock.measure {
                largeCount = try tokenizer.encode(large, maxLength: 1 << 30, truncation: .error).ids.count
            }
            #expect(largeCount > 3 * smallCount)
            #expect(largeTime < smallTime * 8 + .milliseconds(50), "\(type(of: tokenizer)): \(smallTime) vs \(largeTime)")
            // Truncated encoding of the megabyte stops early.
            let truncated = try tokenizer.encode(large, maxLength: 256, truncation: .end)
            #expect(truncated.ids.count == 256 && truncated.wasTruncated)
        }
    }

    /// One megabyte-long word: BERT gives up at once ([UNK]); CLIP merges it with its heap.
    @Test func megabyteWord() throws {
        let word = String(repeating: "abcdefghij", count: 100_000)
        #expect(bert.tokenIDs(of: word) == [100])
        let ids = clip.tokenIDs(of: word)
        #expect(ids.count > 1000 && ids.count < 1_000_000)
        #expect(try ClipDecoder().decode(ids) == word)
    }

    @Test func concurrentEncodingAgrees() async throws {
        let golden = try ClipGolden.load()
        let texts = golden.texts.map(\.text)
        let clip = self.clip
        let bert = self.bert
        let expectedClip = texts.map { clip.tokenIDs(of: $0) }
        let expectedBert = texts.map { bert.tokenIDs(of: $0) }
        let fresh = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    for round in 0..<20 {
                        let index = (worker * 7 + round) % texts.count
                        if fresh.tokenIDs(of: texts[index]) != expectedClip[index] { mismatches += 1 }
                        if bert.tokenIDs(of: texts[index]) != expectedBert[index] { mismatches += 1 }
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
