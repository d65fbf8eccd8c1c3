import EmbeddingTesting
import Foundation
import Testing

/// `multiembed embed` and `bench text` end to end, as a user runs them.
@Suite struct EmbedCommandTests {
    let model = Fixtures.defaultModel.path

    struct Golden: Decodable {
        struct Case: Decodable { let text: String; let embedding: [Float] }
        let cases: [Case]
    }

    static func floats(_ value: Any?) -> [Float] {
        (value as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.floatValue }
    }

    @Test func embedsLinesInOrderMatchingTheReference() throws {
        let golden = try Fixtures.load(Golden.self, from: "minilm/golden.json")
        let picked = golden.cases.filter { !$0.text.contains("\n") && !$0.text.contains("\r") && !$0.text.isEmpty }.prefix(5)
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("texts.txt")
        try Data(picked.map(\.text).joined(separator: "\n").utf8).write(to: file)
        let output = try CommandRunner.run(["embed", "--model", model, "--texts", file.path])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = try output.jsonLines()
        #expect(lines.count == picked.count)
        for (index, (line, reference)) in zip(lines, picked).enumerated() {
            #expect(line["index"] as? Int == index)
            let embedding = Self.floats(line["embedding"])
            #expect(Closeness.maxAbsDifference(embedding, reference.embedding) < 1e-4)
        }
    }

    @Test func readsJSONLinesFromStdinWithOptions() throws {
        let input = #"{"text": "first line\nsecond line"}"# + "\n" + #"{"text": "another"}"# + "\n"
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("texts.jsonl")
        try Data(input.utf8).write(to: file)
        let output = try CommandRunner.run(
            ["embed", "--model", model, "--texts", file.path, "--dimensions", "64", "--multi-vector", "--instruction", "query: "])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = try output.jsonLines()
        #expect(lines.count == 2)
        let embedding = Self.floats(lines[0]["embedding"])
        #expect(embedding.count == 64)
        #expect(abs(embedding.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        let vectors = lines[1]["vectors"] as? [Any]
        // "query: another" is [CLS] query : another [SEP].
        #expect(vectors?.count == 5)
        let stdin = try CommandRunner.run(["embed", "--model", model, "--texts", "-"], stdin: Data("one\ntwo\nthree\n".utf8))
        #expect(try stdin.jsonLines().map { $0["index"] as? Int } == [0, 1, 2])
    }

    @Test func badInputsGiveClearErrorsNotCrashes() throws {
        let folder = try TemporaryDirectory()
        let invalid = folder.url.appendingPathComponent("bad.txt")
        try Data([0x68, 0x69, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: invalid)
        let utf8 = try CommandRunner.run(["embed", "--model", model, "--texts", invalid.path])
        #expect(utf8.status != 0 && !utf8.crashed)
        #expect(utf8.stderr.contains("bad.txt") && utf8.stderr.contains("line 2"))

        let noModel = try CommandRunner.run(["embed", "--model", "/nonexistent/model", "--texts", invalid.path])
        #expect(noModel.status != 0 && !noModel.crashed && noModel.stderr.contains("/nonexistent/model"))

        let long = folder.url.appendingPathComponent("long.txt")
        try Data(("short\n" + String(repeating: "word ", count: 1000) + "\nshort again\n").utf8).write(to: long)
        let refused = try CommandRunner.run(["embed", "--model", model, "--texts", long.path, "--truncate", "error"])
        #expect(refused.status != 0 && !refused.crashed)
        let lines = try refused.jsonLines()
        #expect(lines.count == 3)
        #expect(lines[0]["embedding"] != nil && lines[2]["embedding"] != nil)
        #expect((lines[1]["error"] as? String)?.contains("input 1") == true)

        let unknownPrompt = try CommandRunner.run(["embed", "--model", model, "--texts", long.path, "--prompt-name", "query"])
        #expect(unknownPrompt.status != 0 && unknownPrompt.stderr.contains("unknown prompt 'query'"))
    }

    @Test func benchPrintsOneParsableLine() throws {
        let folder = try TemporaryDirectory()
        let file = folder.url.appendingPathComponent("texts.txt")
        try Data("alpha\nbeta gamma\ndelta\n".utf8).write(to: file)
        let output = try CommandRunner.run(["bench", "text", "--model", model, "--texts", file.path, "--batch-size", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        let fields = Dictionary(uniqueKeysWithValues: output.stdout.split(whereSeparator: \.isWhitespace).compactMap { pair -> (String, String)? in
            let parts = pair.split(separator: "=", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        })
        #expect(fields["texts"] == "3" && fields["batch"] == "2")
        #expect(Double(fields["texts_per_s"] ?? "") ?? 0 > 0)
        #expect(fields["kernels"] != nil && fields["threads"] != nil)
    }
}
