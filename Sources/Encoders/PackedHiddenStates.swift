import EmbeddingKernels

/// The hidden states of a batch of sequences packed row after row, `[tokens, hidden]`, with the
/// row range of each sequence. No padding exists anywhere, so no mask is needed downstream.
public struct PackedHiddenStates: Sendable {
    public var values: Tensor
    public var sequences: [Range<Int>]

    public init(values: Tensor, sequences: [Range<Int>]) {
        self.values = values
        self.sequences = sequences
    }

    /// Width of each row.
    public var hiddenSize: Int { values.columns }

    /// The rows of sequence `index`, one array per token.
    public func tokens(of index: Int) -> [[Float]] {
        sequences[index].map { values.row($0) }
    }

    /// Row ranges for sequences of the given lengths laid end to end.
    public static func ranges(lengths: [Int]) -> [Range<Int>] {
        var start = 0
        return lengths.map { length in
            defer { start += length }
            return start ..< start + length
        }
    }
}
