import Foundation

/// tokenizer.json's `normalizer`, for the kinds the byte-level BPE pipelines use: the Unicode
/// normal forms, `Lowercase`, `Replace` of a literal string, `Prepend`, and `Sequence` of those.
/// Any other kind is refused when loading, rather than silently giving different ids.
struct TokenizerJSONNormalizer: BPETextNormalizer {
    enum Step: Sendable, Equatable {
        case nfc, nfd, nfkc, nfkd
        /// Per-scalar full lower-casing (Rust's `char::to_lowercase`, as tokenizers applies it:
        /// no context-dependent final sigma).
        case lowercase
        /// Every occurrence of a literal string replaced, left to right without overlap.
        case replace(pattern: [UInt8], content: [UInt8])
        /// A string put before non-empty text.
        case prepend([UInt8])

        /// Whether the step leaves ASCII text as it is.
        var keepsASCII: Bool {
            switch self {
            case .nfc, .nfd, .nfkc, .nfkd: return true
            case .lowercase, .replace, .prepend: return false
            }
        }
    }

    let steps: [Step]
    /// All steps leave ASCII alone, so ASCII text is copied as it is.
    private let asciiIsIdentity: Bool

    init(steps: [Step]) {
        self.steps = steps
        asciiIsIdentity = steps.allSatisfy(\.keepsASCII)
    }

    /// Reads `normalizer` (null or absent: no normalisation).
    init(json: JSONValue?, file: JSONFile) throws(TokenizerError) {
        var steps: [Step] = []
        if let json, !json.isNull { try Self.appendSteps(of: json, file: file, to: &steps) }
        self.init(steps: steps)
    }

    private static func appendSteps(of json: JSONValue, file: JSONFile, to steps: inout [Step]) throws(TokenizerError) {
        switch json["type"]?.stringValue {
        case "NFC": steps.append(.nfc)
        case "NFD": steps.append(.nfd)
        case "NFKC": steps.append(.nfkc)
        case "NFKD": steps.append(.nfkd)
        case "Lowercase": steps.append(.lowercase)
        case "Prepend":
            guard let prepend = json["prepend"]?.stringValue else { throw file.malformed("Prepend normalizer has no prepend string") }
            steps.append(.prepend(Array(prepend.utf8)))
        case "Replace":
            guard let pattern = json["pattern"]?["String"]?.stringValue, !pattern.isEmpty,
                let content = json["content"]?.stringValue
            else { throw file.malformed("Replace normalizer needs a non-empty String pattern and a content (Regex patterns are not supported)") }
            steps.append(.replace(pattern: Array(pattern.utf8), content: Array(content.utf8)))
        case "Sequence":
            guard let list = json["normalizers"]?.arrayValue else { throw file.malformed("Sequence normalizer has no normalizers") }
            for inner in list { try appendSteps(of: inner, file: file, to: &steps) }
        case let other:
            throw file.malformed("unsupported normalizer type \(other ?? "(none)")")
        }
    }

    func normalize(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into output: inout [UInt8]) {
        let input = UnsafeBufferPointer(rebasing: bytes[range])
        if steps.isEmpty || (asciiIsIdentity && !input.contains { $0 >= 0x80 }) {
            output.append(contentsOf: input)
            return
        }
        var text = Array(input)
        for step in steps { text = Self.apply(step, to: text) }
        output.append(contentsOf: text)
    }

    /// The normalised form of a whole string (for added tokens that match normalised text).
    func normalize(_ text: String) -> String {
        var output: [UInt8] = []
        var text = text
        text.withUTF8 { normalize($0, range: 0..<$0.count, into: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    private static func apply(_ step: Step, to text: [UInt8]) -> [UInt8] {
        switch step {
        case .nfc: return Array(string(text).precomposedStringWithCanonicalMapping.utf8)
        case .nfd: return Array(string(text).decomposedStringWithCanonicalMapping.utf8)
        case .nfkc: return Array(string(text).precomposedStringWithCompatibilityMapping.utf8)
        case .nfkd: return Array(string(text).decomposedStringWithCompatibilityMapping.utf8)
        case .lowercase:
            var output: [UInt8] = []
            output.reserveCapacity(text.count)
            for scalar in string(text).unicodeScalars {
                if scalar.properties.changesWhenLowercased {
                    for lowered in scalar.properties.lowercaseMapping.unicodeScalars { UTF8Buffer.append(lowered.value, to: &output) }
                } else {
                    UTF8Buffer.append(scalar.value, to: &output)
                }
            }
            return output
        case .replace(let pattern, let content):
            return replacing(pattern, with: content, in: text)
        case .prepend(let prefix):
            return text.isEmpty ? text : prefix + text
        }
    }

    private static func string(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func replacing(_ pattern: [UInt8], with content: [UInt8], in text: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == pattern[0], index + pattern.count <= text.count, text[index..<index + pattern.count].elementsEqual(pattern) {
                output.append(contentsOf: content)
                index += pattern.count
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
