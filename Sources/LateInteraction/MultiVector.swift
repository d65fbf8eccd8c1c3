/// A set of vectors of one width: a query's token vectors or a document's token/patch vectors,
/// stored row-major in one array so it can be handed to BLAS without copying.
public struct MultiVector: Sendable, Equatable {
    /// Width of every vector.
    public let dimension: Int
    /// `count * dimension` values, one vector after another.
    public let values: [Float]

    /// Number of vectors.
    public var count: Int { values.count / dimension }

    /// Checks the shape and that every value is finite; `context` names the input in errors
    /// ("query", "document 'p12'").
    public init(dimension: Int, values: [Float], context: String = "vectors") throws(LateInteractionError) {
        guard dimension > 0 else { throw .invalidArgument("\(context): dimension must be positive, got \(dimension)") }
        guard !values.isEmpty else { throw .empty(context: context) }
        guard values.count % dimension == 0 else {
            throw .dimensionMismatch(context: context, expected: dimension, actual: values.count % dimension)
        }
        guard values.allSatisfy(\.isFinite) else { throw .nonFiniteValue(context: context) }
        self.dimension = dimension
        self.values = values
    }

    /// From rows, as the encoders return them (`tokenVectors`); every row must be `dimension` wide.
    public init(rows: [[Float]], dimension: Int? = nil, context: String = "vectors") throws(LateInteractionError) {
        guard let first = rows.first else { throw .empty(context: context) }
        let width = dimension ?? first.count
        for row in rows where row.count != width {
            throw .dimensionMismatch(context: context, expected: width, actual: row.count)
        }
        try self.init(dimension: width, values: rows.flatMap { $0 }, context: context)
    }

    /// Vector `index`, copied out.
    public func row(_ index: Int) -> [Float] {
        Array(values[index * dimension ..< (index + 1) * dimension])
    }

    /// The first `n` vectors (all when there are fewer): "first-n" truncation, the cheapest way to
    /// bound a document's storage, at the cost of everything past the cut.
    public func prefix(_ n: Int) -> MultiVector {
        guard n > 0, n < count else { return self }
        return MultiVector(unchecked: dimension, Array(values[0 ..< n * dimension]))
    }

    /// No vectors at all: the token vectors of a document of a dense collection, which holds
    /// only its pooled vector. Never a valid query.
    public static func none(dimension: Int) -> MultiVector {
        MultiVector(unchecked: dimension, [])
    }

    /// For values produced by this module, already validated.
    init(unchecked dimension: Int, _ values: [Float]) {
        self.dimension = dimension
        self.values = values
    }
}
