import LateInteraction
import Tokenizers

/// A word of a page that gave query tokens their best match.
public struct MatchedWord: Sendable, Hashable {
    /// Index of the word in the page's text layer.
    public var index: Int
    public var word: PageWord
    /// The query vectors whose maximum this word's tokens gave, in query order.
    public var queryVectors: [Int]
    /// The sum of those maxima: the word's share of the page's MaxSim score.
    public var score: Float
}

/// Where a page matched a query: MaxSim's argmax for each query vector, mapped back through the
/// document's tokens to the words they came from.
public enum PageMatches {
    /// The matched words, best share of the score first. `ignoredQueryVectors` are query vectors
    /// that are not words of the query (its special tokens), whose maxima say nothing about
    /// where the page matched. Vectors of the document that map to no word (special tokens)
    /// give no match.
    public static func words(
        query: MultiVector, document: MultiVector, attachment: PageAttachment, ignoredQueryVectors: Set<Int> = []
    ) -> [MatchedWord] {
        // Vectors cut by first-n truncation keep their words; pooled ones have none (empty).
        guard query.dimension == document.dimension, document.count <= attachment.vectorWords.count else { return [] }
        let dimension = query.dimension
        var byWord: [Int: MatchedWord] = [:]
        query.values.withUnsafeBufferPointer { q in
            document.values.withUnsafeBufferPointer { d in
                for i in 0 ..< query.count where !ignoredQueryVectors.contains(i) {
                    var best = -Float.infinity, bestIndex = -1
                    for j in 0 ..< document.count {
                        var dot: Float = 0
                        for k in 0 ..< dimension { dot += q[i * dimension + k] * d[j * dimension + k] }
                        if dot > best { (best, bestIndex) = (dot, j) }
                    }
                    let wordIndex = bestIndex >= 0 ? attachment.vectorWords[bestIndex] : -1
                    guard wordIndex >= 0, wordIndex < attachment.page.words.count else { continue }
                    byWord[wordIndex, default: MatchedWord(index: wordIndex, word: attachment.page.words[wordIndex], queryVectors: [], score: 0)]
                        .queryVectors.append(i)
                    byWord[wordIndex]!.score += best
                }
            }
        }
        return byWord.values.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
    }

    /// The vectors of a text query of `count` tokens that are not its words: the tokenizer's
    /// special tokens at either end, whose maxima say nothing about where a page matched.
    public static func specialTokenVectors(count: Int, tokenizer: any TextTokenizer) -> Set<Int> {
        let prefix = tokenizer.sequencePrefix.count, suffix = tokenizer.sequenceSuffix.count
        guard prefix + suffix <= count else { return [] }
        return Set(0 ..< prefix).union(count - suffix ..< count)
    }
}
