/// GPT-2's reversible byte-to-character mapping, used by byte-level BPE vocabularies (CLIP's
/// included): every byte of the UTF-8 text is spelled as one printable character, so the
/// vocabulary never needs whitespace or control characters and no byte is ever unknown.
///
/// Printable Latin-1 bytes (`!`…`~`, `¡`…`¬`, `®`…`ÿ`) stand for themselves; the remaining 68
/// bytes, in increasing order, take the characters U+0100, U+0101, … (so the space 0x20 is `Ġ`
/// U+0120, and 0x00 is `Ā` U+0100).
enum ByteLevelEncoding {
    /// The character standing for each byte value.
    static let characters: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\u{0}", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            if isPrintable(UInt8(byte)) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The bytes that map to themselves.
    static func isPrintable(_ byte: UInt8) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// The byte-level spelling of raw bytes, as it appears in vocab.json and merges.txt.
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var result = String.UnicodeScalarView()
        for byte in bytes { result.append(characters[Int(byte)]) }
        return String(result)
    }
}
