/// BPE on one pre-tokenized word, as Hugging Face tokenizers' `models::bpe` does it, with no
/// continuing-subword prefix.
///
/// The word starts as one symbol per byte (byte-level vocabularies: GPT-2, CLIP, ModernBERT; the
/// last byte's symbol carries the end-of-word suffix, CLIP's `</w>`) or per character
/// (SentencePiece-style vocabularies: Gemma, SigLIP2; a character outside the vocabulary becomes
/// its UTF-8 bytes as `<0xAB>` tokens with byte fallback, otherwise the unknown token). Then the
/// adjacent pair with the lowest merge rank is merged, the leftmost first among equals, until no
/// pair has a rule. A binary heap of (rank, position) keeps that O(n log n), so a megabyte-long
/// "word" is no worse than many short ones.
struct BPEModel: Sendable {
    /// What the initial symbols of a word are.
    enum Alphabet: Sendable {
        /// One symbol per byte: the id for each byte value inside a word and at its end, -1
        /// when the vocabulary has no such token.
        case bytes(inner: [Int32], final: [Int32])
        /// One symbol per Unicode character, looked up by its UTF-8. `byteFallback` holds the
        /// ids of `<0x00>` … `<0xFF>` (-1 where missing) when the model falls back to bytes;
        /// `fuseUnknown` makes a run of unknown characters one unknown token.
        case characters(byteFallback: [Int32]?, fuseUnknown: Bool)
    }

    /// Token text (byte-level or plain spelling, suffix included) to id.
    let vocabulary: ByteStringTable
    let merges: MergeTable
    let alphabet: Alphabet
    /// Replaces a byte whose symbol is missing (never for a complete byte-level vocabulary) or an
    /// unknown character; without one the byte or character is dropped, as the reference does.
    let unknownID: Int32?

    /// A byte-level model.
    init(vocabulary: ByteStringTable, merges: MergeTable, endOfWordSuffix: String, unknownID: Int32?) {
        self.vocabulary = vocabulary
        self.merges = merges
        self.unknownID = unknownID
        alphabet = .bytes(
            inner: ByteLevelEncoding.characters.map { vocabulary.value(for: String($0)) ?? -1 },
            final: ByteLevelEncoding.characters.map { vocabulary.value(for: String($0) + endOfWordSuffix) ?? -1 })
    }

    /// A character-level model.
    init(vocabulary: ByteStringTable, merges: MergeTable, byteFallback: Bool, fuseUnknown: Bool, unknownID: Int32?) {
        self.vocabulary = vocabulary
        self.merges = merges
        self.unknownID = unknownID
        let fallback = byteFallback
            ? (0..<256).map { byte in vocabulary.value(for: "<0x" + Self.hexDigits(UInt8(byte)) + ">") ?? -1 } : nil
        alphabet = .characters(byteFallback: fallback, fuseUnknown: fuseUnknown)
    }

    /// Two upper-case hex digits, as Rust's `{:#04X}` writes them after its "0x".
    private static func hexDigits(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
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
        switch alphabet {
        case .bytes(let inner, let final):
            for (index, byte) in word.enumerated() {
                let symbol = index == word.count - 1 ? final[Int(byte)] : inner[Int(byte)]
                if symbol >= 0 {
                    scratch.symbols.append(symbol)
                } else if let unknownID {
                    scratch.symbols.append(unknownID)
                }
            }
        case .characters(let byteFallback, let fuseUnknown):
            appendCharacterSymbols(word, byteFallback: byteFallback, fuseUnknown: fuseUnknown, to: &scratch.symbols)
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

    /// The initial symbols of a character-level word, following tokenizers' `merge_word`,
    /// including its order: a pending unknown token is emitted at the next known character or at
    /// the end of the word, after any fallback bytes in between.
    private func appendCharacterSymbols(
        _ word: UnsafeBufferPointer<UInt8>, byteFallback: [Int32]?, fuseUnknown: Bool, to symbols: inout [Int32]
    ) {
        var pendingUnknown = false
        var index = 0
        while index < word.count {
            let length = UTF8Buffer.decode(word, at: index).length
            let character = UnsafeBufferPointer(rebasing: word[index..<index + length])
            defer { index += length }
            if let id = vocabulary.value(for: character) {
                if pendingUnknown, let unknownID { symbols.append(unknownID) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if let byteFallback, character.allSatisfy({ byteFallback[Int($0)] >= 0 }) {
                for byte in character { symbols.append(byteFallback[Int(byte)]) }
                continue
            }
            guard let unknownID else { continue }
            if pendingUnknown, !fuseUnknown { symbols.append(unknownID) }
            pendingUnknown = true
        }
        if pendingUnknown, let unknownID { symbols.append(unknownID) }
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
