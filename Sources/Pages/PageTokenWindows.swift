import Tokenizers

/// A page's words as the token sequences a text model takes, and the word each token came from.
///
/// Words are tokenised as the text that joins them with spaces
/// (``TextTokenizer/tokenIDs(ofWords:)``, which tells each token's word: with byte-level BPE a
/// word's ids depend on the space before it) and packed in reading order into windows of at most
/// `maxLength` tokens, special and prompt tokens included, a word never split across two
/// windows. A page longer than one window thus keeps every word, where a text would be truncated;
/// `maxTokens` bounds the whole page (a page of noise can read as thousands of words).
struct PageTokenWindows {
    var windows: [TokenizedText] = []
    /// For each window, for each of its tokens, the index of its word or -1 (special, prompt).
    var tokenWords: [[Int]] = []
    /// Words left out because the page reached `maxTokens`.
    var droppedWords = 0

    init(words: [PageWord], tokenizer: any TextTokenizer, prefix: [Int32], suffix: [Int32], maxLength: Int, maxTokens: Int) {
        let budget = maxLength - prefix.count - suffix.count
        precondition(budget > 0, "a window must have room for text")
        var ids: [Int32] = []
        var owners: [Int] = []
        var total = 0
        func close() {
            windows.append(TokenizedText(ids: prefix + ids + suffix, wasTruncated: false))
            tokenWords.append(Array(repeating: -1, count: prefix.count) + owners + Array(repeating: -1, count: suffix.count))
            total += prefix.count + ids.count + suffix.count
            ids.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
        }
        let tokens = tokenizer.tokenIDs(ofWords: words.map(\.text))
        var position = 0
        while position < tokens.ids.count {
            let index = tokens.wordIndexes[position]
            var stop = position + 1
            while stop < tokens.ids.count, tokens.wordIndexes[stop] == index { stop += 1 }
            // A "word" longer than a window (OCR of a rule, or noise) keeps what fits.
            let pieces = tokens.ids[position..<stop].prefix(budget)
            position = stop
            if ids.count + pieces.count > budget { close() }
            if total + prefix.count + ids.count + pieces.count + suffix.count > maxTokens {
                droppedWords = words.count - index
                break
            }
            ids += pieces
            owners += Array(repeating: index, count: pieces.count)
        }
        // The last window, or the only one of a page without words (its special tokens alone).
        if !ids.isEmpty || windows.isEmpty { close() }
    }
}
