/// A token declared outside the model vocabulary proper: tokenizer.json's `added_tokens`
/// (`[CLS]`, `[MASK]`, `<|endoftext|>`, a ColBERT `[Q]` marker), or the special tokens named by
/// tokenizer_config.json when only vocab.txt exists.
///
/// Such tokens are cut out of the text before the model sees it, so "a [MASK] b" encodes the
/// mask id rather than the pieces of "[", "mask", "]".
struct AddedToken: Sendable, Equatable {
    var content: String
    var id: Int32
    /// Only match when not preceded or followed by a word character.
    var singleWord = false
    /// Swallow the whitespace on the token's left / right.
    var lstrip = false
    var rstrip = false
    /// Match against the normalized text (true) or the raw text (false).
    var normalized = false
    var special = true
}

/// Finds added tokens in a byte buffer with the semantics of Hugging Face tokenizers'
/// `AddedVocabulary::find_matches`: leftmost-longest matches, then `single_word`, `lstrip`
/// and `rstrip` applied to each match.
struct AddedTokenMatcher: Sendable {
    /// One part of a split text.
    enum Piece: Equatable {
        /// Ordinary text, a byte range of the buffer that was split.
        case text(Range<Int>)
        /// An added token, already resolved to its id.
        case token(Int32)
    }

    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: AddedToken
    }

    /// Patterns sorted longest first, so the first hit at a position is the longest one.
    private let patterns: [Pattern]
    /// Whether any pattern starts with a given byte: the scan only stops at such bytes.
    private let startsPattern: [Bool]

    var isEmpty: Bool { patterns.isEmpty }

    /// - Parameter patterns: each token with the text to look for (its content, or its content
    ///   normalized when it matches normalized text). Empty patterns are ignored.
    init(_ patterns: [(text: String, token: AddedToken)]) {
        var sorted = patterns.filter { !$0.text.isEmpty }.map { Pattern(bytes: Array($0.text.utf8), token: $0.token) }
        sorted.sort { $0.bytes.count > $1.bytes.count }
        var starts = Array(repeating: false, count: 256)
        for pattern in sorted { starts[Int(pattern.bytes[0])] = true }
        self.patterns = sorted
        self.startsPattern = starts
    }

    /// The pieces of a whole text: one text piece when there are no added tokens to look for.
    func pieces(of bytes: UnsafeBufferPointer<UInt8>) -> [Piece] {
        guard !isEmpty else { return [.text(0..<bytes.count)] }
        var pieces: [Piece] = []
        split(bytes, range: 0..<bytes.count, into: &pieces)
        return pieces
    }

    /// Appends to `pieces` the parts of `range` in `bytes`: text between matches and the
    /// matched tokens. Empty text parts are left out.
    func split(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into pieces: inout [Piece]) {
        var textStart = range.lowerBound
        var index = range.lowerBound
        while index < range.upperBound {
            guard startsPattern[Int(bytes[index])], let pattern = longestMatch(bytes, at: index, end: range.upperBound)
            else {
                index += 1
                continue
            }
            var start = index
            var stop = index + pattern.bytes.count
            index = stop
            let token = pattern.token
            if token.singleWord {
                let wordBefore = start > range.lowerBound && Self.endsWithWordCharacter(bytes, range.lowerBound..<start)
                let wordAfter = stop < range.upperBound && Self.startsWithWordCharacter(bytes, stop..<range.upperBound)
                if wordBefore || wordAfter { continue }
            }
            if token.lstrip {
                start = max(Self.startOfTrailingWhiteSpace(bytes, textStart..<start), textStart)
            }
            if token.rstrip {
                stop = Self.endOfLeadingWhiteSpace(bytes, stop..<range.upperBound)
                index = stop
            }
            if textStart < start { pieces.append(.text(textStart..<start)) }
            pieces.append(.token(token.id))
            textStart = stop
        }
        if textStart < range.upperBound { pieces.append(.text(textStart..<range.upperBound)) }
    }

    private func longestMatch(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int, end: Int) -> Pattern? {
        for pattern in patterns where pattern.bytes.count <= end - index && pattern.bytes[0] == bytes[index] {
            let matches = pattern.bytes.withUnsafeBufferPointer {
                memoryEqual($0.baseAddress!, bytes.baseAddress! + index, $0.count)
            }
            if matches { return pattern }
        }
        return nil
    }

    /// Regex `\w` (Unicode): alphabetic, marks, decimal digits, connector punctuation, joiners.
    private static func isWordCharacter(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return UnicodeClasses.isLetter(value) || UnicodeClasses.isNumber(value) || value == 0x5F
        }
        if value == 0x200C || value == 0x200D { return true }
        guard let scalar = Unicode.Scalar(value) else { return false }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return scalar.properties.isAlphabetic
        }
    }

    private static func endsWithWordCharacter(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        var start = range.upperBound - 1
        while start > range.lowerBound, UTF8Buffer.isContinuation(bytes[start]) { start -= 1 }
        return isWordCharacter(UTF8Buffer.decode(bytes, at: start).value)
    }

    private static func startsWithWordCharacter(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        isWordCharacter(UTF8Buffer.decode(bytes, at: range.lowerBound).value)
    }

    private static func startOfTrailingWhiteSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var start = range.upperBound
        while start > range.lowerBound {
            var previous = start - 1
            while previous > range.lowerBound, UTF8Buffer.isContinuation(bytes[previous]) { previous -= 1 }
            guard UnicodeClasses.isWhiteSpace(UTF8Buffer.decode(bytes, at: previous).value) else { break }
            start = previous
        }
        return start
    }

    private static func endOfLeadingWhiteSpace(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var end = range.lowerBound
        while end < range.upperBound {
            let (value, length) = UTF8Buffer.decode(bytes, at: end)
            guard UnicodeClasses.isWhiteSpace(value) else { break }
            end += length
        }
        return end
    }
}
