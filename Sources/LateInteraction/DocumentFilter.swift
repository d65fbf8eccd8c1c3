/// Which documents a search may return: an id list and equality conditions on metadata, both
/// optional; a document must pass every condition given.
public struct DocumentFilter: Sendable, Equatable {
    /// Only these ids; nil = any id.
    public var ids: Set<String>?
    /// Only documents whose metadata holds every key with exactly this value (bytes compared).
    public var metadata: [String: String]

    public init(ids: Set<String>? = nil, metadata: [String: String] = [:]) {
        self.ids = ids
        self.metadata = metadata
    }

    /// Every document.
    public static let none = DocumentFilter()

    /// True when no condition is set.
    public var admitsEverything: Bool { ids == nil && metadata.isEmpty }

    public func admits(id: String, metadata documentMetadata: [String: String]) -> Bool {
        if let ids, !ids.contains(id) { return false }
        for (key, value) in metadata where documentMetadata[key] != value { return false }
        return true
    }
}
