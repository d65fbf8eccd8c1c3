/// Byte-level BPE on one pre-tokenized word, as Hugging Face tokenizers' `models::bpe` does it
/// with an end-of-word suffix (CLIP's `</w>`) and no continuing-subword prefix.
///
/// The word starts as one symbol per byte (the last byte's symbol carries the suffix), then
/// the adjacent pair with the lowest merge rank is merged, the leftmost first among equals,
/// until no pair has a rule. A binary heap of (rank, position) keeps that O(n log n), so a
/// megabyte-long "word" is no worse than many short ones.
struct BPEModel: Sendable {
    /// Token text (byte-level spelling, suffix included) to id.
    let vocabulary: ByteStringTable
    let merges: MergeTable
    /// The initial symbol for each byte value inside a word and at its end; -1 when the
    /// vocabulary has no such token.
    private let innerSymbols: [Int32]
    private let finalSymbols: [Int32]
    /// Replaces a byte whose symbol is missing (never for a complete byte-level vocabulary);
    /// without one the byte is dropped, as the reference does.
    let unknownID: Int32?

    init(vocabulary: ByteStringTable, merges: MergeTable, endOfWordSuffix: String, unknownID: Int32?) {
        self.vocabulary = vocabulary
        self.merges = merges
        self.unknownID = unknownID
        innerSymbols = ByteLevelEncoding.characters.map { vocabulary.value(for: String($0)) ?? -1 }
        finalSymbols = ByteLevelEncoding.characters.map { vocabulary.value(for: String($0) + endOfWordSuffix) ?? -1 }
    }

    /// Reusable buffers for `appendTokens`, so that encoding a text allocates them once.
    struct Scratch {
        var symbols: [Int32] = []
        var previous: [Int32] = []
        var next: [Int32] = []
        /// Min-heap of `rank << 32 | position`: ordered by rank, then by position.
        var heap: [UInt64] = []
    }

    /// Appends the BPE tokens of the word whose raw UTF-8 bytes are `word`.
    func appendTokens(ofWord word: UnsafeBufferPointer<UInt8>, to ids: inout [Int32], scratch: inout Scratch) {
        scratch.symbols.removeAll(keepingCapacity: true)
        for (index, byte) in word.enumerated() {
            let symbol = index == word.count - 1 ? finalSymbols[Int(byte)] : innerSymbols[Int(byte)]
            if symbol >= 0 {
                scratch.symbols.append(symbol)
            } else if let unknownID {
                scratch.symbols.append(unknownID)
            }
        }
        let count = scratch.symbols.count
        if count <= 1 {
            ids.append(contentsOf: scratch.symbols)
            return
        }
        scratch.previous.removeAll(keepingCapacity: true)
        scratch.next.removeAll(keepingCapacity: true)
        scratch.heap.removeAll(keepingCapacity: true)
        for position in 0..<count {
            scratch.previous.append(Int32(position - 1))
            scratch.next.append(position + 1 < count ? Int32(position + 1) : -1)
        }
        for position in 0..<(count - 1) {
            if let rule = merges.rule(scratch.symbols[position], scratch.symbols[position + 1]) {
                Self.push(rank: rule.rank, position: position, into: &scratch.heap)
            }
        }
        mergeAll(&scratch)
        var position = 0
        while position >= 0 {
            ids.append(scratch.symbols[position])
            position = Int(scratch.next[position])
        }
    }

    /// Pops merges until none is left. A popped entry is stale when its left symbol was merged
    /// away (marked -1) or its pair changed since it was pushed; the rank identifies the pair,
    /// since every rule has its own rank.
    private func mergeAll(_ scratch: inout Scratch) {
        while let top = Self.pop(&scratch.heap) {
            let position = Int(top & 0xFFFF_FFFF)
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let left = scratch.symbols[position]
            let right = Int(scratch.next[position])
            guard left >= 0, right >= 0, let rule = merges.rule(left, scratch.symbols[right]), rule.rank == rank
            else { continue }
            scratch.symbols[position] = rule.merged
            scratch.symbols[right] = -1
            let after = Int(scratch.next[right])
            scratch.next[position] = Int32(after)
            if after >= 0 { scratch.previous[after] = Int32(position) }
            let before = Int(scratch.previous[position])
            if before >= 0, let newRule = merges.rule(scratch.symbols[before], rule.merged) {
                Self.push(rank: newRule.rank, position: before, into: &scratch.heap)
            }
            if after >= 0, let newRule = merges.rule(rule.merged, scratch.symbols[after]) {
                Self.push(rank: newRule.rank, position: position, into: &scratch.heap)
            }
        }
    }

    @inline(__always)
    private static func push(rank: Int32, position: Int, into heap: inout [UInt64]) {
        heap.append(UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(position))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child] < heap[parent] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    @inline(__always)
    private static func pop(_ heap: inout [UInt64]) -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { break }
            let right = left + 1
            let smaller = right < heap.count && heap[right] < heap[left] ? right : left
            guard heap[smaller] < heap[parent] else { break }
            heap.swapAt(smaller, parent)
            parent = smaller
        }
        return top
    }
}
