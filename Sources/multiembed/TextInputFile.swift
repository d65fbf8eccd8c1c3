import Foundation

/// Reads the texts of `--texts FILE`: one text per line, or with a `.jsonl` name one JSON object
/// per line with a `"text"` field (so a text may hold newlines) and an optional `"id"` (a string
/// or an integer). `-` reads standard input.
struct TextInputFile {
    /// One text, where it was, and the id its JSON object gave, if any.
    struct Record {
        var text: String
        /// 1-based line of the file.
        var line: Int
        var id: String?
    }

    enum Failure: Error, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalidUTF8(path: String, line: Int)
        case invalidJSONLine(path: String, line: Int, reason: String)

        var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .invalidUTF8(let path, let line): "\(path), line \(line): not valid UTF-8"
            case .invalidJSONLine(let path, let line, let reason): "\(path), line \(line): \(reason)"
            }
        }
    }

    /// Reads every text of `path`.
    static func read(_ path: String) throws(Failure) -> [String] {
        try records(path).map(\.text)
    }

    /// Reads every text of `path` with its line and id.
    static func records(_ path: String) throws(Failure) -> [Record] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw .unreadable(path: path, reason: error.localizedDescription)
            }
        }
        let isJSONLines = path.hasSuffix(".jsonl")
        var texts: [Record] = []
        var lineNumber = 0
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        // A final newline ends the last line; it does not start an empty one.
        if lines.last?.isEmpty == true { lines.removeLast() }
        for rawLine in lines {
            lineNumber += 1
            var bytes = rawLine
            if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            guard let line = String(validating: bytes, as: UTF8.self) else {
                throw .invalidUTF8(path: path, line: lineNumber)
            }
            if !isJSONLines {
                texts.append(Record(text: line, line: lineNumber, id: nil))
                continue
            }
            if line.allSatisfy(\.isWhitespace) { continue }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
                throw .invalidJSONLine(path: path, line: lineNumber, reason: "not a JSON object")
            }
            guard let text = object["text"] as? String else {
                throw .invalidJSONLine(path: path, line: lineNumber, reason: "no \"text\" string field")
            }
            var id: String?
            switch object["id"] {
            case nil, is NSNull: id = nil
            case let string as String where !string.isEmpty: id = string
            case let number as NSNumber where Int(exactly: number.doubleValue) != nil:
                id = String(Int(exactly: number.doubleValue)!)
            default:
                throw .invalidJSONLine(path: path, line: lineNumber, reason: "\"id\" must be a non-empty string or an integer")
            }
            texts.append(Record(text: text, line: lineNumber, id: id))
        }
        return texts
    }
}
