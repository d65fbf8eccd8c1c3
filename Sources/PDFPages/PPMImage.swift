/// Reads a binary PPM (P6) image, what `pdftoppm` writes: a text header
/// `P6 <width> <height> <maxval>` (whitespace-separated, `#` comments allowed), one whitespace
/// byte, then width * height RGB triples.
enum PPMImage {
    enum ParseError: Error, Equatable, CustomStringConvertible {
        case badHeader(String)
        case tooLarge(width: Int, height: Int)
        case truncated(expected: Int, got: Int)

        var description: String {
            switch self {
            case .badHeader(let reason): return "unreadable PPM header: \(reason)"
            case .tooLarge(let width, let height): return "PPM of \(width) x \(height) pixels is over the limit"
            case .truncated(let expected, let got): return "PPM holds \(got) of its \(expected) bytes of pixels"
            }
        }
    }

    /// Parses `bytes` in place: on success they hold the pixels alone (the header is removed
    /// with one move, no second 100 MB buffer). Refuses more than `maxPixels` pixels.
    static func parse(_ bytes: inout [UInt8], maxPixels: Int) throws(ParseError) -> (width: Int, height: Int) {
        var index = 0
        func token() throws(ParseError) -> Int {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                } else if isSpace(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            var value = 0
            var digits = 0
            while index < bytes.count, let digit = digit(bytes[index]), digits < 9 {
                value = value * 10 + digit
                digits += 1
                index += 1
            }
            guard digits > 0, index < bytes.count, isSpace(bytes[index]) else {
                throw .badHeader("expected a number at byte \(index)")
            }
            return value
        }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "6") else {
            throw .badHeader("not a binary PPM (P6)")
        }
        index = 2
        let width = try token()
        let height = try token()
        let maxValue = try token()
        guard width > 0, height > 0 else { throw .badHeader("empty image \(width) x \(height)") }
        guard maxValue == 255 else { throw .badHeader("maxval \(maxValue), expected 255") }
        guard width * height <= maxPixels else { throw .tooLarge(width: width, height: height) }
        index += 1  // the single whitespace byte after maxval
        let expected = width * height * 3
        guard bytes.count - index == expected else {
            throw .truncated(expected: expected, got: max(0, bytes.count - index))
        }
        bytes.removeSubrange(0..<index)
        return (width, height)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 || byte == 0x0B || byte == 0x0C
    }

    static func digit(_ byte: UInt8) -> Int? {
        byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil
    }
}
