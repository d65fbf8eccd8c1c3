/// tokenizer.json's `ByteLevel` pre-tokenizer (GPT-2, RoBERTa, ModernBERT): the words that
/// GPT-2's pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// matches, in order. Unlike CLIP's split nothing is dropped: a space starts the word after it
/// (`" world"`, spelled `Ġworld` in the vocabulary), and whitespace that no word takes is a word
/// of its own. A hand-written scanner tries the alternatives in the pattern's order at each
/// position, as the regex engine does.
///
/// `\s+(?!\S)` takes a whitespace run except its last scalar when a non-space follows, so
/// that the last space can start the next word: `"a   b"` splits as `"a"`, `"  "`, `" b"`.
///
/// With `addPrefixSpace` a space is put before text that does not start with one (so the
/// first word tokenises like every other); with `useRegex` false the text is one word.
struct ByteLevelPreTokenizer: BPEWordSplitter {
    var addPrefixSpace = false
    var useRegex = true

    func forEachWord(
        in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        guard !range.isEmpty else { return }
        if addPrefixSpace, bytes[range.lowerBound] != 0x20 {
            var spaced: [UInt8] = [0x20]
            spaced.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[range]))
            spaced.withUnsafeBufferPointer { split($0, range: 0..<$0.count, body) }
        } else {
            split(bytes, range: range, body)
        }
    }

    private func split(
        _ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        guard useRegex else {
            _ = body(UnsafeBufferPointer(rebasing: bytes[range]))
            return
        }
        Self.forEachWord(in: bytes, range: range) { body(UnsafeBufferPointer(rebasing: bytes[$0])) }
    }

    /// The character classes of the pattern.
    private enum Kind {
        case letter, number, other, space
    }

    @inline(__always)
    private static func kind(_ value: UInt32) -> Kind {
        if UnicodeClasses.isWhiteSpace(value) { return .space }
        if UnicodeClasses.isLetter(value) { return .letter }
        if UnicodeClasses.isNumber(value) { return .number }
        return .other
    }

    /// Calls `body` with the byte range of each word of `bytes[range]`, in order, until it
    /// returns false. The ranges cover `range` with neither gap nor overlap.
    static func forEachWord(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Bool) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "'"), let contraction = ClipPreTokenizer.contractionLength(bytes, at: index, end: end) {
                guard body(index..<index + contraction) else { return }
                index += contraction
                continue
            }
            let (value, length) = UTF8Buffer.decode(bytes, at: index)
            var kind = kind(value)
            // " ?X+": a plain space (U+0020 only) joins the run of letters, numbers or other
            // symbols after it.
            var runStart = index + length
            if byte == 0x20, runStart < end {
                let nextKind = Self.kind(UTF8Buffer.decode(bytes, at: runStart).value)
                if nextKind != .space {
                    kind = nextKind
                    runStart += UTF8Buffer.decode(bytes, at: runStart).length
                }
            }
            let stop: Int
            if kind == .space {
                stop = whiteSpaceWordEnd(bytes, at: index, end: end)
            } else {
                var position = runStart
                while position < end {
                    let (next, nextLength) = UTF8Buffer.decode(bytes, at: position)
                    guard Self.kind(next) == kind else { break }
                    position += nextLength
                }
                stop = position
            }
            guard body(index..<stop) else { return }
            index = stop
        }
    }

    /// Where `\s+(?!\S)|\s+` ends for the whitespace run starting at `index`: the whole run when
    /// it reaches the end of the text or is one scalar long, otherwise all but its last scalar.
    private static func whiteSpaceWordEnd(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int {
        var position = index
        var lastStart = index
        while position < end {
            let (value, length) = UTF8Buffer.decode(bytes, at: position)
            guard UnicodeClasses.isWhiteSpace(value) else { break }
            lastStart = position
            position += length
        }
        if position == end || lastStart == index { return position }
        return lastStart
    }
}
