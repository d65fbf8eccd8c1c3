import EmbeddingKernels

extension MultiVector {
    /// Every vector scaled to unit L2 norm (sums of squares in Double, as
    /// ``VectorMath/normalize(_:count:)``), which MaxSim assumes: without it a long vector
    /// would outweigh the others in every maximum.
    ///
    /// An all-zero vector has no direction to keep and would score 0 against everything, so it
    /// is refused rather than silently kept; `context` names the input in that error.
    public func l2Normalized(context: String) throws(LateInteractionError) -> MultiVector {
        var values = self.values
        for row in 0 ..< count {
            let range = row * dimension ..< (row + 1) * dimension
            guard values[range].contains(where: { $0 != 0 }) else {
                throw .invalidArgument("\(context): vector \(row) is all zeros and cannot be normalised")
            }
            values.withUnsafeMutableBufferPointer { buffer in
                VectorMath.normalize(buffer.baseAddress! + range.lowerBound, count: dimension)
            }
        }
        return MultiVector(unchecked: dimension, values)
    }
}
