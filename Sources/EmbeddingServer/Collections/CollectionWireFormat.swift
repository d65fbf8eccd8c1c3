import Foundation
import LateInteraction
import WireProtocol

/// Conversions between the wire's collection messages and the store's types.
extension StoragePrecision {
    /// The store precision a request names; INVALID_ARGUMENT for a value from a newer client.
    init(wire: Multiembed_V1_Precision) throws(ServerError) {
        switch wire {
        case .float32: self = .float32
        case .float16: self = .float16
        case .int8: self = .int8
        case .binary: self = .binary
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown precision \(value)")
        }
    }

    var wire: Multiembed_V1_Precision {
        switch self {
        case .float32: .float32
        case .float16: .float16
        case .int8: .int8
        case .binary: .binary
        }
    }
}

extension CollectionKind {
    /// The kind a request names; INVALID_ARGUMENT for a value from a newer client.
    init(wire: Multiembed_V1_CollectionKind) throws(ServerError) {
        switch wire {
        case .multiVector: self = .multiVector
        case .dense: self = .dense
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown collection kind \(value)")
        }
    }

    var wire: Multiembed_V1_CollectionKind {
        switch self {
        case .multiVector: .multiVector
        case .dense: .dense
        }
    }
}

extension CollectionQuery.Mode {
    /// The mode a SearchRequest names; nil for SEARCH_MODE_DEFAULT (the collection's own).
    init?(wire: Multiembed_V1_SearchMode) throws(ServerError) {
        switch wire {
        case .default: return nil
        case .maxsim: self = .maxSim
        case .dense: self = .dense
        case .hybrid: self = .hybrid
        case .indexed: self = .indexed
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown search mode \(value)")
        }
    }
}

extension DenseMetric {
    init(wire: Multiembed_V1_Metric) throws(ServerError) {
        switch wire {
        case .cosine: self = .cosine
        case .dot: self = .dot
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown metric \(value)")
        }
    }
}

extension CollectionSpec {
    /// The collection as CollectionInfo reports it, with its live document count.
    func wireInfo(documentCount: Int) -> Multiembed_V1_CollectionInfo {
        var info = Multiembed_V1_CollectionInfo()
        info.name = name
        info.dimension = UInt32(clamping: dimension)
        info.precision = precision.wire
        info.poolFactor = UInt32(clamping: poolFactor)
        info.maxVectors = UInt32(clamping: maxVectors ?? 0)
        info.model = model ?? ""
        info.documentCount = UInt64(clamping: documentCount)
        info.kind = kind.wire
        return info
    }
}

extension MultiVector {
    /// The vectors as a float32 wire MultiVector (Get's include_vectors).
    var wire: Multiembed_V1_MultiVector {
        var wire = Multiembed_V1_MultiVector()
        wire.count = UInt32(clamping: count)
        wire.dimension = UInt32(clamping: dimension)
        var data = Data()
        data.reserveCapacity(values.count * 4)
        VectorEncoding.append(values, encoding: .float32, to: &data)
        wire.data = data
        return wire
    }
}

extension Multiembed_V1_Usage {
    /// Adds `other`'s work (a request that embedded in two calls, such as Score's query and
    /// documents).
    mutating func add(_ other: Multiembed_V1_Usage) {
        tokens += other.tokens
        pixels += other.pixels
        patches += other.patches
        queueTimeUs += other.queueTimeUs
        inferenceTimeUs += other.inferenceTimeUs
    }
}
