import Encoders
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

/// A patch of a page image that gave query tokens their best match.
public struct MatchedPatch: Sendable, Hashable {
    /// The patch's vector in the document.
    public var vector: Int
    /// The patch in page pixels.
    public var box: PixelRect
    /// The query vectors whose maximum this patch gave, in query order.
    public var queryVectors: [Int]
    /// The sum of those maxima.
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
        var byWord: [Int: MatchedWord] = [:]
        for (i, best) in maxima(query: query, document: document, attachment: attachment, ignored: ignoredQueryVectors) {
            let wordIndex = attachment.vectorWords[best.index]
            guard wordIndex >= 0, wordIndex < attachment.page.words.count else { continue }
            byWord[wordIndex, default: MatchedWord(index: wordIndex, word: attachment.page.words[wordIndex], queryVectors: [], score: 0)]
                .queryVectors.append(i)
            byWord[wordIndex]!.score += best.score
        }
        return byWord.values.sorted { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) }
    }

    /// The patches of the page image (a document that holds its patch vectors, ``PagePatchLayout``)
    /// that gave query vectors their maxima, with their boxes in page pixels, best share first.
    public static func patches(
        query: MultiVector, document: MultiVector, attachment: PageAttachment, ignoredQueryVectors: Set<Int> = []
    ) -> [MatchedPatch] {
        guard let layout = attachment.patches else { return [] }
        var byVector: [Int: MatchedPatch] = [:]
        for (i, best) in maxima(query: query, document: document, attachment: attachment, ignored: ignoredQueryVectors) {
            guard let box = layout.box(ofVector: best.index) else { continue }
            byVector[best.index, default: MatchedPatch(vector: best.index, box: box, queryVectors: [], score: 0)].queryVectors.append(i)
            byVector[best.index]!.score += best.score
        }
        return byVector.values.sorted { $0.score > $1.score || ($0.score == $1.score && $0.vector < $1.vector) }
    }

    /// For each query vector not ignored: the document vector of its maximum and that maximum.
    /// None when the document's vectors have no word entries (pooled ones).
    static func maxima(
        query: MultiVector, document: MultiVector, attachment: PageAttachment, ignored: Set<Int>
    ) -> [(Int, (index: Int, score: Float))] {
        // Vectors cut by first-n truncation keep their words; pooled ones have none (empty).
        guard query.dimension == document.dimension, document.count <= attachment.vectorWords.count else { return [] }
        let dimension = query.dimension
        var result: [(Int, (index: Int, score: Float))] = []
        query.values.withUnsafeBufferPointer { q in
            document.values.withUnsafeBufferPointer { d in
                for i in 0 ..< query.count where !ignored.contains(i) {
                    var best = -Float.infinity, bestIndex = -1
                    for j in 0 ..< document.count {
                        var dot: Float = 0
                        for k in 0 ..< dimension { dot += q[i * dimension + k] * d[j * dimension + k] }
                        if dot > best { (best, bestIndex) = (dot, j) }
                    }
                    if bestIndex >= 0 { result.append((i, (bestIndex, best))) }
                }
            }
        }
        return result
    }

    /// The vectors of a ColBERT-style model's query that are not its words: `[CLS]`, the query
    /// marker, `[SEP]` and the `[MASK]` expansion tokens (whose maxima score the page but point at
    /// no word the user typed).
    public static func specialTokenVectors(ofQuery text: String, encoder: ColBERTTextEncoder) -> Set<Int> {
        guard let input = try? encoder.queryInput(text) else { return [] }
        let tokenizer = encoder.tokenizer
        let special = Set(tokenizer.sequencePrefix + tokenizer.sequenceSuffix + [encoder.maskTokenID] + (encoder.queryMarkerID.map { [$0] } ?? []))
        return Set(input.ids.indices.filter { special.contains(input.ids[$0]) })
    }

    /// The vectors of a text query of `count` tokens that are not its words: the tokenizer's
    /// special tokens at either end, whose maxima say nothing about where a page matched.
    public static func specialTokenVectors(count: Int, tokenizer: any TextTokenizer) -> Set<Int> {
        let prefix = tokenizer.sequencePrefix.count, suffix = tokenizer.sequenceSuffix.count
        guard prefix + suffix <= count else { return [] }
        return Set(0 ..< prefix).union(count - suffix ..< count)
    }
}
