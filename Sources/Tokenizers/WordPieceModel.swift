/// The WordPiece model: greedy longest-match-first segmentation of one word into vocabulary
/// pieces, with `##`-prefixed pieces after the first (Hugging Face `models::wordpiece`).
struct WordPieceModel: Sendable {
    /// Every vocabulary entry under its full text: a word's first piece is looked up here.
    let vocabulary: ByteStringTable
    /// Entries that start with the continuing-subword prefix, keyed without it, so a piece
    /// after the first is looked up where it lies in the word, without building "##" + piece.
    let continuations: ByteStringTable
    let unknownID: Int32
    /// Words with more scalars than this become a single unknown token.
    let maxInputCharsPerWord: Int

    init(vocabulary: ByteStringTable, continuingSubwordPrefix: String, unknownID: Int32, maxInputCharsPerWord: Int) {
        self.vocabulary = vocabulary
        let prefix = Array(continuingSubwordPrefix.utf8)
        let continuationEntries = vocabulary.entries.lazy
            .filter { $0.key.starts(with: prefix) }
            .map { (key: String(decoding: $0.key.dropFirst(prefix.count), as: UTF8.self), value: $0.value) }
        self.continuations = ByteStringTable(Array(continuationEntries))
        self.unknownID = unknownID
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Appends the pieces of the word `bytes[range]` (valid UTF-8, `scalarCount` scalars), or
    /// the unknown id when the word is too long or some part of it matches no piece.
    @inline(__always)
    func appendPieces(of bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, scalarCount: Int, to ids: inout [Int32]) {
        if scalarCount > maxInputCharsPerWord {
            ids.append(unknownID)
            return
        }
        let firstPiece = ids.count
        var start = range.lowerBound
        while start < range.upperBound {
            let table = start == range.lowerBound ? vocabulary : continuations
            // No key is longer than the table's longest, so start there (on a scalar boundary).
            var end = min(range.upperBound, start + table.maximumKeyLength)
            while end < range.upperBound, UTF8Buffer.isContinuation(bytes[end]) { end -= 1 }
            var found: Int32?
            while end > start {
                if let id = table.value(for: UnsafeBufferPointer(rebasing: bytes[start..<end])) {
                    found = id
                    break
                }
                end -= 1
                while end > start, UTF8Buffer.isContinuation(bytes[end]) { end -= 1 }
            }
            guard let id = found else {
                ids.removeSubrange(firstPiece...)
                ids.append(unknownID)
                return
            }
            ids.append(id)
            start = end
        }
    }
}
