#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Rotary position embedding (RoPE) of the "default" type, as transformers applies it with
/// `rotate_half`: each head's vector is split into a first and a second half (not interleaved
/// pairs), and element `i` of the first half turns with element `i` of the second by the angle
/// `position * theta^(-2i/d)`:
///
///     out[i]       = x[i] * cos - x[i + d/2] * sin
///     out[i + d/2] = x[i + d/2] * cos + x[i] * sin
///
/// The angles are tabulated once per position, in float32 as transformers computes them
/// (`inv_freq` in float32, `position * inv_freq` in float32), so long positions round alike.
public struct RotaryEmbedding: Sendable {
    /// Size of one head's vector (even).
    public let headDimension: Int
    /// Positions tabulated: `0 ..< positions`.
    public let positions: Int
    /// `[positions, headDimension / 2]` cosines and sines.
    private let cosines: [Float]
    private let sines: [Float]

    /// Tabulates the rotations of positions `0 ..< positions` for heads of `headDimension`
    /// (even) with base `theta`.
    public init(headDimension: Int, theta: Double, positions: Int) {
        precondition(headDimension > 0 && headDimension % 2 == 0, "RoPE needs an even head dimension, got \(headDimension)")
        self.headDimension = headDimension
        self.positions = max(positions, 0)
        let half = headDimension / 2
        // inv_freq = 1 / theta^(arange(0, d, 2) / d), every step in float32 as in transformers.
        let inverseFrequencies = (0..<half).map { i -> Float in
            let exponent = Float(2 * i) / Float(headDimension)
            return 1 / Float(pow(theta, Double(exponent)))
        }
        var cosines = [Float](repeating: 0, count: self.positions * half)
        var sines = [Float](repeating: 0, count: self.positions * half)
        for position in 0..<self.positions {
            for i in 0..<half {
                let angle = Double(Float(position) * inverseFrequencies[i])
                cosines[position * half + i] = Float(cos(angle))
                sines[position * half + i] = Float(sin(angle))
            }
        }
        self.cosines = cosines
        self.sines = sines
    }

    /// Rotates, in place, `heads` head vectors in each row of `data` (row stride `stride`,
    /// head `h` at columns `h * headDimension ..< (h + 1) * headDimension`). Each sequence's
    /// rows get positions `0, 1, 2, ...` from its first row; every sequence must fit the table.
    public func apply(_ data: UnsafeMutablePointer<Float>, stride: Int, heads: Int, sequences: [Range<Int>]) {
        precondition(sequences.allSatisfy { $0.count <= positions }, "a sequence is longer than the \(positions) tabulated RoPE positions")
        let half = headDimension / 2
        let width = headDimension
        let target = SendablePointer(data)
        cosines.withUnsafeBufferPointer { cosineBuffer in
            sines.withUnsafeBufferPointer { sineBuffer in
                let cosineTable = SendableConstPointer(cosineBuffer.baseAddress!)
                let sineTable = SendableConstPointer(sineBuffer.baseAddress!)
                for sequence in sequences {
                    let first = sequence.lowerBound
                    parallelChunks(sequence.count, minimumPerChunk: max(1, 16_384 / max(heads * width, 1))) { positions in
                        for position in positions {
                            let cosine = cosineTable.base + position * half
                            let sine = sineTable.base + position * half
                            let row = target.base + (first + position) * stride
                            for head in 0..<heads {
                                let low = row + head * width
                                let high = low + half
                                for i in 0..<half {
                                    let x = low[i], y = high[i]
                                    low[i] = x * cosine[i] - y * sine[i]
                                    high[i] = y * cosine[i] + x * sine[i]
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
