import Encoders
import LateInteraction
import Tokenizers

/// Embeds pages' text layers with a ColBERT-style model (``ColBERTTextEncoder``) as documents,
/// keeping which word each kept vector came from.
///
/// The words go through the encoder's document path: packed at word boundaries into windows of
/// `document_length` ids, each laid out as the encoder lays out a document (`[CLS]`, the
/// document marker, the words' ids, `[SEP]`), every position attended to, and the vectors of
/// skip-listed tokens (punctuation) dropped after encoding, their word entries with them. A page
/// that fits one window thus gets exactly the vectors ``ColBERTTextEncoder/encodeDocuments(_:)``
/// gives its text; a longer one keeps every word where a text would be cut. Such models have no
/// pooled vector, so neither has the page.
///
/// In two steps like ``PageEmbedder``, so a server can prepare pages on one thread and encode on
/// another: ``prepare(_:with:maxTokens:)``, the caller runs ``PreparedPage/windows`` through
/// ``ColBERTTextEncoder/encodeDocuments(tokenized:)``, then ``PageEmbedder/combine(_:windowVectors:)``.
public enum ColBERTPageEmbedder {
    /// The page's windows under the encoder's document conventions; ``PreparedPage/tokenWords``
    /// has an entry for each vector a window yields (skip-listed tokens have none).
    public static func prepare(
        _ page: PageText, with encoder: ColBERTTextEncoder, maxTokens: Int = PageEmbedder.defaultMaxTokens
    ) -> PreparedPage {
        let tokenizer = encoder.tokenizer
        let prefix = tokenizer.sequencePrefix + (encoder.documentMarkerID.map { [$0] } ?? [])
        let maxLength = encoder.conventions.documentLength
        let windows = PageTokenWindows(
            words: page.words, tokenizer: tokenizer, prefix: prefix, suffix: tokenizer.sequenceSuffix,
            maxLength: maxLength, maxTokens: max(maxTokens, maxLength))
        var noted = page
        if windows.droppedWords > 0 {
            let note = "\(windows.droppedWords) of \(page.words.count) words left out: the page passed \(maxTokens) tokens"
            noted.note = noted.note.map { $0 + "; " + note } ?? note
        }
        let skip = encoder.skiplistIDs
        let kept = zip(windows.windows, windows.tokenWords).map { window, owners in
            zip(window.ids, owners).filter { !skip.contains($0.0) }.map(\.1)
        }
        return PreparedPage(page: noted, windows: windows.windows, tokenWords: kept)
    }

    /// A page as a query: its plain text through the query path (marker, `[MASK]` expansion, cut
    /// to the query length), as a typed query would be; its vectors map to no word.
    public static func query(_ page: PageText, with encoder: ColBERTTextEncoder) throws(EmbeddingError) -> PageEmbedding {
        try query(page, vectors: try encoder.encodeQueries([page.text])[0])
    }

    /// A page as a query whose text was encoded elsewhere (``ColBERTTextEncoder/queryInput(_:)``
    /// of ``PageText/text``, run by a server's batcher): `rows` are its vectors.
    public static func query(_ page: PageText, vectors rows: [[Float]]) throws(EmbeddingError) -> PageEmbedding {
        let tokens: MultiVector
        do throws(LateInteractionError) { tokens = try MultiVector(rows: rows, context: "page query") } catch {
            throw .invalidOption(error.description)
        }
        return PageEmbedding(
            tokens: tokens, pooled: nil, attachment: PageAttachment(page: page, vectorWords: [Int](repeating: -1, count: rows.count)),
            tokenCount: rows.count)
    }

    /// Embeds `pages` in process as documents, all windows of all pages in one call so the
    /// encoder batches them.
    public static func embed(
        _ pages: [PageText], with encoder: ColBERTTextEncoder, maxTokens: Int = PageEmbedder.defaultMaxTokens
    ) throws(EmbeddingError) -> [PageEmbedding] {
        let prepared = pages.map { prepare($0, with: encoder, maxTokens: maxTokens) }
        let encoded = try encoder.encodeDocuments(tokenized: prepared.flatMap { $0.windows.map(\.ids) })
        var next = 0
        var result: [PageEmbedding] = []
        for page in prepared {
            let windows = Array(encoded[next ..< next + page.windows.count])
            next += page.windows.count
            result.append(try PageEmbedder.combine(page, windowVectors: windows))
        }
        return result
    }
}
