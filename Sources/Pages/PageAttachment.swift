import Foundation

/// What a page document stores beside its vectors (``LateInteraction/StoredDocument/attachment``):
/// its text layer and, for each stored vector, the word it came from, so search hits can show
/// which words matched and a page can be re-embedded with another model without reading it
/// again.
public struct PageAttachment: Sendable, Hashable, Codable {
    /// Layout version of the encoded bytes.
    public var version = 1
    public var page: PageText
    /// For each vector of the document, in order, the index of its word in `page.words`, or -1
    /// for special and prompt tokens. Empty when the vectors were pooled (their clusters mix
    /// words).
    public var vectorWords: [Int]
    /// Where the page image's patch vectors are, when the document holds them too (after the
    /// text's vectors; their `vectorWords` entries are -1); nil for text vectors only.
    public var patches: PagePatchLayout?

    public init(page: PageText, vectorWords: [Int], patches: PagePatchLayout? = nil) {
        self.page = page
        self.vectorWords = vectorWords
        self.patches = patches
    }

    /// Compact JSON.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { [UInt8]($0) } ?? []
    }

    /// Decodes stored bytes; nil for bytes that are not a page attachment (another kind of
    /// attachment, or a newer layout).
    public static func decode(_ bytes: [UInt8]) -> PageAttachment? {
        guard let attachment = try? JSONDecoder().decode(PageAttachment.self, from: Data(bytes)), attachment.version == 1 else { return nil }
        return attachment
    }
}
