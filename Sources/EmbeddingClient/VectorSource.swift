public import Foundation
internal import WireProtocol

/// The vectors of a late-interaction query or document: an input for the server's model to
/// embed (one vector per token or patch), vectors computed by the caller, or (in
/// ``EmbeddingClient/score(query:documents:collection:options:)`` only) a document already stored
/// in a collection.
public enum VectorSource: Sendable, Hashable {
    /// A text, image or patch grid, embedded by the model of the collection (or of the score
    /// call) with its query or document convention.
    case input(EmbeddingInput)
    /// Vectors computed by the caller, one row per token or patch, all of one width. The server
    /// L2-normalises each row and refuses NaN, infinite or all-zero rows.
    case vectors([[Float]])
    /// The document stored under `id` in the score call's `collection`, so candidates already
    /// upserted are re-ranked without sending their vectors again. The server scores its vectors
    /// as stored, so the score equals the one Search reports for it. Score only: Upsert and
    /// Search refuse it (INVALID_ARGUMENT); an id the collection does not hold is NOT_FOUND.
    case stored(id: String)

    /// A text to embed.
    public static func text(_ text: String) -> VectorSource { .input(.text(text)) }

    /// An encoded image file (PNG or JPEG) to embed.
    public static func image(_ data: Data, name: String = "") -> VectorSource { .input(.image(data, name: name)) }

    /// A document page to read into words and embed by the text tower.
    public static func page(_ page: PageInput) -> VectorSource { .input(.page(page)) }
}

extension VectorSource {
    /// The wire form; rows are checked here (not empty, one width), so a shape mistake is
    /// reported with `name` before a round trip.
    func wire(name: String) throws(EmbeddingClientError) -> Multiembed_V1_MultiVectorSource {
        var source = Multiembed_V1_MultiVectorSource()
        switch self {
        case .input(let input):
            source.input = try input.wireInput(index: 0)
        case .vectors(let rows):
            guard let width = rows.first?.count, width > 0 else {
                throw .invalidRequest("\(name): vectors need at least one row of at least one value")
            }
            if let bad = rows.firstIndex(where: { $0.count != width }) {
                throw .invalidRequest("\(name): row \(bad) has \(rows[bad].count) values, row 0 has \(width)")
            }
            var vectors = Multiembed_V1_MultiVector()
            vectors.count = UInt32(clamping: rows.count)
            vectors.dimension = UInt32(clamping: width)
            vectors.data = littleEndianBytes(of: rows.flatMap { $0 })
            source.vectors = vectors
        case .stored(let id):
            // Checked by the server, which knows what the collection holds.
            source.documentID = id
        }
        return source
    }
}

extension EmbeddingClientError {
    /// A request refused before it was sent.
    static func invalidRequest(_ message: String) -> Self {
        Self(code: .invalidArgument, kind: .invalidRequest, message: message)
    }
}
