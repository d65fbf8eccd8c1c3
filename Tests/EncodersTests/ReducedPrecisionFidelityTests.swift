import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import Testing

/// Issue 18's bounds for reduced-precision compute: every text and image of the fixtures, and
/// the 1024 bench texts on the default model, embedded with bf16 Linear layers has cosine
/// >= 0.999 to the same input embedded in float32, and with int8 Linear layers >= 0.99 (per
/// vector: pooled vectors, and each token vector of the multi-vector models). Each test prints
/// its distribution (min, 1st percentile, median).
@Suite struct ReducedPrecisionFidelityTests {
    static let precisions: [ComputePrecision] = [.bf16, .int8]

    static func bound(_ precision: ComputePrecision) -> Float {
        precision == .bf16 ? 0.999 : 0.99
    }

    /// The model in `folder` at float32 and at `precision`.
    static func pair(_ folder: URL, _ precision: ComputePrecision) throws -> (float32: ModelBundle, reduced: ModelBundle) {
        let float32 = try ModelBundle.load(directory: folder, computePrecision: .float32)
        let reduced = try ModelBundle.load(directory: folder, computePrecision: precision)
        #expect(float32.computePrecision == .float32 && reduced.computePrecision == precision)
        return (float32, reduced)
    }

    /// Cosine of each pair of vectors; the two lists must be equally long.
    static func cosines(_ float32: [[Float]], _ reduced: [[Float]]) -> [Float] {
        #expect(float32.count == reduced.count)
        return zip(float32, reduced).map { Closeness.cosine($0, $1) }
    }

    /// Expects every cosine at or above the bound and prints their distribution.
    static func check(_ name: String, _ cosines: [Float], _ precision: ComputePrecision) {
        let bound = Self.bound(precision)
        #expect(!cosines.isEmpty, "\(name): nothing compared")
        let sorted = cosines.sorted()
        guard let worst = sorted.first else { return }
        let percentile1 = sorted[sorted.count / 100], median = sorted[sorted.count / 2]
        print(String(
            format: "%@ fidelity %@: n=%d min=%.6f p1=%.6f median=%.6f", precision.rawValue, name, sorted.count, worst, percentile1, median))
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

    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func miniLMFixtureTexts(precision: ComputePrecision) throws {
        let (float32, reduced) = try Self.pair(Fixtures.defaultModel, precision)
        let texts = try MiniLMGolden.load().cases.map(\.text)
        Self.check("minilm texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(reduced.text, texts)), precision)
    }

    /// All 1024 texts of ../shared/bench/texts-1024.txt on the default model. Without the
    /// VDPBF16PS tile (the kernel matrix's avx2 and portable runs), or on int8's portable tile,
    /// the first 64 only: the portable tiles give the same bits (BF16PackedWeightTests,
    /// Int8PackedWeightTests), several times slower.
    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func miniLMBenchTexts(precision: ComputePrecision) throws {
        let file = Fixtures.repositoryRoot.appendingPathComponent("../shared/bench/texts-1024.txt")
        var texts = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(texts.count == 1024)
        let fast = precision == .bf16 ? BF16PackedWeight.hasFastKernel : Int8PackedWeight.kernelName != "portable-int8"
        if !fast { texts = Array(texts.prefix(64)) }
        let (float32, reduced) = try Self.pair(Fixtures.defaultModel, precision)
        Self.check(
            "texts-1024 (\(texts.count))", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(reduced.text, texts)), precision)
    }

    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func tinyClipTextsAndImages(precision: ComputePrecision) throws {
        let golden = try Fixtures.load(ClipGoldenFile.self, from: "tiny-clip/golden.json")
        let (float32, reduced) = try Self.pair(Fixtures.url("tiny-clip"), precision)
        let texts = golden.texts.map(\.text)
        Self.check("tiny-clip texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(reduced.text, texts)), precision)
        let images = try Self.images(golden.images.map(\.file))
        Self.check(
            "tiny-clip images",
            Self.cosines(try Self.pooled(float32.imageEncoder, images), try Self.pooled(reduced.imageEncoder, images)), precision)
    }

    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func tinySiglip2TextsAndImages(precision: ComputePrecision) throws {
        let golden = try Siglip2Golden.load()
        let (float32, reduced) = try Self.pair(Fixtures.url(Siglip2Golden.folder), precision)
        let texts = golden.texts.map(\.text)
        Self.check("tiny-siglip2 texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(reduced.text, texts)), precision)
        let images = try Self.images(golden.images.map(\.file))
        Self.check(
            "tiny-siglip2 images",
            Self.cosines(try Self.pooled(float32.imageEncoder, images), try Self.pooled(reduced.imageEncoder, images)), precision)
    }

    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func tinyModernBertTexts(precision: ComputePrecision) throws {
        let golden = try ModernBertGolden.load()
        let (float32, reduced) = try Self.pair(Fixtures.url(ModernBertGolden.folder), precision)
        let texts = golden.cases.map(\.text)
        Self.check("tiny-modernbert texts", Self.cosines(try Self.pooled(float32.text, texts), try Self.pooled(reduced.text, texts)), precision)
    }

    /// The queries and documents of tiny-modernbert-colbert, every token vector.
    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func tinyModernBertColBERTTokenVectors(precision: ComputePrecision) throws {
        struct Texts: Decodable {
            struct Text: Decodable { let text: String }
            let queries: [Text]
            let documents: [Text]
        }
        let golden = try Fixtures.load(Texts.self, from: "tiny-modernbert-colbert/golden.json")
        let (float32, reduced) = try Self.pair(Fixtures.url("tiny-modernbert-colbert"), precision)
        let (ours, theirs) = (try #require(float32.lateInteraction), try #require(reduced.lateInteraction))
        let queries = golden.queries.map(\.text), documents = golden.documents.map(\.text)
        var cosines: [Float] = []
        for (a, b) in zip(try ours.encodeQueries(queries), try theirs.encodeQueries(queries)) { cosines += Self.cosines(a, b) }
        for (a, b) in zip(try ours.encodeDocuments(documents), try theirs.encodeDocuments(documents)) {
            cosines += Self.cosines(a, b)
        }
        Self.check("tiny-modernbert-colbert token vectors", cosines, precision)
    }

    /// The page images and queries of tiny-colmodernvbert, every token vector.
    @Test(arguments: ReducedPrecisionFidelityTests.precisions)
    func tinyColModernVBertTokenVectors(precision: ComputePrecision) throws {
        let golden = try ColModernVBertGolden.load()
        let (float32, reduced) = try Self.pair(Fixtures.url(ColModernVBertGolden.folder), precision)
        let (ours, theirs) = (try #require(float32.lateInteractionVisual), try #require(reduced.lateInteractionVisual))
        var cosines: [Float] = []
        for reference in golden.images {
            let image = try ColModernVBertGolden.image(reference.file)
            cosines += Self.cosines(try ours.encode(image: image), try theirs.encode(image: image))
        }
        let queries = golden.queries.map(\.text)
        for (a, b) in zip(try ours.encode(queries: queries), try theirs.encode(queries: queries)) { cosines += Self.cosines(a, b) }
        Self.check("tiny-colmodernvbert token vectors", cosines, precision)
    }

    /// bf16 and int8 are not float32 in disguise: the vectors differ (or every cosine above
    /// would be 1 for the wrong reason), and a folder's multiembed.json `"compute"` is obeyed.
    @Test func reducedPrecisionChangesTheVectorsAndTheFolderSettingIsRead() throws {
        let (float32, bf16) = try Self.pair(Fixtures.defaultModel, .bf16)
        let int8 = try ModelBundle.load(directory: Fixtures.defaultModel, computePrecision: .int8)
        let text = ["bf16 rounds weights and activations"]
        #expect(try Self.pooled(float32.text, text) != Self.pooled(bf16.text, text))
        #expect(try Self.pooled(float32.text, text) != Self.pooled(int8.text, text))

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
        #expect(try ModelBundle.load(directory: Fixtures.url("tiny-clip"), computePrecision: .int8).computePrecision == .int8)
    }
}
