/// A collection log read record by record, and the rule that tells a torn tail (safe to drop)
/// from damage in the middle (never to be cut off).
///
/// The rule, applied at the first offset where no intact record starts:
/// - A **valid record boundary** is an offset holding the magic, a known kind, a length that fits
///   in the file and a payload whose CRC-32 matches (``LogRecord/checksummedEnd(_:at:)``).
/// - If a valid record boundary exists anywhere after the offset, the bytes up to it are
///   **damage in the middle**: they were once followed by acknowledged writes, so they are not
///   what a crash mid-append leaves. Scanning resumes at that boundary.
/// - If none exists, the bytes from the offset to the end are a **torn tail**: an incomplete last
///   record, or a last record that fails its checksum, which is what a crash during the last
///   (unacknowledged) append leaves. Only a torn tail may be truncated.
/// - A record whose checksum is valid but whose layout does not fit the collection's settings
///   (another dimension or precision: a damaged or mismatched `collection.json`) is damage, never
///   a torn tail, so settings that do not match their log can never truncate it.
struct LogScan {
    /// Every intact record, in file order, with the offset it starts at.
    var records: [(offset: Int, record: LogRecord.Parsed)] = []
    /// Damage in the middle, in file order.
    var damaged: [DamagedRange] = []
    /// Where the torn tail starts; the file size when there is none.
    var intactEnd = 0
    /// Bytes of the file scanned.
    var size: Int
    /// Records whose checksum is valid but whose layout does not fit the settings they were read
    /// with: a sign that the settings are wrong, not the records (repair refuses to drop them).
    var misfits = 0

    var tornTailBytes: Int { size - intactEnd }

    init(_ file: UnsafeRawBufferPointer, dimension: Int, precision: StoragePrecision) {
        size = file.count
        var offset = 0
        while offset < file.count {
            if let record = LogRecord.parse(file, at: offset, dimension: dimension, precision: precision) {
                records.append((offset, record))
                offset = record.end
                continue
            }
            // A whole, checksum-valid record the settings cannot read: damage, skipped as one record.
            let misfit = LogRecord.checksummedEnd(file, at: offset)
            if misfit != nil { misfits += 1 }
            let next = misfit ?? Self.nextBoundary(in: file, after: offset)
            guard let next else { break }
            damaged.append(DamagedRange(offset: offset, length: next - offset, recordsLost: 1 + Self.headers(in: file, offset + 1 ..< next)))
            offset = next
        }
        intactEnd = offset
    }

    /// The first valid record boundary after `offset`, or nil.
    static func nextBoundary(in file: UnsafeRawBufferPointer, after offset: Int) -> Int? {
        var candidate = offset + 1
        while candidate + LogRecord.headerSize <= file.count {
            if file.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) == LogRecord.magic,
               LogRecord.checksummedEnd(file, at: candidate) != nil {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// Offsets in `range` where the magic starts: record headers, give or take.
    static func headers(in file: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int {
        var count = 0
        for candidate in range where candidate + 4 <= file.count {
            if file.loadUnaligned(fromByteOffset: candidate, as: UInt32.self) == LogRecord.magic { count += 1 }
        }
        return count
    }
}
