/// Reads the words out of `pdftotext -bbox-layout` output:
///
///     <page width=".." height=".."><flow><block ..><line ..>
///       <word xMin="72.0" yMin="74.8" xMax="126.7" yMax="97.0">Hello</word> ...
///
/// A scanner over the bytes, not an XML parser: the format is fixed and machine-written, word
/// text is entity-escaped by pdftotext (a document cannot inject markup), and Foundation's
/// XMLParser would bring libxml2 into the server for five tag names. It is tolerant: unknown
/// tags are skipped, a word with unreadable coordinates is dropped, an unknown entity is kept
/// as written.
enum BBoxLayoutParser {
    /// A word in points, origin at the top-left corner of the displayed page.
    struct Word: Equatable {
        var text: String
        var xMin, yMin, xMax, yMax: Double
        var block: Int
        var line: Int
    }

    static func words(in bytes: [UInt8]) -> [Word] {
        var words: [Word] = []
        var block = -1
        var line = -1
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "<")) {
            guard let close = bytes[open...].firstIndex(of: UInt8(ascii: ">")) else { break }
            let tag = bytes[(open + 1)..<close]
            index = close + 1
            switch name(of: tag) {
            case "block":
                block += 1
            case "line":
                line += 1
            case "word":
                let end = find(Array("</word>".utf8), in: bytes, from: index) ?? bytes.count
                let text = decodeEntities(bytes[index..<end])
                index = min(end + "</word>".utf8.count, bytes.count)
                let attributes = attributes(of: tag)
                guard let xMin = attributes["xMin"], let yMin = attributes["yMin"],
                    let xMax = attributes["xMax"], let yMax = attributes["yMax"]
                else { continue }
                words.append(
                    Word(
                        text: text, xMin: xMin, yMin: yMin, xMax: xMax, yMax: yMax,
                        block: max(block, 0), line: max(line, 0)))
            default:
                continue
            }
        }
        return words
    }

    /// The tag's name ("word" in `word xMin=...`); nil for closing tags, comments, doctypes.
    static func name(of tag: ArraySlice<UInt8>) -> String? {
        guard let first = tag.first, isNameByte(first) else { return nil }
        return String(decoding: tag.prefix(while: isNameByte), as: UTF8.self)
    }

    /// The numeric attributes of a tag (`key="value"`); others are ignored.
    static func attributes(of tag: ArraySlice<UInt8>) -> [String: Double] {
        var result: [String: Double] = [:]
        var index = tag.startIndex
        while let equals = tag[index...].firstIndex(of: UInt8(ascii: "=")) {
            var keyEnd = equals
            while keyEnd > index, tag[keyEnd - 1] == UInt8(ascii: " ") { keyEnd -= 1 }
            var keyStart = keyEnd
            while keyStart > index, isNameByte(tag[keyStart - 1]) { keyStart -= 1 }
            let key = String(decoding: tag[keyStart..<keyEnd], as: UTF8.self)
            guard let quoteStart = tag[(equals + 1)...].firstIndex(where: { $0 == 0x22 || $0 == 0x27 }),
                let quoteEnd = tag[(quoteStart + 1)...].firstIndex(of: tag[quoteStart])
            else { break }
            let value = String(decoding: tag[(quoteStart + 1)..<quoteEnd], as: UTF8.self)
            if let number = Double(value), number.isFinite { result[key] = number }
            index = quoteEnd + 1
        }
        return result
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard needle.count <= bytes.count else { return nil }
        var index = start
        while index + needle.count <= bytes.count {
            guard let candidate = bytes[index...].firstIndex(of: needle[0]) else { return nil }
            if candidate + needle.count <= bytes.count, bytes[candidate..<(candidate + needle.count)].elementsEqual(needle) {
                return candidate
            }
            index = candidate + 1
        }
        return nil
    }

    /// Decodes `&amp; &lt; &gt; &quot; &apos;` and numeric references (`&#233; &#xE9;`).
    static func decodeEntities(_ bytes: ArraySlice<UInt8>) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest.index(after: ampersand)
            guard let semicolon = rest[afterAmpersand...].prefix(12).firstIndex(of: ";"),
                let decoded = entity(rest[afterAmpersand..<semicolon])
            else {
                result += "&"
                rest = rest[afterAmpersand...]
                continue
            }
            result += decoded
            rest = rest[rest.index(after: semicolon)...]
        }
        return result + rest
    }

    static func entity(_ name: Substring) -> String? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let value = digits.hasPrefix("x") || digits.hasPrefix("X")
                ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
            return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) }
        }
    }
}
