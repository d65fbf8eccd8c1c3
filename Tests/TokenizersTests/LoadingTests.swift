import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// Missing and malformed files give errors that name the file.
@Suite struct LoadingTests {
    /// The error thrown by `body`, failing the test when there is none or it is not a
    /// `TokenizerError`.
    func error(_ body: () throws -> Void) -> TokenizerError? {
        do {
            try body()
            Issue.record("no error thrown")
            return nil
        } catch {
            guard let error = error as? TokenizerError else {
                Issue.record("unexpected error \(error)")
                return nil
            }
            return error
        }
    }

    @Test func emptyDirectoryNamesTheExpectedFiles() throws {
        let directory = try TemporaryDirectory()
        let wordPiece = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        #expect(
            wordPiece == .missingFile(
                path: directory.url.appendingPathComponent("tokenizer.json").path,
                alternatives: [directory.url.appendingPathComponent("vocab.txt").path]))
        #expect(wordPiece?.description.contains("vocab.txt") == true)

        let clip = error { _ = try ClipBPETokenizer.load(modelDirectory: directory.url) }
        guard case .missingFile(let path, let alternatives) = clip else {
            Issue.record("expected missingFile, got \(String(describing: clip))")
            return
        }
        #expect(path.hasSuffix("tokenizer.json"))
        #expect(alternatives.contains { $0.hasSuffix("vocab.json") } && alternatives.contains { $0.hasSuffix("merges.txt") })

        let auto = error { _ = try TokenizerLoader.load(modelDirectory: directory.url) }
        #expect(auto?.description.contains("tokenizer.json") == true)
    }

    @Test func invalidJSONNamesTheFileAndOffset() throws {
        let directory = try TemporaryDirectory()
        try directory.write("{\"model\": {\"vocab\": {\"a\": 1,,}}}", to: "tokenizer.json")
        let failure = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        guard case .malformedFile(let path, let reason) = failure else {
            Issue.record("expected malformedFile, got \(String(describing: failure))")
            return
        }
        #expect(path == directory.url.appendingPathComponent("tokenizer.json").path)
        #expect(reason.contains("byte 28"))
    }

    @Test func truncatedTokenizerJSON() throws {
        let directory = try TemporaryDirectory()
        let original = try String(contentsOf: Fixtures.defaultModel.appendingPathComponent("tokenizer.json"), encoding: .utf8)
        try directory.write(String(original.prefix(5000)), to: "tokenizer.json")
        let failure = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("tokenizer.json") == true)
    }

    @Test func wordPieceNeedsItsUnknownToken() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            """
            {"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "BertPreTokenizer"},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"a": 0, "b": 1}}}
            """, to: "tokenizer.json")
        let failure = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("[UNK]") == true)
    }

    @Test func wordPieceRefusesOtherPipelines() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            """
            {"normalizer": {"type": "NFKC"}, "pre_tokenizer": {"type": "BertPreTokenizer"},
             "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}
            """, to: "tokenizer.json")
        let failure = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("NFKC") == true)
    }

    @Test func clipNeedsMergesNextToVocabulary() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(
            at: Fixtures.url("tiny-clip/vocab.json"), to: directory.url.appendingPathComponent("vocab.json"))
        let failure = error { _ = try ClipBPETokenizer.load(modelDirectory: directory.url) }
        #expect(failure == .missingFile(path: directory.url.appendingPathComponent("merges.txt").path))
    }

    @Test func clipMergeWithUnknownTokenNamesTheFile() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.copyItem(
            at: Fixtures.url("tiny-clip/vocab.json"), to: directory.url.appendingPathComponent("vocab.json"))
        try directory.write("#version: 0.2\ni n\nnot-a-token x\n", to: "merges.txt")
        let failure = error { _ = try ClipBPETokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("merge 1") == true)

        try directory.write("#version: 0.2\ni n\nthree parts here\n", to: "merges.txt")
        let badLine = error { _ = try ClipBPETokenizer.load(modelDirectory: directory.url) }
        #expect(badLine == .malformedFile(path: directory.url.appendingPathComponent("merges.txt").path, reason: "line 3 is not two tokens separated by a space"))
    }

    /// A GPT-2-style BPE tokenizer.json is not CLIP's and must not load as such.
    @Test func clipRefusesOtherBPE() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            """
            {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}}
            """, to: "tokenizer.json")
        let failure = error { _ = try ClipBPETokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("not a CLIP tokenizer") == true)
    }

    @Test func loaderPicksTheFamily() throws {
        #expect(try TokenizerLoader.load(modelDirectory: Fixtures.defaultModel) is WordPieceTokenizer)
        #expect(try TokenizerLoader.load(modelDirectory: Fixtures.url("tiny-clip")) is ClipBPETokenizer)
        let clipFiles = try ClipGoldenTests.directoryWithoutTokenizerJSON()
        #expect(try TokenizerLoader.load(modelDirectory: clipFiles.url) is ClipBPETokenizer)
    }

    /// Merges given as ["a", "b"] pairs (newer tokenizer.json) load like "a b" strings.
    @Test func mergesAsPairs() throws {
        let directory = try TemporaryDirectory()
        let original = try String(contentsOf: Fixtures.url("tiny-clip/tokenizer.json"), encoding: .utf8)
        // Re-serialise merges in the other format than the fixture uses.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
        var model = try #require(object["model"] as? [String: Any])
        let merges = try #require(model["merges"] as? [Any])
        model["merges"] = merges.map { entry -> Any in
            if let pair = entry as? [String] { return pair.joined(separator: " ") }
            return (entry as! String).split(separator: " ").map(String.init)
        }
        var rewritten = object
        rewritten["model"] = model
        try JSONSerialization.data(withJSONObject: rewritten).write(to: directory.url.appendingPathComponent("tokenizer.json"))
        let tokenizer = try ClipBPETokenizer.load(modelDirectory: directory.url)
        let reference = try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        let text = "A photo of a cat sitting on a windowsill, unbelievably tokenized."
        #expect(tokenizer.tokenIDs(of: text) == reference.tokenIDs(of: text))
    }

    /// vocab.txt with Windows line ends, and without tokenizer_config.json (BERT defaults).
    @Test func vocabularyTextVariants() throws {
        let reference = try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        let directory = try TemporaryDirectory()
        let original = try String(contentsOf: Fixtures.defaultModel.appendingPathComponent("vocab.txt"), encoding: .utf8)
        try directory.write(original.replacingOccurrences(of: "\n", with: "\r\n"), to: "vocab.txt")
        let tokenizer = try WordPieceTokenizer.load(modelDirectory: directory.url)
        #expect(tokenizer.vocabularySize == 30522)
        let text = "Naïve CAFÉ [MASK] unbelievably 北京!"
        #expect(tokenizer.tokenIDs(of: text) == reference.tokenIDs(of: text))
        #expect(tokenizer.maskTokenID == 103 && tokenizer.padTokenID == 0)
    }

    @Test func vocabularyTextWithoutBasicTokenizationIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.write("[PAD]\n[UNK]\n[CLS]\n[SEP]\na\n", to: "vocab.txt")
        try directory.write(#"{"do_basic_tokenize": false}"#, to: "tokenizer_config.json")
        let failure = error { _ = try WordPieceTokenizer.load(modelDirectory: directory.url) }
        #expect(failure?.description.contains("do_basic_tokenize") == true)
        try directory.write(#"{"do_lower_case": false}"#, to: "tokenizer_config.json")
        let cased = try WordPieceTokenizer.load(modelDirectory: directory.url)
        #expect(try cased.encode("a A", maxLength: 8, truncation: .end).ids == [2, 4, 1, 3])
    }
}
