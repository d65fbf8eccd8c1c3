import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

// Fixture readers and helpers shared by the test suites.

/// `minilm/golden.json`: ids from all-MiniLM-L6-v2's tokenizer.json via sentence-transformers
/// (max_seq_length 256, truncation at the end).
struct MiniLMGolden: Decodable {
    struct Case: Decodable {
        var text: String
        var input_ids: [Int32]
    }
    var max_seq_length: Int
    var cases: [Case]

    static func load() throws -> MiniLMGolden {
        try Fixtures.load(MiniLMGolden.self, from: "minilm/golden.json")
    }
}

/// A fresh directory under the system temporary folder, removed when the value goes away.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("tokenizers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ text: String, to name: String) throws {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
    }
}

/// `tiny-clip/golden.json` texts: transformers CLIPTokenizer ids, and OpenAI's original
/// tokenizer's ids (equal except for the text with control characters).
struct ClipGolden: Decodable {
    struct Text: Decodable {
        var text: String
        var input_ids: [Int32]
        var openai_simple_tokenizer_ids: [Int32]
    }
    var texts: [Text]

    static func load() throws -> ClipGolden {
        try Fixtures.load(ClipGolden.self, from: "tiny-clip/golden.json")
    }
}

/// Turns CLIP ids back into text (words run together) from tiny-clip's vocab.json, to check
/// that BPE loses and invents no byte.
struct ClipDecoder {
    let tokens: [Int32: String]
    let bytes: [Unicode.Scalar: UInt8]

    init() throws {
        let data = try Data(contentsOf: Fixtures.url("tiny-clip/vocab.json"))
        let vocabulary = try JSONDecoder().decode([String: Int32].self, from: data)
        tokens = Dictionary(uniqueKeysWithValues: vocabulary.map { ($0.value, $0.key) })
        var bytes: [Unicode.Scalar: UInt8] = [:]
        for (byte, scalar) in ByteLevelEncoding.characters.enumerated() { bytes[scalar] = UInt8(byte) }
        self.bytes = bytes
    }

    func decode(_ ids: [Int32]) -> String {
        var utf8: [UInt8] = []
        for id in ids {
            guard var token = tokens[id] else { return "<unknown id \(id)>" }
            if token.hasSuffix("</w>") { token.removeLast(4) }
            for scalar in token.unicodeScalars { utf8.append(bytes[scalar] ?? 0x3F) }
        }
        return String(decoding: utf8, as: UTF8.self)
    }
}
