/// tokenizer.json's `Split` pre-tokenizer with a literal `String` pattern (SigLIP2's and Gemma's
/// split on " "): the text is cut at each occurrence of the pattern, and the occurrence is
/// dropped, kept as a word of its own, or joined to the word before or after it.
struct SplitPreTokenizer: Sendable {
    enum Behavior: String, Sendable {
        case removed = "Removed"
        case isolated = "Isolated"
        case mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext"
    }

    let pattern: [UInt8]
    let behavior: Behavior

    /// Calls `body` with the byte range of each word of `bytes[range]`, in order, until it
    /// returns false. Empty words are left out, as tokenizers does.
    func forEachWord(in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (Range<Int>) -> Bool) {
        var wordStart = range.lowerBound
        var index = range.lowerBound
        func emit(_ word: Range<Int>) -> Bool { word.isEmpty || body(word) }
        while index + pattern.count <= range.upperBound {
            guard matches(bytes, at: index) else {
                index += 1
                continue
            }
            let match = index..<index + pattern.count
            switch behavior {
            case .removed:
                guard emit(wordStart..<match.lowerBound) else { return }
                wordStart = match.upperBound
            case .isolated:
                guard emit(wordStart..<match.lowerBound), emit(match) else { return }
                wordStart = match.upperBound
            case .mergedWithPrevious:
                guard emit(wordStart..<match.upperBound) else { return }
                wordStart = match.upperBound
            case .mergedWithNext:
                guard emit(wordStart..<match.lowerBound) else { return }
                wordStart = match.lowerBound
            }
            index = match.upperBound
        }
        _ = emit(wordStart..<range.upperBound)
    }

    private func matches(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        for offset in 0..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }
}
