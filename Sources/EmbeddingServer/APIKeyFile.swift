/// The format of `--api-key-file`: one key per line; `#` starts a comment that runs to the end of
/// the line; blank lines and spaces around a key are ignored. A key is any run of printable
/// characters without spaces or `#`.
///
/// Why comments anywhere on a line: a file like `key-gamma  # the billing service` is how people
/// annotate secrets, and reading the whole line as the key would silently refuse every request
/// that sends `key-gamma`.
public enum APIKeyFile {
    /// A line that holds something other than one key and a comment.
    public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number.
        public let line: Int
        public let reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }

        public var description: String { "line \(line): \(reason)" }
    }

    /// The keys of a key file's text, in no order; empty when it holds none.
    public static func parse(_ text: String) throws(FormatError) -> Set<String> {
        var keys: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = rawLine.prefix { $0 != "#" }
            let words = content.split(whereSeparator: { $0.isWhitespace })
            guard let key = words.first else { continue }
            guard words.count == 1 else {
                throw FormatError(line: index + 1, reason: "a key cannot contain spaces (put a comment after '#')")
            }
            guard key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
                throw FormatError(line: index + 1, reason: "a key cannot contain control characters")
            }
            keys.insert(String(key))
        }
        return keys
    }
}
