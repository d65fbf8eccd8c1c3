import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Parity with sentence-transformers on the real all-MiniLM-L6-v2 weights (fetched by
/// scripts/fetch-default-model), with the tolerances of Tests/Fixtures/README.md.
@Suite struct MiniLMParityTests {
    static let golden = Result { try MiniLMGolden.load() }
    static let model = Result { try ModelBundle.load(directory: Fixtures.defaultModel) }

    var golden: MiniLMGolden { get throws { try Self.golden.get() } }
    var embedder: TextEmbedder {
        get throws {
            guard let text = try Self.model.get().text else { throw CommandError("default model has no text encoder") }
            return text
        }
    }

    @Test func tokenIdsEqualTheReference() throws {
        let golden = try golden
        let tokenized = try embedder.tokenize(golden.cases.map(\.text), options: .init())
        #expect(golden.cases.count == 30)
        for (index, (reference, ours)) in zip(golden.cases, tokenized).enumerated() {
            #expect(try ours.get().ids == reference.input_ids, "case \(index): \(reference.text.prefix(40))")
        }
    }

    @Test func embeddingsMatchSentenceTransformers() throws {
        let golden = try golden
        let results = try embedder.embed(golden.cases.map(\.text), options: .init())
        for (index, (reference, result)) in zip(golden.cases, results).enumerated() {
            let ours = try #require(try result.get().pooled)
            let difference = Closeness.maxAbsDifference(ours, reference.embedding)
            #expect(difference < 1e-4, "case \(index) differs by \(difference): \(reference.text.prefix(40))")
        }
    }

    @Test func tokenStatesMatchTheLastHiddenState() throws {
        let golden = try golden
        let tower = try embedder.tower
        #expect(golden.token_outputs.count == 4)
        for output in golden.token_outputs {
            let states = tower.forward([output.input_ids])
            let rows = states.tokens(of: 0)
            #expect(rows.count == output.last_hidden_state.count)
            for (ours, reference) in zip(rows, output.last_hidden_state) {
                #expect(Closeness.maxAbsDifference(ours, reference) < 1e-4, "\(output.text.prefix(40))")
            }
        }
    }

    /// A text alone and inside a batch of much longer texts gets the same vector, to the bit: every
    /// product computes a row the same way whatever rows share it, and attention stays within a
    /// sequence (the server relies on this to answer the same whatever it batched).
    @Test func batchCompositionDoesNotChangeEmbeddings() throws {
        let embedder = try embedder
        let short = "A photo of a cat."
        let long = String(repeating: "The quarterly report covers revenue, costs and outlook in detail. ", count: 20)
        let alone = try #require(try embedder.embed([short]).first?.get().pooled)
        let batched = try embedder.embed([long, short, long + " more", "x"], options: .init(batchSize: 4))
        let inBatch = try #require(try batched[1].get().pooled)
        #expect(alone == inBatch)
        let multi = try embedder.embed([short], options: .init(output: .multiVector))
        let multiBatched = try embedder.embed([long, short], options: .init(output: .multiVector))
        let a = try #require(try multi[0].get().tokenVectors)
        let b = try #require(try multiBatched[1].get().tokenVectors)
        #expect(a.count == b.count)
        for (x, y) in zip(a, b) { #expect(x == y) }
    }
}

struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
