import EmbeddingKernels
import Foundation
import Tokenizers

/// Query and document multi-vectors of a ColBERT-style model (PyLate, Stanford ColBERT): the
/// marker token after `[CLS]`, `[MASK]` query expansion, the skip list, the linear head and L2
/// normalisation, each as PyLate's `ColBERT.encode` does it.
///
/// Queries: the text is tokenised to `query_length - 1` ids (`[CLS] … [SEP]`), padded with
/// `[MASK]` to that length, then the query marker is inserted after `[CLS]`. Expansion tokens are
/// not attended to unless `attend_to_expansion_tokens`, but every position, expansion included,
/// yields a vector. Documents: tokenised to `document_length - 1`, marker inserted, no padding;
/// vectors of skip-listed tokens (punctuation) are dropped after encoding.
public struct ColBERTTextEncoder: Sendable {
    public let conventions: ColBERTConventions
    public let tokenizer: any TextTokenizer
    /// The encoder under the head (BERT, or any other ``TokenEncoderBackbone``).
    let backbone: any TokenEncoderBackbone
    let head: ColBERTHead
    /// Marker ids, nil when the marker is empty.
    public let queryMarkerID: Int32?
    public let documentMarkerID: Int32?
    /// The id queries are padded with (`[MASK]`).
    public let maskTokenID: Int32
    /// Ids whose vectors are dropped from documents.
    public let skiplistIDs: Set<Int32>

    /// Width of every output vector (the head's).
    public var dimension: Int { head.dimension }

    /// Checks that the markers are tokens of `tokenizer` and that queries and documents fit the
    /// backbone; `path` (the model folder) is named in errors.
    init(
        conventions: ColBERTConventions, tokenizer: any TextTokenizer, maskTokenID: Int32, backbone: any TokenEncoderBackbone,
        head: ColBERTHead, path: String
    ) throws(ModelLoadError) {
        func marker(_ text: String, _ key: String) throws(ModelLoadError) -> Int32? {
            guard !text.isEmpty else { return nil }
            guard let id = tokenizer.tokenID(text) else {
                throw .invalidConfig(path: path, reason: "\(key) '\(text)' is not a token of the tokenizer (PyLate adds it as an added token)")
            }
            return id
        }
        guard head.linear.inFeatures == backbone.hiddenSize else {
            throw .invalidConfig(path: path, reason: "the ColBERT head takes \(head.linear.inFeatures) values but the model's hidden size is \(backbone.hiddenSize)")
        }
        let limit = max(conventions.queryLength, conventions.documentLength)
        guard limit <= backbone.maxPositions else {
            throw .invalidConfig(path: path, reason: "query/document length \(limit) exceeds max_position_embeddings \(backbone.maxPositions)")
        }
        self.conventions = conventions
        self.tokenizer = tokenizer
        self.backbone = backbone
        self.head = head
        queryMarkerID = try marker(conventions.queryPrefix, "query_prefix")
        documentMarkerID = try marker(conventions.documentPrefix, "document_prefix")
        self.maskTokenID = maskTokenID
        // PyLate maps each word with convert_tokens_to_ids; words outside the vocabulary would map
        // to [UNK] there (and skip every unknown token); here they are ignored instead.
        skiplistIDs = Set(conventions.skiplistWords.compactMap { tokenizer.tokenID($0) })
    }

    /// The model input of one query or document: ids, and which positions may be attended to.
    public struct Input: Sendable, Equatable {
        public var ids: [Int32]
        public var attendable: [Bool]
        public var truncated: Bool

        public init(ids: [Int32], attendable: [Bool], truncated: Bool) {
            self.ids = ids
            self.attendable = attendable
            self.truncated = truncated
        }
    }

    /// Query input: marker after `[CLS]`, `[MASK]` padding to `query_length`.
    public func queryInput(_ text: String) throws(EmbeddingError) -> Input {
        let marker = queryMarkerID
        let length = conventions.queryLength - (marker == nil ? 0 : 1)
        var encoded = try encode(text, maxLength: length)
        var attendable = [Bool](repeating: true, count: encoded.ids.count)
        if conventions.doQueryExpansion, encoded.ids.count < length {
            let padding = length - encoded.ids.count
            encoded.ids += [Int32](repeating: maskTokenID, count: padding)
            attendable += [Bool](repeating: conventions.attendToExpansionTokens, count: padding)
        }
        return Input(ids: Self.inserting(marker, into: encoded.ids), attendable: Self.inserting(marker.map { _ in true }, into: attendable), truncated: encoded.wasTruncated)
    }

    /// Document input: marker after `[CLS]`, at most `document_length` ids.
    public func documentInput(_ text: String) throws(EmbeddingError) -> Input {
        let marker = documentMarkerID
        let encoded = try encode(text, maxLength: conventions.documentLength - (marker == nil ? 0 : 1))
        return Input(
            ids: Self.inserting(marker, into: encoded.ids), attendable: [Bool](repeating: true, count: encoded.ids.count + (marker == nil ? 0 : 1)),
            truncated: encoded.wasTruncated)
    }

    /// One L2-normalised vector per query position (expansion tokens included), in order.
    public func encodeQueries(_ texts: [String]) throws(EmbeddingError) -> [[[Float]]] {
        let inputs = try Self.each(texts, queryInput)
        return run(inputs) { _, _ in true }
    }

    /// One L2-normalised vector per document token that is not skip-listed, in order.
    public func encodeDocuments(_ texts: [String]) throws(EmbeddingError) -> [[[Float]]] {
        let inputs = try Self.each(texts, documentInput)
        let skip = skiplistIDs
        return run(inputs) { input, position in !skip.contains(input.ids[position]) }
    }

    /// Document vectors of id sequences already laid out as documents (`[CLS]`, marker, text
    /// ids, `[SEP]`; at most `document_length` ids), such as a page's words packed into windows
    /// at word boundaries: every position attended to, skip-listed positions dropped, as
    /// ``encodeDocuments(_:)``. A sequence longer than the document length fails, naming it.
    public func encodeDocuments(tokenized: [[Int32]]) throws(EmbeddingError) -> [[[Float]]] {
        for (index, ids) in tokenized.enumerated() where ids.isEmpty || ids.count > conventions.documentLength {
            throw .invalidInput(index: index, reason: "\(ids.count) ids; a document takes 1 to \(conventions.documentLength)")
        }
        let skip = skiplistIDs
        let inputs = tokenized.map { Input(ids: $0, attendable: [Bool](repeating: true, count: $0.count), truncated: false) }
        return run(inputs) { input, position in !skip.contains(input.ids[position]) }
    }

    /// Vectors of inputs already laid out (``queryInput(_:)``, ``documentInput(_:)``, or a page's
    /// document windows), in one call so the backbone batches them; `dropSkiplisted[i]` says
    /// whether input i is a document, whose skip-listed tokens lose their vectors. A server's
    /// batcher prepares inputs on one thread and runs them here on its model thread; each
    /// input's vectors are the same bits whatever else is in the call (sequences are packed).
    public func encode(_ inputs: [Input], dropSkiplisted: [Bool]) -> [[[Float]]] {
        precondition(inputs.count == dropSkiplisted.count, "one skip-list flag per input")
        let skip = skiplistIDs
        let flagged = zip(inputs, dropSkiplisted).map { FlaggedInput(input: $0.0, dropSkiplisted: $0.1) }
        var results: [[[Float]]] = []
        results.reserveCapacity(inputs.count)
        var start = 0
        while start < flagged.count {
            let batch = Array(flagged[start ..< min(start + 32, flagged.count)])
            start += batch.count
            let states = backbone(batch.map(\.input.ids), attendable: batch.map(\.input.attendable))
            for (index, item) in batch.enumerated() {
                let rows = states.sequences[index]
                let kept = (0 ..< rows.count).filter { !item.dropSkiplisted || !skip.contains(item.input.ids[$0]) }.map { rows.lowerBound + $0 }
                results.append(head.project(states.values, rows: kept))
            }
        }
        return results
    }

    private struct FlaggedInput {
        var input: Input
        var dropSkiplisted: Bool
    }

    /// Encodes inputs in batches of 32 and keeps the positions `keep` accepts.
    func run(_ inputs: [Input], keep: (Input, Int) -> Bool) -> [[[Float]]] {
        var results: [[[Float]]] = []
        results.reserveCapacity(inputs.count)
        var start = 0
        while start < inputs.count {
            let batch = Array(inputs[start ..< min(start + 32, inputs.count)])
            start += batch.count
            let states = backbone(batch.map(\.ids), attendable: batch.map(\.attendable))
            for (index, input) in batch.enumerated() {
                let rows = states.sequences[index]
                let kept = (0 ..< rows.count).filter { keep(input, $0) }.map { rows.lowerBound + $0 }
                results.append(head.project(states.values, rows: kept))
            }
        }
        return results
    }

    /// Applies `prepare` to every text; a failure names the text's index.
    static func each(_ texts: [String], _ prepare: (String) throws(EmbeddingError) -> Input) throws(EmbeddingError) -> [Input] {
        var inputs: [Input] = []
        for (index, text) in texts.enumerated() {
            do { inputs.append(try prepare(text)) } catch {
                if case .invalidInput(_, let reason) = error { throw .invalidInput(index: index, reason: reason) }
                throw error
            }
        }
        return inputs
    }

    private func encode(_ text: String, maxLength: Int) throws(EmbeddingError) -> TokenizedText {
        do { return try tokenizer.encode(text, maxLength: maxLength, truncation: .end) } catch {
            throw .invalidInput(index: 0, reason: error.description)
        }
    }

    /// `ids[0], marker, ids[1...]`, as PyLate's `insert_prefix_token`.
    static func inserting<T>(_ marker: T?, into values: [T]) -> [T] {
        guard let marker, let first = values.first else { return values }
        return [first, marker] + values.dropFirst()
    }
}
