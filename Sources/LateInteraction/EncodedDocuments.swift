/// Where one document's encoded vectors start (bytes from ``EncodedDocuments/base``) and how many
/// vectors it has.
public struct DocumentSlot: Sendable, Equatable {
    public var offset: Int
    public var count: Int
    public init(offset: Int, count: Int) {
        self.offset = offset
        self.count = count
    }
}

/// A read-only view of documents encoded by ``VectorCodec``: one base address (an allocation or a
/// memory-mapped file) and a slot per document. Documents need not be adjacent or in any order,
/// so a log file with headers between records is searched in place.
///
/// `owner` keeps the memory alive for as long as the view exists.
public struct EncodedDocuments: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let slots: [DocumentSlot]
    public let dimension: Int
    public let precision: StoragePrecision
    let owner: AnyObject?

    public init(base: UnsafeRawPointer, slots: [DocumentSlot], dimension: Int, precision: StoragePrecision, owner: AnyObject?) {
        self.base = base
        self.slots = slots
        self.dimension = dimension
        self.precision = precision
        self.owner = owner
    }

    public var count: Int { slots.count }

    /// Starts reading documents `indices` from disk when they live in a memory-mapped file (see
    /// ``MappedFile/adviseWillNeed(_:mergeGap:)``): a search calls it on its candidates before
    /// scoring them. Does nothing for documents in an allocation.
    public func prefetch(_ indices: [Int]) {
        guard let file = owner as? MappedFile, let fileBase = file.base else { return }
        let start = base - fileBase
        let ranges = indices.map { index -> Range<Int> in
            let slot = slots[index]
            let offset = start + slot.offset
            return offset ..< offset + precision.encodedSize(count: slot.count, dimension: dimension)
        }
        file.adviseWillNeed(ranges)
    }

    /// Document `index` decoded to float32 (for `get`, tests and re-scoring by callers).
    public func vectors(_ index: Int) -> MultiVector {
        let slot = slots[index]
        var values = [Float](repeating: 0, count: slot.count * dimension)
        values.withUnsafeMutableBufferPointer {
            VectorCodec.decode(
                base + slot.offset, count: slot.count, dimension: dimension, precision: precision,
                rows: 0 ..< slot.count, into: $0.baseAddress!)
        }
        return MultiVector(unchecked: dimension, values)
    }
}

/// Documents encoded into one heap allocation: for benchmarks, tests, and scoring vectors sent in
/// a request. Each document starts on a 64-byte boundary.
public final class EncodedCorpus: @unchecked Sendable {
    private let storage: UnsafeMutableRawPointer
    /// The documents, in the order given.
    public let documents: EncodedDocuments

    /// Encodes `vectors` (all of width `dimension`) at `precision`.
    public init(_ vectors: [MultiVector], dimension: Int, precision: StoragePrecision) throws(LateInteractionError) {
        var slots: [DocumentSlot] = []
        var size = 0
        for (index, document) in vectors.enumerated() {
            guard document.dimension == dimension else {
                throw .dimensionMismatch(context: "document \(index)", expected: dimension, actual: document.dimension)
            }
            slots.append(DocumentSlot(offset: size, count: document.count))
            size += (precision.encodedSize(count: document.count, dimension: dimension) + 63) & ~63
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: max(size, 64), alignment: 64)
        for (document, slot) in zip(vectors, slots) {
            document.values.withUnsafeBufferPointer {
                VectorCodec.write($0.baseAddress!, count: slot.count, dimension: dimension, as: precision, to: storage + slot.offset)
            }
        }
        self.storage = storage
        documents = EncodedDocuments(base: storage, slots: slots, dimension: dimension, precision: precision, owner: nil)
    }

    deinit { storage.deallocate() }

    /// A view that keeps this corpus alive.
    public var view: EncodedDocuments {
        EncodedDocuments(base: documents.base, slots: documents.slots, dimension: documents.dimension, precision: documents.precision, owner: self)
    }
}
