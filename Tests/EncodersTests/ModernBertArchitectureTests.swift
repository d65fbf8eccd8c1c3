import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// ModernBERT folders loaded through the registry, tokenizer.json included, end to end against
/// the references: sentence-transformers for the embedder, PyLate for the ColBERT.
@Suite struct ModernBertArchitectureTests {
    @Test func sentenceTransformersFolderEmbedsAsTheReferenceDoes() throws {
        let bundle = try ModelBundle.load(directory: Fixtures.url(ModernBertGolden.folder))
        #expect(bundle.modelType == "modernbert")
        let embedder = try #require(bundle.text)
        let golden = try ModernBertGolden.load()
        #expect(embedder.maxLength == golden.max_seq_length)
        // Our tokenizer from tokenizer.json and our model, not the golden ids: the whole pipeline.
        let results = try embedder.embed(golden.cases.map(\.text), options: TextEmbeddingOptions(batchSize: 8))
        for (reference, result) in zip(golden.cases, results) {
            let embedding = try result.get()
            let pooled = try #require(embedding.pooled)
            #expect(Closeness.maxAbsDifference(pooled, reference.embedding) <= 1e-4, "\(reference.text.prefix(40))")
            #expect(embedding.tokenCount == reference.input_ids.count, "\(reference.text.prefix(40))")
        }
        let prompted = try embedder.embed(
            golden.query_prompt_cases.map(\.text), options: TextEmbeddingOptions(promptName: "query"))
        for (reference, result) in zip(golden.query_prompt_cases, prompted) {
            let pooled = try #require(try result.get().pooled)
            #expect(Closeness.maxAbsDifference(pooled, reference.embedding) <= 1e-4, "\(reference.text.prefix(40))")
        }
    }

    @Test func pylateModernColBERTMatchesItsVectorsAndScores() throws {
        let bundle = try ModelBundle.load(directory: Fixtures.url("tiny-modernbert-colbert"))
        let encoder = try #require(bundle.lateInteraction)
        #expect(bundle.text == nil)
        let golden = try Fixtures.load(ModernColBERTGolden.self, from: "tiny-modernbert-colbert/golden.json")
        #expect(encoder.dimension == 16)

        for query in golden.queries {
            #expect(try encoder.queryInput(query.text).ids == query.input_ids, "\(query.text)")
        }
        for document in golden.documents {
            #expect(try encoder.documentInput(document.text).ids == document.input_ids, "\(document.text.prefix(40))")
        }
        let queries = try encoder.encodeQueries(golden.queries.map(\.text))
        let documents = try encoder.encodeDocuments(golden.documents.map(\.text))
        for (reference, vectors) in zip(golden.queries, queries) {
            #expect(vectors.count == reference.vectors.count)
            for (ours, theirs) in zip(vectors, reference.vectors) {
                #expect(Closeness.maxAbsDifference(ours, theirs) <= 1e-4, "\(reference.text)")
            }
        }
        for (reference, vectors) in zip(golden.documents, documents) {
            // The skip list drops punctuation vectors: the same count as PyLate keeps.
            #expect(vectors.count == reference.vectors.count, "\(reference.text.prefix(40))")
            for (ours, theirs) in zip(vectors, reference.vectors) {
                #expect(Closeness.maxAbsDifference(ours, theirs) <= 1e-4, "\(reference.text.prefix(40))")
            }
        }
        for (row, query) in queries.enumerated() {
            // PyLate's colbert_scores: for each query vector its best dot product, summed.
            let scores = documents.map { document in
                query.reduce(Float(0)) { sum, q in
                    sum + document.map { d in zip(q, d).reduce(Float(0)) { $0 + $1.0 * $1.1 } }.max()!
                }
            }
            for (column, score) in scores.enumerated() {
                #expect(abs(score - golden.scores[row][column]) <= 1e-4)
            }
            let ours = scores.indices.sorted { scores[$0] > scores[$1] }
            let theirs = golden.scores[row].indices.sorted { golden.scores[row][$0] > golden.scores[row][$1] }
            #expect(ours == theirs)
        }
    }
}

/// `tiny-modernbert-colbert/golden.json`: PyLate 1.6 outputs of a ColBERT on a random ModernBERT.
struct ModernColBERTGolden: Decodable {
    struct Item: Decodable {
        let text: String
        let input_ids: [Int32]
        let vectors: [[Float]]
    }

    let queries: [Item]
    let documents: [Item]
    let scores: [[Float]]
}
