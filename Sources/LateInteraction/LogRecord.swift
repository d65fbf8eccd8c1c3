import Foundation

/// One record of a collection's append-only log, and its byte layout (little-endian).
///
/// ```
/// header, 16 bytes: magic "MEL1" | payload length u32 | CRC-32 of payload u32 | kind u8 | 3 zero bytes
/// upsert payload:   id length u32, id UTF-8 | metadata length u32, metadata JSON |
///                   pooled count u32, pooled f32 x count | vector count u32 |
///                   [kind 3 only: attachment length u32, attachment bytes] |
///                   zero padding up to a 64-byte file offset | vectors (VectorCodec layout)
/// delete payload:   id length u32, id UTF-8
/// ```
/// Kind 3 is an upsert with an attachment (a page's text layer, opaque to the store); a
/// document without one is still written as kind 1, so logs of documents without attachments
/// are byte for byte what earlier versions wrote and read.
/// The vectors start on a 64-byte boundary of the file so that a memory map of the log serves
/// them to sgemm in place. A record is valid only when its whole payload is present and its
/// checksum matches; ``LogScan`` uses that to tell a torn tail (safe to drop) from damage in the
/// middle (never dropped).
enum LogRecord {
    static let magic: UInt32 = 0x314C_454D // "MEL1"
    static let headerSize = 16
    static let vectorAlignment = 64

    enum Kind: UInt8 {
        case upsert = 1
        case delete = 2
        case upsertWithAttachment = 3
    }

    /// A decoded record; vector bytes are located, not copied.
    struct Parsed {
        var kind: Kind
        var id: String
        var metadata: [String: String]
        var pooled: [Float]?
        var vectorCount: Int
        /// File offsets of the attachment's bytes (kind 3), nil without one.
        var attachment: Range<Int>? = nil
        /// File offset of the encoded vectors.
        var vectorOffset: Int
        /// File offset just past the record.
        var end: Int
    }

    /// Appends an upsert record that will sit at file offset `fileOffset + bytes.count`.
    static func appendUpsert(
        id: String, metadata: [String: String], pooled: [Float]?, vectorCount: Int, attachment: UnsafeRawBufferPointer? = nil,
        encodedVectors: UnsafeRawBufferPointer, fileOffset: Int, to bytes: inout [UInt8]
    ) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: headerSize))
        appendString(id, to: &bytes)
        let json = (try? JSONEncoder().encode(metadata)).map { [UInt8]($0) } ?? Array("{}".utf8)
        appendU32(UInt32(json.count), to: &bytes)
        bytes += json
        appendU32(UInt32(pooled?.count ?? 0), to: &bytes)
        for value in pooled ?? [] { appendU32(value.bitPattern, to: &bytes) }
        appendU32(UInt32(vectorCount), to: &bytes)
        if let attachment {
            appendU32(UInt32(attachment.count), to: &bytes)
            bytes += attachment
        }
        let misalignment = (fileOffset + bytes.count) % vectorAlignment
        if misalignment != 0 { bytes.append(contentsOf: repeatElement(0, count: vectorAlignment - misalignment)) }
        bytes += encodedVectors
        seal(kind: attachment == nil ? .upsert : .upsertWithAttachment, start: start, in: &bytes)
    }

    static func appendDelete(id: String, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: headerSize))
        appendString(id, to: &bytes)
        seal(kind: .delete, start: start, in: &bytes)
    }

    /// The record at `offset` of `file`, or nil when it is missing, torn or fails its checksum.
    /// Offsets in the result are relative to `file`; `shift` is the file offset of `file`'s first
    /// byte when it is a buffer about to be (or just) written rather than the whole log.
    static func parse(
        _ file: UnsafeRawBufferPointer, at offset: Int, dimension: Int, precision: StoragePrecision, shift: Int = 0
    ) -> Parsed? {
        guard offset + headerSize <= file.count else { return nil }
        let base = file.baseAddress! + offset
        guard base.loadUnaligned(as: UInt32.self) == magic else { return nil }
        let length = Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        let crc = base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        guard let kind = Kind(rawValue: base.load(fromByteOffset: 12, as: UInt8.self)),
              length <= file.count - offset - headerSize else { return nil }
        let payload = UnsafeRawBufferPointer(start: base + headerSize, count: length)
        guard CRC32.checksum(payload) == crc else { return nil }
        var reader = Reader(bytes: payload)
        guard let id = reader.string() else { return nil }
        let end = offset + headerSize + length
        if kind == .delete {
            return Parsed(kind: kind, id: id, metadata: [:], pooled: nil, vectorCount: 0, vectorOffset: end, end: end)
        }
        guard let jsonLength = reader.u32(), let json = reader.bytes(Int(jsonLength)),
              let metadata = try? JSONDecoder().decode([String: String].self, from: Data(json)),
              let pooledCount = reader.u32() else { return nil }
        var pooled: [Float]?
        if pooledCount > 0 {
            var values: [Float] = []
            for _ in 0 ..< pooledCount {
                guard let bits = reader.u32() else { return nil }
                values.append(Float(bitPattern: bits))
            }
            pooled = values
        }
        guard let count = reader.u32() else { return nil }
        var attachment: Range<Int>?
        if kind == .upsertWithAttachment {
            guard let length = reader.u32() else { return nil }
            let start = offset + headerSize + reader.position
            guard reader.bytes(Int(length)) != nil else { return nil }
            attachment = start ..< start + Int(length)
        }
        let absolute = shift + offset + headerSize + reader.position
        let vectorOffset = (absolute + vectorAlignment - 1) / vectorAlignment * vectorAlignment - shift
        guard vectorOffset + precision.encodedSize(count: Int(count), dimension: dimension) == end else { return nil }
        return Parsed(
            kind: kind, id: id, metadata: metadata, pooled: pooled, vectorCount: Int(count), attachment: attachment,
            vectorOffset: vectorOffset, end: end)
    }

    /// The end of the record at `offset` when it is whole and its checksum matches (magic, known
    /// kind, a length inside `file`, CRC-32 of the payload), whatever the collection's settings;
    /// nil otherwise. This is what makes an offset a valid record boundary for ``LogScan``.
    static func checksummedEnd(_ file: UnsafeRawBufferPointer, at offset: Int) -> Int? {
        guard offset >= 0, offset + headerSize <= file.count else { return nil }
        let base = file.baseAddress! + offset
        guard base.loadUnaligned(as: UInt32.self) == magic,
              Kind(rawValue: base.load(fromByteOffset: 12, as: UInt8.self)) != nil else { return nil }
        let length = Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard length <= file.count - offset - headerSize else { return nil }
        let crc = base.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        guard CRC32.checksum(UnsafeRawBufferPointer(start: base + headerSize, count: length)) == crc else { return nil }
        return offset + headerSize + length
    }

    private static func seal(kind: Kind, start: Int, in bytes: inout [UInt8]) {
        let length = bytes.count - start - headerSize
        let crc = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[(start + headerSize)...])) }
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: magic.littleEndian, toByteOffset: start, as: UInt32.self)
            raw.storeBytes(of: UInt32(length).littleEndian, toByteOffset: start + 4, as: UInt32.self)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + 8, as: UInt32.self)
            raw.storeBytes(of: kind.rawValue, toByteOffset: start + 12, as: UInt8.self)
        }
    }

    private static func appendU32(_ value: UInt32, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }

    private static func appendString(_ value: String, to bytes: inout [UInt8]) {
        let utf8 = Array(value.utf8)
        appendU32(UInt32(utf8.count), to: &bytes)
        bytes += utf8
    }

    /// Bounds-checked sequential reads of a payload.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0
        mutating func u32() -> UInt32? {
            guard position + 4 <= bytes.count else { return nil }
            defer { position += 4 }
            return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        }
        mutating func bytes(_ count: Int) -> UnsafeRawBufferPointer? {
            guard count >= 0, position + count <= bytes.count else { return nil }
            defer { position += count }
            return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
        }
        mutating func string() -> String? {
            guard let length = u32(), let raw = bytes(Int(length)) else { return nil }
            return String(decoding: raw, as: UTF8.self)
        }
    }
}
