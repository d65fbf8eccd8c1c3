import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A collection's ``CentroidIndex`` as the file `index` beside its log, so that a reopened
/// collection searches without re-training.
///
/// Layout (little-endian): the magic `MECIDX01`; a header of 64-bit fields (dimension,
/// centroids, documents, codes, documents the centroids were trained on, and the log state the
/// index covers: the log's inode, its length in bytes, and the CRC-32 of its last 4 KiB up to
/// that length); then each indexed document's log sequence (Int64), the centroids (Float32),
/// each document's code count (UInt32) and the codes (UInt16); last, the CRC-32 of everything
/// before it.
///
/// The index holds nothing the log does not, so a file that is missing, short, fails its
/// checksum or describes another state of the log is never an error: the caller rebuilds from the
/// log and writes a new one. It is written like every other file of the store that replaces one:
/// to `index.tmp`, fsynced, renamed over `index`, and the folder fsynced.
struct CentroidIndexFile {
    /// The log state an index covers. Log sequences are numbered by replaying the log, so they
    /// name the same records in any process as long as the log's first `length` bytes are the
    /// ones the index was built from: the inode changes when compaction or repair renames a new
    /// log in, and the bytes before `length` (checked by their last 4 KiB) are append-only.
    struct LogState: Equatable {
        var inode: UInt64
        var length: Int
        var tailChecksum: UInt32

        /// The state of the log at `path` whose first `length` bytes are mapped at `bytes`.
        static func of(logAt path: String, bytes: UnsafeRawPointer, length: Int) -> LogState? {
            var info = stat()
            guard stat(path, &info) == 0, Int(info.st_size) >= length else { return nil }
            let tail = min(length, 4096)
            return LogState(
                inode: UInt64(info.st_ino), length: length,
                tailChecksum: CRC32.checksum(UnsafeRawBufferPointer(start: bytes + (length - tail), count: tail)))
        }
    }

    var index: CentroidIndex
    /// The log sequence of each indexed document, by index position (ascending).
    var sequences: [Int]
    /// Documents the centroids were trained on.
    var trainedOn: Int
    var log: LogState

    static let magic = Array("MECIDX01".utf8)

    /// The file's bytes.
    func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(
            128 + sequences.count * 8 + index.centroids.count * 4 + index.documentCount * 4 + index.codes.count * 2)
        for field in [index.dimension, index.centroidCount, index.documentCount, index.codes.count, trainedOn] {
            Self.append(UInt64(field), to: &bytes)
        }
        Self.append(log.inode, to: &bytes)
        Self.append(UInt64(log.length), to: &bytes)
        Self.append(UInt64(log.tailChecksum), to: &bytes)
        for sequence in sequences { Self.append(UInt64(sequence), to: &bytes) }
        for value in index.centroids { Self.append(value.bitPattern, to: &bytes) }
        for position in 0 ..< index.documentCount { Self.append(UInt32(index.codeStarts[position + 1] - index.codeStarts[position]), to: &bytes) }
        for code in index.codes { Self.append(code, to: &bytes) }
        let checksum = bytes.withUnsafeBytes { CRC32.checksum($0) }
        Self.append(checksum, to: &bytes)
        return bytes
    }

    /// Why a file could not be used.
    struct Unusable: Error, CustomStringConvertible {
        let description: String
    }

    /// Parses a file's bytes; `dimension` is the collection's.
    static func decode(_ bytes: UnsafeRawBufferPointer, dimension: Int) throws(Unusable) -> CentroidIndexFile {
        let header = magic.count + 8 * 8
        guard bytes.count >= header + 4 else { throw Unusable(description: "it is \(bytes.count) bytes, shorter than its header") }
        guard Array(bytes[0 ..< magic.count]) == magic else { throw Unusable(description: "it does not start with the index magic") }
        let stored = bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self).littleEndian
        guard CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0 ..< bytes.count - 4])) == stored else {
            throw Unusable(description: "its checksum does not match (a damaged or partly written file)")
        }
        var offset = magic.count
        func field() -> Int {
            defer { offset += 8 }
            return Int(truncatingIfNeeded: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
        }
        let width = field(), k = field(), documents = field(), codeCount = field(), trainedOn = field()
        let inode = UInt64(bitPattern: Int64(field())), length = field(), tailChecksum = UInt32(truncatingIfNeeded: field())
        guard width == dimension else { throw Unusable(description: "it indexes vectors of width \(width), the collection's are \(dimension)") }
        guard (1 ... KMeans.maximumCentroids).contains(k), documents >= 0, codeCount >= 0, trainedOn >= 0,
              bytes.count == header + documents * 8 + k * width * 4 + documents * 4 + codeCount * 2 + 4
        else { throw Unusable(description: "its sizes do not add up to its length") }
        func array<T>(_ count: Int, _ type: T.Type) -> [T] {
            let size = MemoryLayout<T>.size
            defer { offset += count * size }
            return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count * size])) }
                initialized = count
            }
        }
        let sequences = array(documents, Int64.self).map { Int($0) }
        let centroids = array(k * width, Float.self)
        let counts = array(documents, UInt32.self)
        let codes = array(codeCount, UInt16.self)
        guard counts.reduce(0, { $0 + Int($1) }) == codeCount, codes.allSatisfy({ Int($0) < k }),
              zip(sequences, sequences.dropFirst()).allSatisfy({ $0 < $1 })
        else { throw Unusable(description: "its codes or sequences are out of range") }
        return CentroidIndexFile(
            index: CentroidIndex(dimension: width, centroids: centroids, counts: counts, codes: codes), sequences: sequences,
            trainedOn: trainedOn, log: LogState(inode: inode, length: length, tailChecksum: tailChecksum))
    }

    /// Reads and parses the file at `path`; nil when there is none.
    static func read(_ path: String, dimension: Int) throws(Unusable) -> CentroidIndexFile? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let result = data.withUnsafeBytes { raw in
            Result { () throws(Unusable) -> CentroidIndexFile in try decode(raw, dimension: dimension) }
        }
        return try result.get()
    }

    /// Writes the file atomically (temporary file, fsync, rename, fsync of the folder).
    func write(to path: String, folder: String) throws(LateInteractionError) {
        try FileIO.writeAtomically(encoded(), to: path, directory: folder)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
}
