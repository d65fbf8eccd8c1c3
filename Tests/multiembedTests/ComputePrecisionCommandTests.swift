import EmbeddingTesting
import Foundation
import Testing

/// `--compute` on the command line: bf16 keeps pages-dev retrieval within issue 18's 0.002
/// nDCG@10 of float32 and int8 within 0.01 (MaxSim and pooled scoring), `bench` and `info` name
/// the precision, and an unknown precision is a clear error.
@Suite struct ComputePrecisionCommandTests {
    let model = Fixtures.defaultModel.path
    let docs = Fixtures.url("pages-dev/docs.jsonl").path
    let queries = Fixtures.url("pages-dev/queries.jsonl").path

    /// The `key=value` fields of `line`.
    func fields(_ line: Substring) -> [String: String] {
        var fields: [String: String] = [:]
        for field in line.split(separator: " ") {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }

    /// nDCG@10 of `eval retrieval` on `collection` at `compute`, scored by `mode`.
    func ndcg(_ data: String, collection: String, compute: String, mode: String) throws -> Double {
        let run = try CommandRunner.run(
            ["eval", "retrieval", "--data-dir", data, "--collection", collection, "--model", model, "--queries", queries,
             "--compute", compute, "--mode", mode])
        #expect(run.status == 0, "\(run.stderr)")
        let metrics = fields(try #require(run.stdout.split(separator: "\n").last))
        #expect(metrics["queries"] == "200")
        return try #require(Double(metrics["ndcg@10"] ?? ""))
    }

    @Test func reducedPrecisionRetrievalIsWithinItsBoundOfFloat32() throws {
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        for compute in ["float32", "bf16", "int8"] {
            let added = try CommandRunner.run(
                ["index", "add", "--data-dir", data, "--collection", compute, "--model", model, "--compute", compute, docs])
            #expect(added.status == 0, "\(added.stderr)")
        }
        for mode in ["maxsim", "dense"] {
            let float32 = try ndcg(data, collection: "float32", compute: "float32", mode: mode)
            let bf16 = try ndcg(data, collection: "bf16", compute: "bf16", mode: mode)
            let int8 = try ndcg(data, collection: "int8", compute: "int8", mode: mode)
            print(String(format: "pages-dev %@ nDCG@10: float32 %.4f bf16 %.4f int8 %.4f", mode, float32, bf16, int8))
            #expect(abs(bf16 - float32) <= 0.002, "\(mode): float32 \(float32), bf16 \(bf16)")
            #expect(abs(int8 - float32) <= 0.01, "\(mode): float32 \(float32), int8 \(int8)")
        }
    }

    @Test func benchAndInfoNameThePrecision() throws {
        let folder = try TemporaryDirectory()
        let texts = folder.url.appendingPathComponent("texts.txt")
        try Data("one text\nanother text\n".utf8).write(to: texts)
        let bench = try CommandRunner.run(["bench", "text", "--model", model, "--texts", texts.path, "--compute", "bf16"])
        #expect(bench.status == 0, "\(bench.stderr)")
        let line = fields(try #require(bench.stdout.split(separator: "\n").last))
        #expect(line["compute"] == "bf16", "\(bench.stdout)")
        #expect(["avx512bf16-packed", "portable-bf16"].contains(line["linear"] ?? ""), "\(bench.stdout)")
        let plain = try CommandRunner.run(["bench", "text", "--model", model, "--texts", texts.path])
        #expect(fields(try #require(plain.stdout.split(separator: "\n").last))["compute"] == "float32", "\(plain.stdout)")

        let info = try CommandRunner.run(["info", "--model", model, "--compute", "bf16"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("model all-MiniLM-L6-v2: compute=bf16 linear="), "\(info.stdout)")
    }

    @Test func anUnknownPrecisionIsAClearErrorAndInt8IsNamed() throws {
        let int8 = try CommandRunner.run(["info", "--model", model, "--compute", "int8"])
        #expect(int8.status == 0, "\(int8.stderr)")
        #expect(int8.stdout.contains("model all-MiniLM-L6-v2: compute=int8 linear="), "\(int8.stdout)")
        let unknown = try CommandRunner.run(["embed", "--model", model, "--compute", "fp8", "--texts", "-"])
        #expect(unknown.status != 0 && !unknown.crashed)
        #expect(unknown.stderr.contains("fp8"), "\(unknown.stderr)")
    }
}
