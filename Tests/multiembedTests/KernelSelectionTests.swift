import EmbeddingTesting
import Foundation
import Testing

/// Which kernels each kind of product runs on, as `multiembed info` reports it: OpenBLAS never
/// below the CPU unless the user pinned it, `MULTIEMBED_ISA` lowering every kernel family of ours
/// (and OpenBLAS with them), and embeddings that are the same bits on every path.
@Suite struct KernelSelectionTests {
    /// `info`'s lines as `key: value`.
    static func info(_ environment: [String: String?] = [:]) throws -> (fields: [String: String], stderr: String) {
        let output = try CommandRunner.run(["info"], environment: environment)
        #expect(output.status == 0, "\(output.stderr)")
        var fields: [String: String] = [:]
        for line in output.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return (fields, output.stderr)
    }

    /// The level the CPU runs, from `info` with nothing forced.
    static func cpuLevel() throws -> String {
        let isa = try info(["MULTIEMBED_ISA": nil]).fields["isa"] ?? ""
        return String(isa.prefix { $0 != " " })
    }

    /// OpenBLAS's kernel family for a level, as MultiEmbed asks for it.
    static func openBLASCores(for level: String) -> [String] {
        switch level {
        case "avx512": ["SkylakeX", "Cooperlake"]
        case "avx2": ["Haswell", "Zen"]  // Zen: what OpenBLAS picks itself on AMD Zen 1-3
        default: ["Prescott"]
        }
    }

    @Test func aCoreBelowTheCPUIsReplacedWithOneAtItsLevel() throws {
        // As Debian's OpenBLAS 0.3.21 picks on a CPU model it does not know (Intel family 6 model 207).
        let level = try Self.cpuLevel()
        try #require(level != "portable", "this CPU has no kernels above Prescott to move to")
        let (fields, _) = try Self.info(["MULTIEMBED_TEST_OPENBLAS_CORE": "Prescott", "MULTIEMBED_ISA": nil])
        let openblas = fields["openblas"] ?? ""
        #expect(Self.openBLASCores(for: level).contains { openblas.hasPrefix($0 + ",") }, "\(openblas)")
        #expect(openblas.contains("chosen over Prescott"), "\(openblas)")
    }

    @Test func aCoreTheUserPinnedIsRespected() throws {
        let (fields, _) = try Self.info(["OPENBLAS_CORETYPE": "Prescott", "MULTIEMBED_ISA": nil])
        #expect(fields["openblas"] == "Prescott, pinned by OPENBLAS_CORETYPE=Prescott")
    }

    @Test(arguments: ["avx2", "portable"])
    func aForcedLevelMovesEveryKernelFamily(level: String) throws {
        let cpu = try Self.cpuLevel()
        let order = ["portable", "avx2", "avx512"]
        try #require(order.firstIndex(of: cpu)! >= order.firstIndex(of: level)!, "the CPU runs only \(cpu)")
        let (fields, stderr) = try Self.info(["MULTIEMBED_ISA": level])
        #expect(fields["isa"] == "\(level) (the CPU runs \(cpu))")
        #expect(fields["linear"] == "\(level)-packed")
        #expect(fields["maxsim"] == level)
        let openblas = fields["openblas"] ?? ""
        #expect(Self.openBLASCores(for: level).contains { openblas.hasPrefix($0) }, "\(openblas)")
        #expect(stderr.isEmpty, "\(stderr)")
    }

    @Test func anUnknownLevelIsReportedAndIgnored() throws {
        let cpu = try Self.cpuLevel()
        let (fields, stderr) = try Self.info(["MULTIEMBED_ISA": "sse9"])
        #expect(stderr.contains("MULTIEMBED_ISA=sse9 names no instruction set"), "\(stderr)")
        #expect(fields["isa"] == "\(cpu) (the CPU runs \(cpu))")
    }

    /// Every product an embedding depends on gives the same bits on every path, so the JSON the
    /// command prints (shortest round-tripping decimals) is byte for byte the same.
    @Test func embeddingsAreTheSameBitsOnEveryPath() throws {
        let texts = "a photo of a cat\nQuarterly revenue by region, in thousands of euros.\nx\n"
        var outputs: [String: String] = [:]
        for level in ["avx512", "avx2", "portable"] {
            let output = try CommandRunner.run(
                ["embed", "--model", Fixtures.defaultModel.path, "--texts", "-", "--multi-vector"],
                stdin: Data(texts.utf8), environment: ["MULTIEMBED_ISA": level])
            #expect(output.status == 0, "\(level): \(output.stderr)")
            outputs[level] = output.stdout
        }
        #expect(outputs["avx512"]?.isEmpty == false)
        #expect(outputs["avx2"] == outputs["avx512"])
        #expect(outputs["portable"] == outputs["avx512"])
    }
}
