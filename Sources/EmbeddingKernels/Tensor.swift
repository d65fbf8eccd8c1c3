/// A dense, row-major Float32 tensor: a shape and contiguous storage.
///
/// Deliberately minimal: the encoders work on 2-D activations (`rows x columns`) and pass raw
/// pointers to the kernels, so `Tensor` only owns memory and checks shapes.
public struct Tensor: Sendable, Equatable {
    /// Extent of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// `shape.reduce(1, *)` values, row-major.
    public var storage: [Float]

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor over existing values; `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: [Float]) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not hold \(storage.count) values")
        self.shape = shape
        self.storage = storage
    }

    /// Number of values.
    @inlinable public var count: Int { storage.count }

    /// Size of the first dimension (rows of a matrix).
    @inlinable public var rows: Int { shape.first ?? 1 }

    /// Product of every dimension but the first (columns of a matrix).
    @inlinable public var columns: Int { shape.dropFirst().reduce(1, *) }

    /// Row `index` of a matrix, copied out.
    public func row(_ index: Int) -> [Float] {
        Array(storage[index * columns ..< (index + 1) * columns])
    }

    /// The same values seen with another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, storage: storage)
    }
}
