/// CLIP's pre-tokenisation: the words that the pattern
///
///     <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
///
/// matches, in order, with everything between matches (whitespace) dropped. A hand-written
/// scanner replaces the regex engine: at each position it tries the alternatives in the
/// pattern's order, exactly as a backtracking engine does, at a fraction of the cost.
///
/// The byte-level pre-tokenizer that tokenizer.json chains after this split re-splits each
/// word with GPT-2's pattern. That changes nothing for any word above except a special-token
/// literal (which only gets here when it was not cut out as an added token, e.g. after
/// lower-casing "<|ENDOFTEXT|>"): GPT-2's pattern cuts it into "<|", the name and "|>".
struct ClipPreTokenizer: BPEWordSplitter {
    /// The words as byte buffers, for `BPEPipeline`.
    func forEachWord(
        in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        Self.forEachWord(in: bytes, range: range) { body(UnsafeBufferPointer(rebasing: bytes[$0])) }
    }

    private static let literals: [[UInt8]] = [Array("<|startoftext|>".utf8), Array("<|endoftext|>".utf8)]

    /// Calls `body` with the byte range of each word of `bytes[range]`, in order, until it
    /// returns false.
    static func forEachWord(
        in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Bool
    ) {
        var index = range.lowerBound
        let end = range.upperBound
        while index < end {
            let byte = bytes[index]
            let (value, length) = byte < 0x80 ? (UInt32(byte), 1) : UTF8Buffer.decode(bytes, at: index)
            if UnicodeClasses.isWhiteSpace(value) {
                index += length
                continue
            }
            if byte == UInt8(ascii: "<"), let literal = literalLength(bytes, at: index, end: end) {
                // "<|", name, "|>", as the byte-level pre-tokenizer re-splits it.
                guard body(index..<index + 2), body(index + 2..<index + literal - 2),
                    body(index + literal - 2..<index + literal)
                else { return }
                index += literal
                continue
            }
            if byte == UInt8(ascii: "'"), let contraction = contractionLength(bytes, at: index, end: end) {
                guard body(index..<index + contraction) else { return }
                index += contraction
                continue
            }
            var stop = index + length
            if UnicodeClasses.isLetter(value) {
                while stop < end {
                    let (next, nextLength) = UTF8Buffer.decode(bytes, at: stop)
                    guard UnicodeClasses.isLetter(next) else { break }
                    stop += nextLength
                }
            } else if !UnicodeClasses.isNumber(value) {
                // A run of anything but whitespace, letters and numbers.
                while stop < end {
                    let (next, nextLength) = UTF8Buffer.decode(bytes, at: stop)
                    if UnicodeClasses.isWhiteSpace(next) || UnicodeClasses.isLetter(next) || UnicodeClasses.isNumber(next) {
                        break
                    }
                    stop += nextLength
                }
            }
            guard body(index..<stop) else { return }
            index = stop
        }
    }

    private static func literalLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int? {
        for literal in literals where literal.count <= end - index {
            let matches = literal.withUnsafeBufferPointer {
                memoryEqual($0.baseAddress!, bytes.baseAddress! + index, literal.count)
            }
            if matches { return literal.count }
        }
        return nil
    }

    /// `'s|'t|'re|'ve|'m|'ll|'d` at `index` (an apostrophe), tried in the pattern's order. GPT-2's
    /// pattern starts with the same alternatives.
    static func contractionLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Int? {
        guard index + 1 < end else { return nil }
        switch bytes[index + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return index + 2 < end && bytes[index + 2] == UInt8(ascii: "e") ? 3 : nil
        case UInt8(ascii: "l"):
            return index + 2 < end && bytes[index + 2] == UInt8(ascii: "l") ? 3 : nil
        default:
            return nil
        }
    }
}
