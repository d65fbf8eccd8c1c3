/// The BPE merge rules as a hash map from a pair of token ids to the merge's rank (its line in
/// merges.txt: lower merges first) and the id of the merged token.
///
/// Open addressing on a packed 64-bit key with a multiplicative hash: the merge loop probes it
/// once per adjacent pair, so it must be cheaper than `Dictionary`'s SipHash.
struct MergeTable: Sendable {
    private var keys: [UInt64]
    /// `rank << 32 | mergedID`, valid where `keys` holds a key.
    private var values: [UInt64]
    private var occupied: [Bool]
    private let mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        occupied = Array(repeating: false, count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Adds a rule; a pair listed twice keeps its later rank, as a Rust or Python map would.
    /// The caller sizes the table for every rule it adds.
    mutating func insert(left: Int32, right: Int32, rank: Int32, merged: Int32) {
        let key = Self.key(left, right)
        var index = slot(for: key)
        while occupied[index], keys[index] != key { index = (index + 1) & mask }
        if !occupied[index] { count += 1 }
        precondition(count * 2 <= keys.count, "MergeTable sized for fewer rules")
        occupied[index] = true
        keys[index] = key
        values[index] = UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: merged))
    }

    /// The rule for merging `left` followed by `right`.
    @inline(__always)
    func rule(_ left: Int32, _ right: Int32) -> (rank: Int32, merged: Int32)? {
        let key = Self.key(left, right)
        var index = slot(for: key)
        while occupied[index] {
            if keys[index] == key {
                let value = values[index]
                return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value))
            }
            index = (index + 1) & mask
        }
        return nil
    }
}
