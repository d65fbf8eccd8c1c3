/// The encoded formats `ImageDecoder` decodes.
public enum ImageFormat: String, Sendable, Equatable, CaseIterable {
    case png = "PNG"
    case jpeg = "JPEG"
}

/// Recognises formats by their leading magic bytes, never by file name: uploads arrive without
/// trustworthy names, and a clear "this is a GIF" beats a generic decoding failure.
enum FormatSniffer {
    enum Verdict: Equatable {
        case supported(ImageFormat)
        /// Not decodable; the associated value names what it looks like, when recognisable.
        case unsupported(String?)
    }

    static func sniff(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        if starts(bytes, with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return .supported(.png)
        }
        if starts(bytes, with: [0xFF, 0xD8, 0xFF]) {
            return .supported(.jpeg)
        }
        return .unsupported(otherFormat(bytes))
    }

    /// Names the common non-PNG/JPEG formats people send to image endpoints.
    private static func otherFormat(_ bytes: UnsafeRawBufferPointer) -> String? {
        let signatures: [(prefix: [UInt8], name: String)] = [
            (Array("GIF87a".utf8), "GIF"),
            (Array("GIF89a".utf8), "GIF"),
            (Array("BM".utf8), "BMP"),
            ([0x49, 0x49, 0x2A, 0x00], "TIFF"),
            ([0x4D, 0x4D, 0x00, 0x2A], "TIFF"),
            ([0x00, 0x00, 0x01, 0x00], "ICO"),
            (Array("%PDF-".utf8), "PDF"),
            (Array("8BPS".utf8), "PSD"),
            (Array("qoif".utf8), "QOI"),
            ([0xFF, 0x0A], "JPEG XL"),
            ([0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20], "JPEG XL"),
            ([0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20], "JPEG 2000"),
            ([0xFF, 0x4F, 0xFF, 0x51], "JPEG 2000"),
        ]
        for signature in signatures where starts(bytes, with: signature.prefix) {
            return signature.name
        }
        if starts(bytes, with: Array("RIFF".utf8)), matches(bytes, at: 8, Array("WEBP".utf8)) {
            return "WebP"
        }
        if matches(bytes, at: 4, Array("ftyp".utf8)) {
            return isobmffBrand(bytes)
        }
        return markupFormat(bytes)
    }

    /// HEIF/AVIF are ISO base media files; the major brand at offset 8 tells them apart.
    private static func isobmffBrand(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard bytes.count >= 12 else { return nil }
        let brand = String(decoding: bytes[8..<12], as: UTF8.self)
        switch brand {
        case "avif", "avis": return "AVIF"
        case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1": return "HEIF"
        default: return nil  // MP4, MOV, ...: not worth naming
        }
    }

    /// SVG (and HTML error pages posted by mistake) are text: look at the first kilobyte.
    private static func markupFormat(_ bytes: UnsafeRawBufferPointer) -> String? {
        var head = String(decoding: bytes.prefix(1024), as: UTF8.self).lowercased()
        if head.hasPrefix("\u{FEFF}") { head.removeFirst() }
        let text = head.drop(while: { $0.isWhitespace })
        guard text.hasPrefix("<") else { return nil }
        if text.contains("<svg") { return "SVG" }
        if text.hasPrefix("<!doctype html") || text.hasPrefix("<html") { return "HTML" }
        if text.hasPrefix("<?xml") { return "XML" }
        return nil
    }

    private static func starts(_ bytes: UnsafeRawBufferPointer, with prefix: [UInt8]) -> Bool {
        matches(bytes, at: 0, prefix)
    }

    private static func matches(_ bytes: UnsafeRawBufferPointer, at offset: Int, _ expected: [UInt8]) -> Bool {
        guard bytes.count >= offset + expected.count else { return false }
        for (index, byte) in expected.enumerated() where bytes[offset + index] != byte {
            return false
        }
        return true
    }
}
