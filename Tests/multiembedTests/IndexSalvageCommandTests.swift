import EmbeddingTesting
import Foundation
import Testing

/// `multiembed index verify` and `index repair` on a collection with a flipped bit in the middle
/// of its log, and `index list` reporting it.
@Suite struct IndexSalvageCommandTests {
    /// Offsets of the record headers ("MEL1") in a log of synthetic documents.
    func recordStarts(_ log: Data) -> [Int] {
        let magic = Array("MEL1".utf8)
        return (0..<max(0, log.count - 3)).filter { offset in (0..<4).allSatisfy { log[offset + $0] == magic[$0] } }
    }

    @Test func verifyFindsTheDamageAndRepairKeepsEveryIntactRecord() throws {
        let folder = try TemporaryDirectory()
        let data = folder.url.appendingPathComponent("data").path
        let written = try CommandRunner.run([
            "index", "upsert-stream", "--data-dir", data, "--collection", "c", "--count", "20", "--dimension", "16"])
        #expect(written.status == 0, "\(written.stderr)")
        let logURL = URL(fileURLWithPath: data + "/c/log")
        var log = try Data(contentsOf: logURL)
        let starts = recordStarts(log)
        #expect(starts.count == 20)
        log[starts[9] + 30] ^= 0x01
        try log.write(to: logURL)

        let clean = try CommandRunner.run(["index", "upsert-stream", "--data-dir", data, "--collection", "ok", "--count", "2"])
        #expect(clean.status == 0, "\(clean.stderr)")
        let fine = try CommandRunner.run(["index", "verify", "--data-dir", data, "--collection", "ok"])
        #expect(fine.status == 0 && fine.stdout.contains("status=ok") && fine.stdout.contains("records_intact=2"), "\(fine)")

        let verified = try CommandRunner.run(["index", "verify", "--data-dir", data, "--collection", "c"])
        #expect(verified.status == 1 && !verified.crashed, "\(verified)")
        #expect(verified.stdout.contains(
            "damaged file=\(logURL.path) offset=\(starts[9]) length=\(starts[10] - starts[9]) records_lost=1"), "\(verified.stdout)")
        #expect(verified.stdout.contains("records_intact=19"), "\(verified.stdout)")
        #expect(try Data(contentsOf: logURL) == log)

        let listed = try CommandRunner.run(["index", "list", "--data-dir", data])
        #expect(listed.status == 1 && listed.stdout.contains("c damaged") && listed.stdout.contains("ok dimension=16"), "\(listed)")

        let repaired = try CommandRunner.run(["index", "repair", "--data-dir", data, "--collection", "c"])
        #expect(repaired.status == 0, "\(repaired)")
        #expect(repaired.stdout.contains("repaired=yes records_kept=19"), "\(repaired.stdout)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: data + "/c").filter { $0.hasPrefix("log.damaged-") }
        #expect(backups.count == 1)
        if let backup = backups.first { #expect(try Data(contentsOf: URL(fileURLWithPath: data + "/c/" + backup)) == log) }

        let after = try CommandRunner.run(["index", "verify", "--data-dir", data, "--collection", "c"])
        #expect(after.status == 0 && after.stdout.contains("records_intact=19"), "\(after)")
        let relisted = try CommandRunner.run(["index", "list", "--data-dir", data])
        #expect(relisted.status == 0 && relisted.stdout.contains("c dimension=16 precision=float32 documents=19"), "\(relisted)")
    }
}
