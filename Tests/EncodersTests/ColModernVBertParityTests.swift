import EmbeddingTesting
import Encoders
import Foundation
import ImageIO
import Testing

/// ``ColModernVBertEncoder`` (SigLIP vision, pixel-shuffle connector, ModernBERT, projection)
/// against colpali-engine's ColModernVBert on tiny-colmodernvbert, with the tolerances of
/// Tests/Fixtures/README.md: vectors within 1e-4 from the reference pixel values, cosine
/// >= 0.999 from our own preprocessing, query vectors within 1e-4, MaxSim scores within 1e-4.
@Suite struct ColModernVBertParityTests {
    var golden: ColModernVBertGolden { get throws { try Idefics3ImageProcessorTests.golden.get() } }
    var encoder: ColModernVBertEncoder { get throws { try Idefics3ImageProcessorTests.encoder.get() } }

    /// The reference pixel values of `reference` as tiles.
    func referenceTiles(_ reference: ColModernVBertGolden.Image) throws -> Idefics3Tiles {
        let (rows, cols) = try #require(ColModernVBertGolden.layouts[reference.file])
        return Idefics3Tiles(
            rows: rows, cols: cols,
            pixelValues: reference.pixel_values.map { PixelValues(channels: 3, height: 64, width: 64, values: $0) })
    }

    @Test func modelShapesFollowTheConfig() throws {
        let encoder = try encoder
        #expect(encoder.dimension == (try golden).embedding_dim)
        #expect(encoder.model.visionModel.patchesPerImage == 16)
        #expect(encoder.model.connector.pixelShuffleFactor == 2)
        // 16 vision tokens per tile, pixel shuffle by 2: 4 text tokens per tile.
        let features = encoder.model.imageFeatures([[Float](repeating: 0.1, count: 16 * 3 * 16 * 16)])
        #expect(features.rows == 4 && features.columns == 64)
    }

    @Test func imageVectorsFromReferencePixelsMatch() throws {
        let (golden, encoder) = (try golden, try encoder)
        for reference in golden.images {
            let vectors = try encoder.encode(tiles: try referenceTiles(reference))
            #expect(vectors.count == reference.vectors.count, "\(reference.file)")
            let worst = zip(vectors, reference.vectors).map { Closeness.maxAbsDifference($0, $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(reference.file): \(worst)")
        }
    }

    @Test func imageVectorsFromOurPreprocessingAreClose() throws {
        let (golden, encoder) = (try golden, try encoder)
        for reference in golden.images {
            let vectors = try encoder.encode(image: try ColModernVBertGolden.image(reference.file))
            #expect(vectors.count == reference.vectors.count, "\(reference.file)")
            let worst = zip(vectors, reference.vectors).map { Closeness.cosine($0, $1) }.min() ?? 0
            #expect(worst >= 0.999, "\(reference.file): cosine \(worst)")
        }
    }

    @Test func queryIdsAndVectorsMatch() throws {
        let (golden, encoder) = (try golden, try encoder)
        #expect(golden.queries.count == 5)
        for reference in golden.queries {
            let vectors = try encoder.encode(query: reference.text)
            #expect(vectors.count == reference.input_ids.count, "\(String(reflecting: reference.text))")
            #expect(vectors.count == reference.vectors.count)
            let worst = zip(vectors, reference.vectors).map { Closeness.maxAbsDifference($0, $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(String(reflecting: reference.text)): \(worst)")
        }
    }

    @Test func maxSimScoresAndRankingMatch() throws {
        let (golden, encoder) = (try golden, try encoder)
        let pages = try golden.images.map { try encoder.encode(tiles: try referenceTiles($0)) }
        for (queryIndex, reference) in golden.queries.enumerated() {
            let query = try encoder.encode(query: reference.text)
            let scores = pages.map { ColModernVBertEncoder.score(query: query, document: $0) }
            let expected = golden.scores[queryIndex]
            #expect(Closeness.maxAbsDifference(scores, expected) <= 1e-4, "query \(queryIndex): \(scores) vs \(expected)")
            let ranking = scores.indices.sorted { scores[$0] > scores[$1] }
            #expect(ranking == expected.indices.sorted { expected[$0] > expected[$1] })
        }
    }

    /// Pages and queries packed into one forward pass give each one's reference vectors.
    @Test func batchesMatchTheReference() throws {
        let (golden, encoder) = (try golden, try encoder)
        let pages = try encoder.encode(pages: try golden.images.map { try referenceTiles($0) })
        let queries = try encoder.encode(queries: golden.queries.map(\.text))
        let references = golden.images.map(\.vectors) + golden.queries.map(\.vectors)
        #expect(pages.count + queries.count == references.count)
        for (ours, theirs) in zip(pages + queries, references) {
            #expect(ours.count == theirs.count)
            let worst = zip(ours, theirs).map { Closeness.maxAbsDifference($0, $1) }.max() ?? .infinity
            #expect(worst <= 1e-4, "\(worst)")
        }
    }

    @Test func badTilesAreErrorsNotCrashes() throws {
        let encoder = try encoder
        let tile = PixelValues(channels: 3, height: 64, width: 64, values: [Float](repeating: 0.5, count: 3 * 64 * 64))
        // A 1x2 layout needs three tiles.
        #expect(throws: EmbeddingError.self) { try encoder.encode(tiles: Idefics3Tiles(rows: 1, cols: 2, pixelValues: [tile])) }
        let small = PixelValues(channels: 3, height: 32, width: 32, values: [Float](repeating: 0, count: 3 * 32 * 32))
        #expect(throws: EmbeddingError.self) { try encoder.encode(tiles: Idefics3Tiles(rows: 0, cols: 0, pixelValues: [small])) }
        var bad = tile
        bad.values[7] = .nan
        #expect(throws: EmbeddingError.self) { try encoder.encode(tiles: Idefics3Tiles(rows: 0, cols: 0, pixelValues: [bad])) }
        // A query that spells the image token has no image to fill it.
        #expect(throws: EmbeddingError.invalidInput(index: 1, reason: "a query may not contain the image token <image>")) {
            try encoder.encode(queries: ["fine", "what is <image> here"])
        }
        // The failing page of a batch is named by its index.
        #expect(throws: EmbeddingError.invalidInput(index: 1, reason: "pixel values hold NaN or infinity")) {
            try encoder.encode(pages: [Idefics3Tiles(rows: 0, cols: 0, pixelValues: [tile]), Idefics3Tiles(rows: 0, cols: 0, pixelValues: [bad])])
        }
    }

    @Test func loadingIsStrict() throws {
        let folder = try ModelFolder(directory: Fixtures.url(ColModernVBertGolden.folder))
        #expect(folder.modelType == "modernvbert")
        guard case .lateInteractionVisual = try ArchitectureRegistry.load(folder) else {
            Issue.record("modernvbert did not load as a visual late-interaction model")
            return
        }
    }
}
