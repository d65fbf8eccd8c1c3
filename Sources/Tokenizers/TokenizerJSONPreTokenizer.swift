/// tokenizer.json's `pre_tokenizer`, for the kinds the BPE pipelines use: `ByteLevel` (GPT-2,
/// ModernBERT), a literal-string `Split` (SigLIP2, Gemma), or none (the text between added
/// tokens is one word).
enum TokenizerJSONPreTokenizer: BPEWordSplitter {
    case none
    case byteLevel(ByteLevelPreTokenizer)
    case split(SplitPreTokenizer)

    /// Reads `pre_tokenizer`: null, one of the kinds above, or a Sequence holding just one.
    init(json: JSONValue?, file: JSONFile) throws(TokenizerError) {
        guard var json, !json.isNull else {
            self = .none
            return
        }
        if json["type"]?.stringValue == "Sequence", let list = json["pretokenizers"]?.arrayValue, list.count == 1 {
            json = list[0]
        }
        switch json["type"]?.stringValue {
        case "ByteLevel":
            self = .byteLevel(
                ByteLevelPreTokenizer(
                    addPrefixSpace: json["add_prefix_space"]?.boolValue ?? true,
                    useRegex: json["use_regex"]?.boolValue ?? true))
        case "Split":
            guard let pattern = json["pattern"]?["String"]?.stringValue, !pattern.isEmpty else {
                throw file.malformed("Split pre_tokenizer needs a non-empty String pattern (Regex patterns are not supported)")
            }
            guard json["invert"]?.boolValue != true,
                let name = json["behavior"]?.stringValue, let behavior = SplitPreTokenizer.Behavior(rawValue: name)
            else { throw file.malformed("Split pre_tokenizer behavior \(json["behavior"]?.stringValue ?? "(none)") or invert is not supported") }
            self = .split(SplitPreTokenizer(pattern: Array(pattern.utf8), behavior: behavior))
        case let other:
            throw file.malformed("unsupported pre_tokenizer \(other ?? "(none)") for BPE")
        }
    }

    var isByteLevel: Bool {
        if case .byteLevel = self { return true }
        return false
    }

    func forEachWord(
        in bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Bool
    ) {
        switch self {
        case .none:
            if !range.isEmpty { _ = body(UnsafeBufferPointer(rebasing: bytes[range])) }
        case .byteLevel(let splitter):
            splitter.forEachWord(in: bytes, range: range, body)
        case .split(let splitter):
            splitter.forEachWord(in: bytes, range: range) { body(UnsafeBufferPointer(rebasing: bytes[$0])) }
        }
    }
}
