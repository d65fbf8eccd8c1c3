import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import Testing

/// Issue 18's bound for bf16 compute: every text and image of the fixtures, and the 1024 bench
/// texts on the default model, embedded with bf16 Linear layers has cosine >= 0.999 to the same
/// input embedded in float32 (per vector: pooled vectors, and each token vector of the
/// multi-vector models). Each test prints its distribution (min, 1st percentile, median).
@Suite struct BF16FidelityTests {
    static let bound: Float = 0.999

    /// The model in `folder` at float32 and at bf16.
    static func pair(_ folder: URL) throws -> (float32: ModelBundle, bf16: ModelBundle) {
        let float32 = try ModelBundle.load(directory: folder, computePrecision: .float32)
        let bf16 = try ModelBundle.load(directory: folder, computePrecision: .bf16)
        #expect(float32.computePrecision == .float32 && bf16.computePrecision == .bf16)
        return (float32, bf16)
    }

    /// Cosine of each pair of vectors; the two lists must be equally long.
    static func cosines(_ float32: [[Float]], _ bf16: [[Float]]) -> [Float] {
        #expect(float32.count == bf16.count)
        return zip(float32, bf16).map { Closeness.cosine($0, $1) }
    }

    /// Expects every cosine at or above the bound and prints their distribution.
    static func check(_ name: String, _ cosines: [Float]) {
        #expect(!cosines.isEmpty, "\(name): nothing compared")
        let sorted = cosines.sorted()
        guard let worst = sorted.first else { return }
        let percentile1 = sorted[sorted.count / 100], median = sorted[sorted.count / 2]
        print(String(
            format: "bf16 fidelity %@: n=%d min=%.6f p1=%.6f median=%.6f", name, sorted.count, worst, percentile1, median))
        #expect(worst >= bound, "\(name): cosine \(worst) below \(bound)")
    }

    static func pooled(_ embedder: TextEmbedder?, _ texts: [String]) throws -> [[Float]] {
        let embedder = try #require(embedder)
        return try embedder.embed(texts, options: .init()).map { try #require(try $0.get().pooled) }
    }

    static func pooled(_ embedder: (any SharedSpaceImageEncoder)?, _ inputs: [ImageInput]) throws -> [[Float]] {
        let embedder = try #require(embedder)
        return try embedder.embed(inputs, options: .init()).map { try #require(try $0.get().pooled) }
    }

    /// `files` of Tests/Fixtures/images as encoded inputs (decoded by our own codecs).
    static func images(_ files: [String]) throws -> [ImageInput] {
        try files.map { ImageInput.encoded(bytes: try [UInt8](Data(contentsOf: Fixtures.url("images/\($0)"))), name: $0) }
    }

    @Test func miniLMFixtureTexts() throws {
        let (float32, bf16) = try Self.pair(Fixtures.defaultModel)
        let texts = try MiniLMGolden.load().cases.map(\.text)
        Self.check("minilm texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(bf16.text, texts)))
    }

    /// All 1024 texts of ../shared/bench/texts-1024.txt on the default model. Without the
    /// VDPBF16PS tile (the kernel matrix's avx2 and portable runs) the first 64 only: the
    /// portable tile gives the same bits (BF16PackedWeightTests), several times slower.
    @Test func miniLMBenchTexts() throws {
        let file = Fixtures.repositoryRoot.appendingPathComponent("../shared/bench/texts-1024.txt")
        var texts = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(texts.count == 1024)
        if !BF16PackedWeight.hasFastKernel { texts = Array(texts.prefix(64)) }
        let (float32, bf16) = try Self.pair(Fixtures.defaultModel)
        Self.check(
            "texts-1024 (\(texts.count))", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(bf16.text, texts)))
    }

    @Test func tinyClipTextsAndImages() throws {
        let golden = try Fixtures.load(ClipGoldenFile.self, from: "tiny-clip/golden.json")
        let (float32, bf16) = try Self.pair(Fixtures.url("tiny-clip"))
        let texts = golden.texts.map(\.text)
        Self.check("tiny-clip texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(bf16.text, texts)))
        let images = try Self.images(golden.images.map(\.file))
        Self.check(
            "tiny-clip images",
            Self.cosines(try Self.pooled(float32.imageEncoder, images), try Self.pooled(bf16.imageEncoder, images)))
    }

    @Test func tinySiglip2TextsAndImages() throws {
        let golden = try Siglip2Golden.load()
        let (float32, bf16) = try Self.pair(Fixtures.url(Siglip2Golden.folder))
        let texts = golden.texts.map(\.text)
        Self.check("tiny-siglip2 texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(bf16.text, texts)))
        let images = try Self.images(golden.images.map(\.file))
        Self.check(
            "tiny-siglip2 images",
            Self.cosines(try Self.pooled(float32.imageEncoder, images), try Self.pooled(bf16.imageEncoder, images)))
    }

    @Test func tinyModernBertTexts() throws {
        let golden = try ModernBertGolden.load()
        let (float32, bf16) = try Self.pair(Fixtures.url(ModernBertGolden.folder))
        let texts = golden.cases.map(\.text)
        Self.check("tiny-modernbert texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(bf16.text, texts)))
    }

    /// The queries and documents of tiny-modernbert-colbert, every token vector.
    @Test func tinyModernBertColBERTTokenVectors() throws {
        struct Texts: Decodable {
            struct Text: Decodable { let text: String }
            let queries: [Text]
            let documents: [Text]
        }
        let golden = try Fixtures.load(Texts.self, from: "tiny-modernbert-colbert/golden.json")
        let (float32, bf16) = try Self.pair(Fixtures.url("tiny-modernbert-colbert"))
        let (ours, theirs) = (try #require(float32.lateInteraction), try #require(bf16.lateInteraction))
        let queries = golden.queries.map(\.text), documents = golden.documents.map(\.text)
        var cosines: [Float] = []
        for (a, b) in zip(try ours.encodeQueries(queries), try theirs.encodeQueries(queries)) { cosines += Self.cosines(a, b) }
        for (a, b) in zip(try ours.encodeDocuments(documents), try theirs.encodeDocuments(documents)) {
            cosines += Self.cosines(a, b)
        }
        Self.check("tiny-modernbert-colbert token vectors", cosines)
    }

    /// The page images and queries of tiny-colmodernvbert, every token vector.
    @Test func tinyColModernVBertTokenVectors() throws {
        let golden = try ColModernVBertGolden.load()
        let (float32, bf16) = try Self.pair(Fixtures.url(ColModernVBertGolden.folder))
        let (ours, theirs) = (try #require(float32.lateInteractionVisual), try #require(bf16.lateInteractionVisual))
        var cosines: [Float] = []
        for reference in golden.images {
            let image = try ColModernVBertGolden.image(reference.file)
            cosines += Self.cosines(try ours.encode(image: image), try theirs.encode(image: image))
        }
        let queries = golden.queries.map(\.text)
        for (a, b) in zip(try ours.encode(queries: queries), try theirs.encode(queries: queries)) { cosines += Self.cosines(a, b) }
        Self.check("tiny-colmodernvbert token vectors", cosines)
    }

    /// bf16 is not float32 in disguise: the vectors differ (or every cosine above would be 1
    /// for the wrong reason), and a folder's multiembed.json `"compute"` is obeyed.
    @Test func bf16ChangesTheVectorsAndTheFolderSettingIsRead() throws {
        let (float32, bf16) = try Self.pair(Fixtures.defaultModel)
        let text = ["bf16 rounds weights and activations"]
        #expect(try Self.pooled(float32.text, text) != Self.pooled(bf16.text, text))

        let folder = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("tiny-clip").path) {
            try FileManager.default.createSymbolicLink(
                at: folder.url.appendingPathComponent(name), withDestinationURL: Fixtures.url("tiny-clip/\(name)"))
        }
        try folder.write("multiembed.json", #"{"compute": "bf16"}"#)
        #expect(try ModelBundle.load(directory: folder.url).computePrecision == .bf16)
        #expect(try ModelBundle.load(directory: folder.url, computePrecision: .float32).computePrecision == .float32)
        try folder.write("multiembed.json", #"{"compute": "fp8"}"#)
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: folder.url) }
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: Fixtures.url("tiny-clip"), computePrecision: .int8) }
    }
}
