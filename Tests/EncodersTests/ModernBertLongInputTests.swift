import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Inputs of thousands of tokens on the tiny-modernbert weights with its positions raised.
@Suite struct ModernBertLongInputTests {
    /// The fixture model with `maxPositions` positions and, when given, other layer types.
    static func model(maxPositions: Int, layerTypes: [String]? = nil) throws -> ModernBertModel {
        let folder = Fixtures.url(ModernBertGolden.folder)
        var config = try ModernBertConfig.load(url: folder.appendingPathComponent("config.json"))
        config.maxPositionEmbeddings = maxPositions
        if let layerTypes { config.layerTypes = layerTypes }
        let file = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        let loader = WeightLoader(file: file)
        let model = try ModernBertModel(config: config, loader: loader, configPath: "tiny-modernbert (modified)")
        try loader.checkAllUsed(ignoring: ModernBertModel.isIgnorable)
        return model
    }

    static func randomIDs(_ count: Int, seed: UInt64) -> [Int32] {
        var generator = SeededGenerator(state: seed)
        return (0..<count).map { _ in Int32.random(in: 0..<927, using: &generator) }
    }

    /// With every layer local (4 layers, 4 positions either side), a token's output depends on
    /// the tokens at most 16 positions away and on nothing else: changing one token of a
    /// 4096-token input changes only the rows around it, to the bit.
    @Test func localLayersSeeOnlyTheirWindow() throws {
        let model = try Self.model(maxPositions: 4096, layerTypes: [String](repeating: "sliding_attention", count: 4))
        let reach = model.layerTypes.count * model.config.slidingWindow
        #expect(reach == 16)
        let ids = Self.randomIDs(4096, seed: 7)
        let original = model([ids]).values
        #expect(original.storage.allSatisfy { $0.isFinite })
        for changedPosition in [0, 2000, 4095] {
            var changed = ids
            changed[changedPosition] = ids[changedPosition] == 3 ? 4 : 3
            let output = model([changed]).values
            for row in 0..<4096 {
                let distance = abs(row - changedPosition)
                if distance > reach {
                    #expect(output.row(row) == original.row(row), "row \(row) sees token \(changedPosition)")
                } else if distance == 0 {
                    #expect(output.row(row) != original.row(row))
                }
            }
            // The change does travel the whole reach: one layer per 4 positions.
            let edge = changedPosition == 4095 ? changedPosition - reach : changedPosition + reach
            #expect(output.row(edge) != original.row(edge), "token \(changedPosition) should reach row \(edge)")
        }
    }

    /// The fixture's own layer pattern (global layers see everything) over 2048 tokens, beside a
    /// short text: finite, and the short text's rows are those it gets alone.
    @Test func aLongInputRunsWithGlobalLayers() throws {
        let model = try Self.model(maxPositions: 2048)
        let long = Self.randomIDs(2048, seed: 8)
        let short: [Int32] = [927, 40, 41, 42, 928]
        let states = model([long, short])
        #expect(states.values.storage.allSatisfy { $0.isFinite })
        #expect(states.tokens(of: 1) == model([short]).tokens(of: 0))
        // A global layer carries a change across the whole sequence.
        var changed = long
        changed[0] = long[0] == 3 ? 4 : 3
        #expect(model([changed]).tokens(of: 0).last != states.tokens(of: 0).last)
    }
}
