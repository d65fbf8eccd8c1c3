public import Foundation

/// One vector as the server sent it, in the request's encoding: the raw bytes for callers that
/// keep compact vectors (int8 or bits for Hamming search), and ``values`` to decode them.
public struct EncodedVector: Sendable, Hashable {
    /// The encoding of ``data``.
    public var encoding: VectorEncoding
    /// Number of values, whatever the encoding.
    public var dimension: Int
    /// The encoded bytes: 4, 2, 1 or 1/8 byte per value (see the wire contract).
    public var data: Data
    /// INT8 only: value = byte x scale. 0 for the other encodings.
    public var scale: Float

    /// Builds a vector after checking that `data` holds exactly `dimension` values in
    /// `encoding`, so the accessors below never read out of bounds whatever a server sent.
    init(encoding: VectorEncoding, dimension: Int, data: Data, scale: Float)
        throws(EmbeddingClientError)
    {
        let expected = encoding.byteCount(dimension: dimension)
        guard data.count == expected else {
            throw .invalidResponse(
                "a \(encoding) vector of \(dimension) values takes \(expected) bytes, got \(data.count)")
        }
        self.encoding = encoding
        self.dimension = dimension
        self.data = data
        self.scale = scale
    }

    /// The values as floats: exact for FLOAT32 and FLOAT16 (every half is a float), byte x
    /// scale for INT8, and for BINARY +1 where the bit is set (the value was positive) and -1
    /// where it is not, so dot products of decoded binary vectors are `dimension - 2 x Hamming`.
    public var values: [Float] {
        self.data.withUnsafeBytes { raw in
            decodeValues(raw, encoding: self.encoding, dimension: self.dimension, scale: self.scale)
        }
    }

    /// INT8 only: the signed bytes; nil for other encodings.
    public var int8Values: [Int8]? {
        guard self.encoding == .int8 else { return nil }
        return self.data.map { Int8(bitPattern: $0) }
    }

    /// BINARY only: one Bool per value (true when the value was positive); nil for other
    /// encodings. The packed bytes are ``data`` (least significant bit first).
    public var bits: [Bool]? {
        guard self.encoding == .binary else { return nil }
        return self.data.withUnsafeBytes { raw in
            (0..<self.dimension).map { (i: Int) -> Bool in bit(raw, i) }
        }
    }
}

/// `count` vectors of `dimension` values (a text's tokens or an image's patches), as sent.
public struct EncodedMultiVector: Sendable, Hashable {
    public var encoding: VectorEncoding
    /// Number of vectors.
    public var count: Int
    /// Values per vector.
    public var dimension: Int
    /// The vectors' encodings one after the other, each the same number of bytes.
    public var data: Data
    /// INT8 only: one scale per vector; empty otherwise.
    public var scales: [Float]

    init(encoding: VectorEncoding, count: Int, dimension: Int, data: Data, scales: [Float])
        throws(EmbeddingClientError)
    {
        let rowBytes = encoding.byteCount(dimension: dimension)
        let (expected, overflow) = rowBytes.multipliedReportingOverflow(by: count)
        guard !overflow, data.count == expected else {
            throw .invalidResponse(
                "a multi-vector of \(count) x \(dimension) \(encoding) values does not take "
                    + "\(data.count) bytes")
        }
        let expectedScales = encoding == .int8 ? count : 0
        guard scales.count == expectedScales else {
            throw .invalidResponse(
                "a multi-vector of \(count) \(encoding) vectors has \(scales.count) scales")
        }
        self.encoding = encoding
        self.count = count
        self.dimension = dimension
        self.data = data
        self.scales = scales
    }

    /// Bytes of one vector.
    var rowBytes: Int { self.encoding.byteCount(dimension: self.dimension) }

    /// Vector `row`, still encoded.
    public func row(_ row: Int) -> EncodedVector {
        precondition((0..<self.count).contains(row), "row \(row) outside 0..<\(self.count)")
        let start = self.data.startIndex + row * self.rowBytes
        return EncodedVector(
            unchecked: self.encoding, dimension: self.dimension,
            data: self.data[start..<start + self.rowBytes],
            scale: self.encoding == .int8 ? self.scales[row] : 0)
    }

    /// All vectors decoded, as ``EncodedVector/values`` decodes one.
    public var values: [[Float]] {
        (0..<self.count).map { self.row($0).values }
    }
}

extension EncodedVector {
    /// For slices of an already checked multi-vector.
    init(unchecked encoding: VectorEncoding, dimension: Int, data: Data, scale: Float) {
        self.encoding = encoding
        self.dimension = dimension
        self.data = data
        self.scale = scale
    }
}

extension VectorEncoding {
    /// Bytes one vector of `dimension` values takes.
    func byteCount(dimension: Int) -> Int {
        switch self {
        case .float32: 4 * dimension
        case .float16: 2 * dimension
        case .int8: dimension
        case .binary: (dimension + 7) / 8
        }
    }
}
