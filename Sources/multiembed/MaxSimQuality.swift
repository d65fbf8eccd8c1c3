import Encoders
import Foundation
import LateInteraction

/// `multiembed bench maxsim --model DIR --texts FILE`: what each storage knob costs in retrieval
/// quality on real token vectors, against exact float32 search.
///
/// Every line of the file is a document; query `i` is four words of document `i * 7 mod n`
/// (taken from its middle, so the query is a paraphrase-free but partial match). For each knob
/// it prints recall@10 (overlap of the top 10 with float32's), the share of queries whose top 10
/// is identical, and hit@10 (the source document is in the top 10).
struct MaxSimQuality {
    let model: String
    let texts: String
    let queries: Int

    func run() throws {
        let bundle = try loadModel(model)
        let lines = try readTexts(texts).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard lines.count >= 20 else { throw CommandFailure("\(texts): need at least 20 documents, found \(lines.count)") }
        let queryTexts = (0 ..< queries).map { index -> (text: String, source: Int) in
            let source = (index * 7) % lines.count
            let words = lines[source].split(separator: " ")
            let start = max(0, words.count / 2 - 2)
            return (words[start ..< min(words.count, start + 4)].joined(separator: " "), source)
        }
        do {
            let documents = try textMultiVectors(bundle, lines, side: .document)
            let queryVectors = try textMultiVectors(bundle, queryTexts.map(\.text), side: .query)
            let dimension = documents[0].dimension
            let exact = try search(queryVectors, EncodedCorpus(documents, dimension: dimension, precision: .float32))
            let averageVectors = Double(documents.reduce(0) { $0 + $1.count }) / Double(documents.count)
            print(String(format: "documents=%d queries=%d vectors_per_document=%.1f dimension=%d model=%@", documents.count, queries, averageVectors, dimension, bundle.name))
            print("| knob | recall@10 vs float32 | identical top 10 | hit@10 (source document) |")
            print("|---|---|---|---|")
            func report(_ name: String, _ hits: [[Int]]) {
                var overlap = 0.0, identical = 0, sourceHits = 0
                for (index, top) in hits.enumerated() {
                    overlap += Double(Set(top).intersection(exact[index]).count) / Double(max(exact[index].count, 1))
                    if top == exact[index] { identical += 1 }
                    if top.contains(queryTexts[index].source) { sourceHits += 1 }
                }
                let n = Double(hits.count)
                print(String(format: "| %@ | %.3f | %.2f | %.2f |", name, overlap / n, Double(identical) / n, Double(sourceHits) / n))
            }
            report("float32 (exact)", exact)
            for precision in [StoragePrecision.float16, .int8, .binary] {
                let label = precision == .binary ? "binary + float16 re-scoring" : precision.rawValue
                report(label, try search(queryVectors, EncodedCorpus(documents, dimension: dimension, precision: precision)))
            }
            for factor in [2, 4] {
                let pooled = try documents.map { try TokenPooling.pooled($0, factor: factor) }
                report("token pooling factor \(factor)", try search(queryVectors, EncodedCorpus(pooled, dimension: dimension, precision: .float32)))
            }
            for limit in [8, 16] {
                report("first \(limit) vectors", try search(queryVectors, EncodedCorpus(documents.map { $0.prefix(limit) }, dimension: dimension, precision: .float32)))
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    private func search(_ queries: [MultiVector], _ corpus: EncodedCorpus) throws -> [[Int]] {
        try queries.map { try MaxSim.search($0, corpus.view, k: 10).map(\.index) }
    }
}
