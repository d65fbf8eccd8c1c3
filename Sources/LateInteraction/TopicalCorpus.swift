/// A reproducible corpus with the structure real token vectors have: every vector is a noisy
/// copy of one of a few hundred topic directions, each document draws on four topics and each
/// query on three. On it, a candidate index can be measured against exact search; on
/// structureless random vectors no index can do better than scanning (every document is about
/// as far from a query as every other).
public struct TopicalCorpus: Sendable {
    public let documents: [MultiVector]
    public let queries: [MultiVector]

    /// `documents` documents of `vectors` vectors each (half to one and a half times), `queries`
    /// queries of `queryVectors`, all of width `dimension`, from `topics` topic directions.
    public init(
        documents: Int, vectors: Int, queries: Int, queryVectors: Int, dimension: Int, topics: Int = 256, seed: UInt64 = 1
    ) {
        var random = SplitMix64(state: seed)
        let centres = (0 ..< topics).map { _ in Self.unit((0 ..< dimension).map { _ in random.signed() + random.signed() }) }
        func noisy(_ topic: Int, _ noise: Float) -> [Float] {
            Self.unit(centres[topic].map { $0 + noise * random.signed() })
        }
        func document(topicCount: Int, length: Int, noise: Float) -> MultiVector {
            let mine = (0 ..< topicCount).map { _ in random.below(topics) }
            var values: [Float] = []
            values.reserveCapacity(length * dimension)
            for _ in 0 ..< length { values += noisy(mine[random.below(topicCount)], noise) }
            return MultiVector(unchecked: dimension, values)
        }
        self.documents = (0 ..< documents).map { _ in
            document(topicCount: 4, length: max(1, vectors / 2 + random.below(max(vectors, 1) + 1)), noise: 0.25)
        }
        self.queries = (0 ..< queries).map { _ in document(topicCount: 3, length: max(queryVectors, 1), noise: 0.3) }
    }

    private static func unit(_ row: [Float]) -> [Float] {
        let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
        return row.map { $0 / norm }
    }
}

/// SplitMix64: corpora and benchmarks that are the same on every machine, fast enough to fill
/// half a gigabyte of vectors in a second.
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    public mutating func signed() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    /// Uniform in 0 ..< bound.
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
}
