import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// SigLIP2's Gemma-style tokenizer: lower-casing, spaces as "▁", character-level BPE with byte
/// fallback, no special tokens around the text.
@Suite struct CharacterLevelBPETests {
    static func siglip2() throws -> BPETokenizer {
        try BPETokenizer.load(modelDirectory: Fixtures.url("tiny-siglip2"))
    }

    /// Against tokenizers 0.23.3; the first six texts are tiny-siglip2/golden.json's, whose
    /// unpadded ids make_extra.py checked equal to the golden.
    @Test func matchesTokenizers() throws {
        let extra = try ByteLevelExtra.load()
        let tokenizer = try Self.siglip2()
        #expect(extra.siglip2.count == 13)
        for reference in extra.siglip2 {
            #expect(tokenizer.tokenIDs(of: reference.text) == reference.ids, "\(String(reflecting: reference.text))")
            let encoded = try tokenizer.encode(reference.text, maxLength: 512, truncation: .error)
            #expect(encoded.ids == reference.input_ids, "\(String(reflecting: reference.text))")
        }
    }

    @Test func loadsThroughTheLoaderWithItsSpecialTokens() throws {
        let tokenizer = try TokenizerLoader.load(modelDirectory: Fixtures.url("tiny-siglip2"))
        #expect(tokenizer is BPETokenizer)
        #expect(tokenizer.sequencePrefix.isEmpty && tokenizer.sequenceSuffix.isEmpty)
        #expect(tokenizer.padTokenID == 0)
        #expect(tokenizer.maskTokenID == 4)
        #expect(tokenizer.tokenID("<0xFF>") != nil)
        #expect(tokenizer.vocabularySize == 1061)
    }

    /// SigLIP2 truncates at the end to 64 ids (the golden's longest text is cut there).
    @Test func truncatesAtTheEnd() throws {
        let tokenizer = try Self.siglip2()
        let text = String(repeating: "repeated ", count: 30)
        let full = tokenizer.tokenIDs(of: text)
        #expect(full.count > 64)
        let encoded = try tokenizer.encode(text, maxLength: 64, truncation: .end)
        #expect(encoded.ids == Array(full.prefix(64)) && encoded.wasTruncated)
    }

    /// A character outside the vocabulary becomes its UTF-8 bytes; without byte fallback it is
    /// the unknown token, one for a run of them when fuse_unk is set.
    @Test func unknownCharactersFallBackToBytesOrUnknown() throws {
        let tokenizer = try Self.siglip2()
        let snowman = tokenizer.tokenIDs(of: "☃")
        #expect(snowman == [0xE2, 0x98, 0x83].map { tokenizer.tokenID("<0x\(String($0, radix: 16, uppercase: true))>")! })

        let data = try Data(contentsOf: Fixtures.url("tiny-siglip2/tokenizer.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var model = json["model"] as! [String: Any]
        model["byte_fallback"] = false
        json["model"] = model
        let directory = try TemporaryDirectory()
        try JSONSerialization.data(withJSONObject: json).write(to: directory.url.appendingPathComponent("tokenizer.json"))
        let noFallback = try BPETokenizer.load(modelDirectory: directory.url)
        let unknown = try #require(noFallback.tokenID("<unk>"))
        #expect(noFallback.tokenIDs(of: "☃☃") == [unknown])
        #expect(noFallback.tokenIDs(of: "x☃☃x").filter { $0 == unknown }.count == 1)
    }

    /// Both families in linear time on a megabyte (SigLIP2 merges it as one word, with spaces
    /// as "▁"): four times the text takes about four times as long.
    @Test func megabyteTextsAreLinear() throws {
        let golden = try Fixtures.load(ModernBertGolden.self, from: "tiny-modernbert/golden.json")
        let paragraph = golden.cases.map(\.text).joined(separator: " ")
        func text(bytes: Int) -> String {
            var result = ""
            while result.utf8.count < bytes { result += paragraph + " " }
            return result
        }
        let small = text(bytes: 256 * 1024)
        let large = text(bytes: 1024 * 1024)
        for tokenizer in [try ByteLevelBPEGoldenTests.modernBERT(), try Self.siglip2()] {
            // The fastest of three runs each: the other suites run beside this one, and a pause
            // of the machine during one run must not look like quadratic time.
            var smallCount = 0
            var largeCount = 0
            func fastest(_ body: () throws -> Void) rethrows -> Duration {
                var best = Duration.seconds(3600)
                for _ in 0..<3 { best = min(best, try ContinuousClock().measure(body)) }
                return best
            }
            let smallTime = try fastest {
                smallCount = try tokenizer.encode(small, maxLength: 1 << 30, truncation: .error).ids.count
            }
            let largeTime = try fastest {
                largeCount = try tokenizer.encode(large, maxLength: 1 << 30, truncation: .error).ids.count
            }
            #expect(largeCount > 3 * smallCount)
            #expect(largeTime < smallTime * 8 + .milliseconds(50), "\(smallTime) vs \(largeTime)")
        }
    }
}
