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
        let generator = Generator(dimension: dimension, vectors: vectors, queryVectors: queryVectors, topics: topics, seed: seed)
        self.documents = (0 ..< documents).map { generator.document($0) }
        self.queries = (0 ..< queries).map { generator.query($0) }
    }

    /// Document `i` and query `i` of a topical corpus, each made on its own from the seed and
    /// `i`: a corpus of any size is generated a batch at a time, in any order, never held whole.
    public struct Generator: Sendable {
        public let dimension: Int
        /// Mean vectors per document.
        public let vectors: Int
        public let queryVectors: Int
        public let topics: Int
        /// True: every document has exactly `vectors` vectors; false: half to one and a half times.
        public let fixedLength: Bool
        private let seed: UInt64
        /// Topic directions, row-major, unit length.
        private let centres: [Float]

        public init(dimension: Int, vectors: Int, queryVectors: Int, topics: Int = 256, fixedLength: Bool = false, seed: UInt64 = 1) {
            self.dimension = dimension
            self.vectors = max(vectors, 1)
            self.queryVectors = max(queryVectors, 1)
            self.topics = max(topics, 1)
            self.fixedLength = fixedLength
            self.seed = seed
            var random = SplitMix64(state: seed)
            var centres: [Float] = []
            centres.reserveCapacity(self.topics * dimension)
            for _ in 0 ..< self.topics { centres += Self.unit((0 ..< dimension).map { _ in random.signed() + random.signed() }) }
            self.centres = centres
        }

        /// Document `index`: four topics, noise 0.25 per coordinate.
        public func document(_ index: Int) -> MultiVector {
            var random = stream(index, salt: 0x5D0C)
            let length = fixedLength ? vectors : max(1, vectors / 2 + random.below(vectors + 1))
            return make(topicCount: 4, length: length, noise: 0.25, &random)
        }

        /// Query `index`: three topics, noise 0.3 per coordinate.
        public func query(_ index: Int) -> MultiVector {
            var random = stream(index, salt: 0x9E41)
            return make(topicCount: 3, length: queryVectors, noise: 0.3, &random)
        }

        private func stream(_ index: Int, salt: UInt64) -> SplitMix64 {
            var mixer = SplitMix64(state: seed ^ (UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03) ^ (salt << 48))
            return SplitMix64(state: mixer.next())
        }

        private func make(topicCount: Int, length: Int, noise: Float, _ random: inout SplitMix64) -> MultiVector {
            let mine = (0 ..< topicCount).map { _ in random.below(topics) }
            var values = [Float](repeating: 0, count: length * dimension)
            for row in 0 ..< length {
                let topic = mine[random.below(topicCount)]
                var norm: Float = 0
                for i in 0 ..< dimension {
                    let value = centres[topic * dimension + i] + noise * random.signed()
                    values[row * dimension + i] = value
                    norm += value * value
                }
                let scale = 1 / max(norm.squareRoot(), 1e-12)
                for i in 0 ..< dimension { values[row * dimension + i] *= scale }
            }
            return MultiVector(unchecked: dimension, values)
        }

        private static func unit(_ row: [Float]) -> [Float] {
            let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return row.map { $0 / norm }
        }
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
