import EmbeddingTesting
import Foundation
@testable import LateInteraction

enum TestData {
    /// `count` unit vectors of width `dimension`, Gaussian-ish directions.
    static func unitVectors(_ count: Int, dimension: Int, using generator: inout SeededGenerator) -> MultiVector {
        var values: [Float] = []
        values.reserveCapacity(count * dimension)
        for _ in 0 ..< count {
            var row = (0 ..< dimension).map { _ in Float.random(in: -1 ... 1, using: &generator) + Float.random(in: -1 ... 1, using: &generator) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in row.indices { row[i] /= norm }
            values += row
        }
        return MultiVector(unchecked: dimension, values)
    }

    /// A corpus whose documents share topics with the queries, so rankings are meaningful:
    /// each document's vectors are noisy copies of a few topic vectors.
    static func topicalCorpus(documents: Int, dimension: Int, lengths: ClosedRange<Int>, seed: UInt64) -> (docs: [MultiVector], queries: [MultiVector]) {
        var generator = SeededGenerator(state: seed)
        let topics = unitVectors(64, dimension: dimension, using: &generator)
        func noisy(_ topic: Int, _ noise: Float) -> [Float] {
            var row = topics.row(topic).map { $0 + noise * (Float.random(in: -1 ... 1, using: &generator)) }
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for i in row.indices { row[i] /= norm }
            return row
        }
        var docs: [MultiVector] = []
        for _ in 0 ..< documents {
            let mine = (0 ..< 4).map { _ in Int.random(in: 0 ..< 64, using: &generator) }
            let n = Int.random(in: lengths, using: &generator)
            docs.append(MultiVector(unchecked: dimension, (0 ..< n).flatMap { _ in noisy(mine.randomElement(using: &generator)!, 0.25) }))
        }
        var queries: [MultiVector] = []
        for _ in 0 ..< 40 {
            let mine = (0 ..< 3).map { _ in Int.random(in: 0 ..< 64, using: &generator) }
            queries.append(MultiVector(unchecked: dimension, (0 ..< 8).flatMap { _ in noisy(mine.randomElement(using: &generator)!, 0.3) }))
        }
        return (docs, queries)
    }

    /// MaxSim in Double, the obvious way.
    static func referenceScore(_ q: MultiVector, _ d: MultiVector) -> Double {
        var total = 0.0
        for i in 0 ..< q.count {
            var best = -Double.infinity
            for j in 0 ..< d.count {
                var dot = 0.0
                for k in 0 ..< q.dimension { dot += Double(q.values[i * q.dimension + k]) * Double(d.values[j * d.dimension + k]) }
                best = max(best, dot)
            }
            total += best
        }
        return total
    }
}
