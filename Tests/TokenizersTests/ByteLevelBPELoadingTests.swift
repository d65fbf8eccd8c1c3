import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// A tokenizer.json the byte-level pipeline cannot run exactly is refused, naming the file and
/// what it declares, rather than loaded to give different ids.
@Suite struct ByteLevelBPELoadingTests {
    /// tiny-modernbert's tokenizer.json with `edit` applied to its parsed JSON, in a fresh folder.
    static func folder(editing edit: (inout [String: Any]) -> Void) throws -> TemporaryDirectory {
        let data = try Data(contentsOf: Fixtures.url("tiny-modernbert/tokenizer.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&json)
        let directory = try TemporaryDirectory()
        try JSONSerialization.data(withJSONObject: json).write(to: directory.url.appendingPathComponent("tokenizer.json"))
        return directory
    }

    /// The reason of the `malformedFile` error loading `directory` gives, after checking the path.
    static func refusal(_ directory: TemporaryDirectory) -> String? {
        do {
            _ = try BPETokenizer.load(modelDirectory: directory.url)
            Issue.record("no error thrown")
            return nil
        } catch {
            guard case .malformedFile(let path, let reason) = error else {
                Issue.record("expected malformedFile, got \(error)")
                return nil
            }
            #expect(path == directory.url.appendingPathComponent("tokenizer.json").path)
            return reason
        }
    }

    @Test func refusesUnsupportedNormalizer() throws {
        let directory = try Self.folder { $0["normalizer"] = ["type": "BertNormalizer"] }
        #expect(Self.refusal(directory)?.contains("unsupported normalizer type BertNormalizer") == true)
    }

    @Test func refusesOtherPreTokenizers() throws {
        let directory = try Self.folder { $0["pre_tokenizer"] = ["type": "Whitespace"] }
        #expect(Self.refusal(directory)?.contains("unsupported pre_tokenizer Whitespace") == true)
    }

    @Test func refusesByteFallbackAndDropout() throws {
        let fallback = try Self.folder { json in
            var model = json["model"] as! [String: Any]
            model["byte_fallback"] = true
            json["model"] = model
        }
        #expect(Self.refusal(fallback)?.contains("byte_fallback") == true)
        let dropout = try Self.folder { json in
            var model = json["model"] as! [String: Any]
            model["dropout"] = 0.1
            json["model"] = model
        }
        #expect(Self.refusal(dropout)?.contains("dropout") == true)
    }

    @Test func refusesMergeOfUnknownToken() throws {
        let directory = try Self.folder { json in
            var model = json["model"] as! [String: Any]
            var merges = model["merges"] as! [Any]
            merges.append(["Ġ", "no-such-token"])
            model["merges"] = merges
            json["model"] = model
        }
        #expect(Self.refusal(directory)?.contains("no-such-token") == true)
    }

    @Test func missingTokenizerJSONIsNamed() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: TokenizerError.missingFile(path: directory.url.appendingPathComponent("tokenizer.json").path)) {
            try BPETokenizer.load(modelDirectory: directory.url)
        }
    }

    /// Normalisers other than NFC, as the fixture pipeline composed with them: a Sequence of
    /// Lowercase and a Replace changes what BPE sees.
    @Test func runsDeclaredNormalizerSequence() throws {
        let directory = try Self.folder {
            $0["normalizer"] = [
                "type": "Sequence",
                "normalizers": [["type": "NFC"], ["type": "Lowercase"], ["type": "Replace", "pattern": ["String": "x"], "content": "y"]],
            ]
        }
        let lowered = try BPETokenizer.load(modelDirectory: directory.url)
        let plain = try ByteLevelBPEGoldenTests.modernBERT()
        #expect(lowered.tokenIDs(of: "HELLO Xylophone") == plain.tokenIDs(of: "hello yylophone"))
        // Special added tokens are matched on the raw text, before lower-casing.
        #expect(lowered.tokenIDs(of: "[MASK]") == [930])
    }
}
