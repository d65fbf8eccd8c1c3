import Foundation

/// Reading the tokenizer files of a Hugging Face model folder, with errors that name the file.
enum TokenizerFiles {
    static func exists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// The whole file, or `missingFile` / `unreadableFile` naming it.
    static func readBytes(_ url: URL) throws(TokenizerError) -> [UInt8] {
        guard exists(url) else { throw .missingFile(path: url.path) }
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw .unreadableFile(path: url.path, reason: "\(error)")
        }
    }

    /// The file parsed as JSON.
    static func readJSON(_ url: URL) throws(TokenizerError) -> JSONValue {
        let bytes = try readBytes(url)
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw .malformedFile(path: url.path, reason: "invalid JSON at byte \(error.offset): \(error.reason)")
        }
    }

    /// The file as UTF-8 lines, ended by "\n", "\r\n" or "\r" as Python's universal newlines
    /// read them (transformers reads vocab.txt and merges.txt so). Empty lines inside the file
    /// are kept, since a line's index is a token id in vocab.txt; a final line end does not
    /// start another line.
    static func readLines(_ url: URL) throws(TokenizerError) -> [String] {
        let bytes = try readBytes(url)
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw .malformedFile(path: url.path, reason: "not valid UTF-8")
        }
        var lines: [String] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
                index += byte == 0x0D && index + 1 < bytes.count && bytes[index + 1] == 0x0A ? 2 : 1
                start = index
            } else {
                index += 1
            }
        }
        if start < bytes.count { lines.append(String(decoding: bytes[start...], as: UTF8.self)) }
        return lines
    }
}

/// A parsed JSON file together with its path, so that every complaint about its content can
/// name the file.
struct JSONFile {
    let url: URL
    let root: JSONValue

    init(_ url: URL) throws(TokenizerError) {
        self.url = url
        self.root = try TokenizerFiles.readJSON(url)
    }

    func malformed(_ reason: String) -> TokenizerError {
        .malformedFile(path: url.path, reason: reason)
    }

    /// A `{"token": id, ...}` object (tokenizer.json `model.vocab`, vocab.json) as table entries.
    func vocabulary(_ value: JSONValue?, field: String) throws(TokenizerError) -> [(key: String, value: Int32)] {
        guard let members = value?.objectMembers else { throw malformed("\(field) is missing or not an object") }
        var entries: [(key: String, value: Int32)] = []
        entries.reserveCapacity(members.count)
        for member in members {
            guard let id = member.value.intValue, id >= 0, id <= Int(Int32.max) else {
                throw malformed("\(field) entry \(String(reflecting: member.key)) has no valid id")
            }
            entries.append((member.key, Int32(id)))
        }
        return entries
    }

    /// tokenizer.json `added_tokens`: `[{"id", "content", "single_word", "lstrip", "rstrip",
    /// "normalized", "special"}, ...]`. Flags default as in Hugging Face tokenizers.
    func addedTokens() throws(TokenizerError) -> [AddedToken] {
        guard let list = root["added_tokens"], !list.isNull else { return [] }
        guard let array = list.arrayValue else { throw malformed("added_tokens is not an array") }
        var tokens: [AddedToken] = []
        for (index, entry) in array.enumerated() {
            guard let content = entry["content"]?.stringValue, let id = entry["id"]?.intValue,
                id >= 0, id <= Int(Int32.max)
            else { throw malformed("added_tokens[\(index)] needs a content string and an id") }
            let special = entry["special"]?.boolValue ?? false
            tokens.append(
                AddedToken(
                    content: content, id: Int32(id),
                    singleWord: entry["single_word"]?.boolValue ?? false,
                    lstrip: entry["lstrip"]?.boolValue ?? false,
                    rstrip: entry["rstrip"]?.boolValue ?? false,
                    normalized: entry["normalized"]?.boolValue ?? !special,
                    special: special))
        }
        return tokens
    }

    /// The special tokens a post_processor puts before and after a single sequence, resolving
    /// token names through `resolve`. Handles TemplateProcessing, BertProcessing,
    /// RobertaProcessing, ByteLevel (offsets only: no tokens) and a Sequence of those; nil when
    /// there is no post_processor.
    func sequenceFrame(resolve: (String) -> Int32?) throws(TokenizerError) -> SequenceFrame? {
        guard let processor = root["post_processor"], !processor.isNull else { return nil }
        return try frame(of: processor, resolve: resolve)
    }

    private func frame(of processor: JSONValue, resolve: (String) -> Int32?) throws(TokenizerError) -> SequenceFrame {
        switch processor["type"]?.stringValue {
        case "ByteLevel":
            return SequenceFrame(prefix: [], suffix: [])
        case "Sequence":
            guard let list = processor["processors"]?.arrayValue else { throw malformed("Sequence post_processor has no processors") }
            var combined = SequenceFrame(prefix: [], suffix: [])
            for inner in list {
                let frame = try frame(of: inner, resolve: resolve)
                combined.prefix = frame.prefix + combined.prefix
                combined.suffix += frame.suffix
            }
            return combined
        case "TemplateProcessing":
            return try templateFrame(processor, resolve: resolve)
        case "BertProcessing", "RobertaProcessing":
            guard let cls = processor["cls"]?.arrayValue, cls.count == 2, let clsID = cls[1].intValue,
                let sep = processor["sep"]?.arrayValue, sep.count == 2, let sepID = sep[1].intValue
            else { throw malformed("post_processor needs cls and sep as [token, id]") }
            return SequenceFrame(prefix: [Int32(clsID)], suffix: [Int32(sepID)])
        case let other:
            throw malformed("unsupported post_processor type \(other ?? "(none)")")
        }
    }

    private func templateFrame(_ processor: JSONValue, resolve: (String) -> Int32?) throws(TokenizerError) -> SequenceFrame {
        guard let single = processor["single"]?.arrayValue else {
            throw malformed("TemplateProcessing has no single template")
        }
        var prefix: [Int32] = []
        var suffix: [Int32] = []
        var seenSequence = false
        for piece in single {
            if piece["Sequence"] != nil {
                seenSequence = true
                continue
            }
            guard let name = piece["SpecialToken"]?["id"]?.stringValue else {
                throw malformed("TemplateProcessing piece is neither Sequence nor SpecialToken")
            }
            // The template's own special_tokens table may map a name to several ids.
            var ids: [Int32] = []
            if let listed = processor["special_tokens"]?[name]?["ids"]?.arrayValue {
                for id in listed {
                    guard let id = id.intValue else { throw malformed("special token \(name) has an invalid id") }
                    ids.append(Int32(id))
                }
            } else if let id = resolve(name) {
                ids = [id]
            } else {
                throw malformed("template special token \(name) is not in the vocabulary")
            }
            if seenSequence { suffix += ids } else { prefix += ids }
        }
        return SequenceFrame(prefix: prefix, suffix: suffix)
    }
}

/// tokenizer_config.json, which may be absent: special token names and casing flags.
struct TokenizerConfig {
    let url: URL
    let root: JSONValue

    /// Reads the file next to the tokenizer when present; an absent file means "all defaults".
    init(directory: URL) throws(TokenizerError) {
        url = directory.appendingPathComponent("tokenizer_config.json")
        root = TokenizerFiles.exists(url) ? try JSONFile(url).root : .object([])
    }

    /// A special token setting, written either as `"[CLS]"` or as `{"content": "[CLS]", ...}`.
    func token(_ key: String) -> String? {
        guard let value = root[key] else { return nil }
        return value.stringValue ?? value["content"]?.stringValue
    }

    func bool(_ key: String) -> Bool? { root[key]?.boolValue }

    /// `key` is absent or null (for `strip_accents`, both mean "follow lowercase").
    func isNullOrAbsent(_ key: String) -> Bool { root[key]?.isNull ?? true }

    /// `added_tokens_decoder` (transformers ≥ 4.34): `{"id": {"content", ...flags}}`.
    func addedTokens() -> [AddedToken] {
        guard let members = root["added_tokens_decoder"]?.objectMembers else { return [] }
        return members.compactMap { member in
            guard let id = Int32(member.key), let content = member.value["content"]?.stringValue else { return nil }
            let special = member.value["special"]?.boolValue ?? false
            return AddedToken(
                content: content, id: id,
                singleWord: member.value["single_word"]?.boolValue ?? false,
                lstrip: member.value["lstrip"]?.boolValue ?? false,
                rstrip: member.value["rstrip"]?.boolValue ?? false,
                normalized: member.value["normalized"]?.boolValue ?? !special,
                special: special)
        }
    }
}
