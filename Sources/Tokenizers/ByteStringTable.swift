/// An immutable hash map from byte strings (the UTF-8 text of tokens) to token ids.
///
/// Why not `[String: Int32]`: the hot loops of both tokenizers look up substrings of a byte
/// buffer, and building a `String` for every probe costs more than the whole lookup here; Swift
/// `String` equality is also canonical equivalence, whereas the reference implementations
/// compare bytes. Keys live back to back in one array; the open-addressing slot array (linear
/// probing, at most half full) holds entry indices.
struct ByteStringTable: Sendable {
    private var keyBytes: [UInt8] = []
    private var keyStarts: [Int32] = []
    private var keyLengths: [Int32] = []
    private var values: [Int32] = []
    private var slots: [Int32]
    private var slotMask: Int
    /// Length in bytes of the longest key: no lookup of a longer string can succeed.
    private(set) var maximumKeyLength = 0

    /// Number of distinct keys.
    var count: Int { values.count }

    /// Builds the table; when a key occurs twice the later value wins (as in Python dicts and
    /// serde maps, which is how the reference tokenizers read the same files).
    init<Keys: Sequence>(_ entries: Keys) where Keys.Element == (key: String, value: Int32) {
        let expected = entries.underestimatedCount
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = Array(repeating: -1, count: capacity)
        slotMask = capacity - 1
        for entry in entries { insert(Array(entry.key.utf8), value: entry.value) }
    }

    private mutating func insert(_ key: [UInt8], value: Int32) {
        if (values.count + 1) * 2 > slots.count { grow() }
        let found = key.withUnsafeBufferPointer { probe($0) }
        switch found {
        case .found(let entry):
            values[entry] = value
        case .vacant(let slot):
            slots[slot] = Int32(values.count)
            keyStarts.append(Int32(keyBytes.count))
            keyLengths.append(Int32(key.count))
            keyBytes.append(contentsOf: key)
            values.append(value)
            maximumKeyLength = max(maximumKeyLength, key.count)
        }
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = Array(repeating: -1, count: capacity)
        slotMask = capacity - 1
        for entry in values.indices {
            let start = Int(keyStarts[entry])
            let hash = keyBytes.withUnsafeBufferPointer {
                Self.hash(UnsafeBufferPointer(rebasing: $0[start..<start + Int(keyLengths[entry])]))
            }
            var slot = hash & slotMask
            while slots[slot] >= 0 { slot = (slot + 1) & slotMask }
            slots[slot] = Int32(entry)
        }
    }

    private enum Probe {
        case found(Int)
        case vacant(Int)
    }

    private func probe(_ key: UnsafeBufferPointer<UInt8>) -> Probe {
        var slot = Self.hash(key) & slotMask
        return keyBytes.withUnsafeBufferPointer { stored in
            while true {
                let entry = Int(slots[slot])
                if entry < 0 { return .vacant(slot) }
                let length = Int(keyLengths[entry])
                if length == key.count {
                    let start = Int(keyStarts[entry])
                    if length == 0 || memoryEqual(stored.baseAddress! + start, key.baseAddress!, length) {
                        return .found(entry)
                    }
                }
                slot = (slot + 1) & slotMask
            }
        }
    }

    /// The id stored for exactly these bytes.
    @inline(__always)
    func value(for key: UnsafeBufferPointer<UInt8>) -> Int32? {
        if key.count > maximumKeyLength { return nil }
        if case .found(let entry) = probe(key) { return values[entry] }
        return nil
    }

    /// The id stored for the UTF-8 bytes of `key` (not for canonically equivalent spellings).
    func value(for key: String) -> Int32? {
        var key = key
        return key.withUTF8 { value(for: $0) }
    }

    /// The largest id stored, nil when empty.
    var largestValue: Int32? { values.max() }

    /// Every (key, id) pair, in insertion order of first occurrence.
    var entries: [(key: [UInt8], value: Int32)] {
        values.indices.map { entry in
            let start = Int(keyStarts[entry])
            return (Array(keyBytes[start..<start + Int(keyLengths[entry])]), values[entry])
        }
    }

    /// FNV-1a over the bytes, then a multiply-xorshift finaliser so the low bits (the slot index)
    /// depend on every byte.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        hash ^= hash >> 29
        hash = hash &* 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 32
        return Int(truncatingIfNeeded: hash)
    }
}

/// Byte-wise equality of two memory ranges of `count` bytes.
@inline(__always)
func memoryEqual(_ lhs: UnsafePointer<UInt8>, _ rhs: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var index = 0
    while index < count {
        if lhs[index] != rhs[index] { return false }
        index += 1
    }
    return true
}
