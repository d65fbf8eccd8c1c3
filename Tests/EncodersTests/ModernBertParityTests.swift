import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Parity of ``ModernBertModel`` and its sentence-transformers pipeline with transformers 5.25 /
/// sentence-transformers 6.3 on tiny-modernbert, from the golden token ids (the byte-level BPE
/// tokenizer is tested on its own), with the tolerances of Tests/Fixtures/README.md.
@Suite struct ModernBertParityTests {
    static let golden = Result { try ModernBertGolden.load() }
    static let loaded = Result { try ModernBertTextTower.load(directory: Fixtures.url(ModernBertGolden.folder)) }

    var golden: ModernBertGolden { get throws { try Self.golden.get() } }
    var tower: ModernBertTextTower { get throws { try Self.loaded.get().tower } }
    var pipeline: SentenceTransformerPipeline { get throws { try Self.loaded.get().pipeline } }

    /// The pipeline's output for each sequence of one forward pass: pooled, then normalised as
    /// the folder's modules say.
    func embeddings(_ ids: [[Int32]]) throws -> [[Float]] {
        let (tower, pipeline) = (try tower, try pipeline)
        let states = tower.forward(ids)
        return ids.indices.map { index in
            let pooled = tower.pooled(states, ids: ids, index: index)
            return pipeline.normalize ? VectorMath.normalized(pooled) : pooled
        }
    }

    @Test func pipelineFilesAreRead() throws {
        let pipeline = try pipeline
        #expect(pipeline.pooling == .mean)
        #expect(pipeline.normalize)
        #expect(pipeline.maxSequenceLength == 64)
        #expect(pipeline.prompts == ["query": "search_query: ", "document": "search_document: "])
        let model = try tower.model
        #expect(model.layerTypes == [.fullAttention, .slidingAttention, .slidingAttention, .fullAttention])
        #expect(model.config.slidingWindow == (try golden).sliding_window_half)
    }

    @Test func tokenStatesMatchTheLastHiddenState() throws {
        let golden = try golden
        let tower = try tower
        #expect(golden.token_outputs.count == 4)
        // Sequences longer than a local window on both sides of some token: the band matters.
        #expect(golden.token_outputs.contains { $0.input_ids.count > 2 * golden.sliding_window_half + 1 })
        for output in golden.token_outputs {
            let rows = tower.forward([output.input_ids]).tokens(of: 0)
            #expect(rows.count == output.last_hidden_state.count)
            for (position, (ours, reference)) in zip(rows, output.last_hidden_state).enumerated() {
                let difference = Closeness.maxAbsDifference(ours, reference)
                #expect(difference < 1e-4, "token \(position) of '\(output.text.prefix(30))' differs by \(difference)")
            }
        }
        // All four at once: packed beside each other, every row is the same.
        let ids = golden.token_outputs.map(\.input_ids)
        let batched = tower.forward(ids)
        for (index, id) in ids.enumerated() {
            #expect(batched.tokens(of: index) == tower.forward([id]).tokens(of: 0))
        }
    }

    /// The 26 texts in batches of eight, as the reference computed them (its padded batches:
    /// short texts beside long ones), and one by one: the same bits either way.
    @Test func embeddingsMatchInBatchesAndAlone() throws {
        let golden = try golden
        #expect(golden.cases.count == 26)
        #expect(golden.cases.contains { $0.input_ids.count == golden.max_seq_length })
        var batched: [[Float]] = []
        for start in stride(from: 0, to: golden.cases.count, by: 8) {
            let batch = golden.cases[start ..< min(start + 8, golden.cases.count)]
            batched += try embeddings(batch.map(\.input_ids))
        }
        for (index, (reference, ours)) in zip(golden.cases, batched).enumerated() {
            let difference = Closeness.maxAbsDifference(ours, reference.embedding)
            #expect(difference < 1e-4, "case \(index) differs by \(difference): \(reference.text.prefix(40))")
            let alone = try embeddings([reference.input_ids])[0]
            #expect(alone == ours, "case \(index) depends on its batch")
        }
    }

    @Test func queryPromptCasesMatch() throws {
        let golden = try golden
        #expect(golden.query_prompt_cases.count == 4)
        let ours = try embeddings(golden.query_prompt_cases.map(\.input_ids))
        for (reference, vector) in zip(golden.query_prompt_cases, ours) {
            #expect(try pipeline.prompts[reference.prompt_name] == reference.prompt)
            let difference = Closeness.maxAbsDifference(vector, reference.embedding)
            #expect(difference < 1e-4, "query '\(reference.text.prefix(30))' differs by \(difference)")
        }
    }

    /// Keys excluded by `attendable` (transformers' attention mask 0) change nothing for the
    /// other tokens, on global and local layers alike, while their own rows are still computed.
    @Test func unattendableTokensAreInvisibleToTheOthers() throws {
        let model = try tower.model
        let ids = try golden.token_outputs[1].input_ids
        let hidden = ids.count - 3
        var flags = [Bool](repeating: true, count: ids.count)
        flags[hidden] = false
        var changed = ids
        changed[hidden] = ids[hidden] == 5 ? 6 : 5
        let a = model([ids], attendable: [flags]).tokens(of: 0)
        let b = model([changed], attendable: [flags]).tokens(of: 0)
        for position in ids.indices where position != hidden {
            #expect(a[position] == b[position], "token \(position) sees a masked key")
        }
        #expect(a[hidden] != b[hidden])
        #expect(model([ids], attendable: [[Bool](repeating: true, count: ids.count)]).values == model([ids]).values)
    }

    /// `inputs_embeds` are the raw `tok_embeddings` rows (normed inside the model), so rows put
    /// in place of others (a multimodal model's image features) act as those tokens would.
    @Test func inputEmbeddingsAreTheRawTokenRows() throws {
        let model = try tower.model
        let file = try SafetensorsFile(url: Fixtures.url("\(ModernBertGolden.folder)/model.safetensors"))
        let table = try file.tensor("embeddings.tok_embeddings.weight", shape: [960, 64])
        let ids: [[Int32]] = [[927, 300, 301, 928], [927, 7, 928]]
        var rows = model.inputEmbeddings(ids)
        #expect(rows.row(1) == table.row(300) && rows.row(5) == table.row(7))
        // Token 301 of the first sequence replaced, by its row, with token 12.
        rows.storage.replaceSubrange(2 * 64 ..< 3 * 64, with: table.row(12))
        let edited = model(inputsEmbeds: rows, lengths: [4, 3])
        let expected = model([[927, 300, 12, 928], [927, 7, 928]])
        #expect(edited.values == expected.values)
        #expect(edited.values != model(ids).values)
    }
}
