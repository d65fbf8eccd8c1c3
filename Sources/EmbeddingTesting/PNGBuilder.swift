/// Writes PNG files byte by byte, so tests can cover every colour type, bit depth, interlacing
/// and hostile variants (bad CRCs, lying headers, zlib bombs) without any image tool.
public struct PNGBuilder {
    public enum ColorType: UInt8, Sendable {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        public var samplesPerPixel: Int {
            switch self {
            case .gray, .palette: return 1
            case .grayAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    public var width: Int
    public var height: Int
    public var colorType: ColorType
    public var bitDepth: Int
    /// `width * height * samplesPerPixel` sample values (palette indices for `.palette`),
    /// each below `1 << bitDepth`.
    public var samples: [Int]
    public var interlaced = false
    /// PLTE entries, for `.palette`.
    public var palette: [(UInt8, UInt8, UInt8)] = []
    /// Raw tRNS chunk payload, if any.
    public var transparency: [UInt8]? = nil
    /// Chunks inserted between IHDR and IDAT, e.g. a zTXt.
    public var extraChunks: [(type: String, data: [UInt8])] = []

    /// The complete file.
    public init(
        width: Int, height: Int, colorType: ColorType, bitDepth: Int, samples: [Int], interlaced: Bool = false,
        palette: [(UInt8, UInt8, UInt8)] = [], transparency: [UInt8]? = nil,
        extraChunks: [(type: String, data: [UInt8])] = []
    ) {
        self.width = width
        self.height = height
        self.colorType = colorType
        self.bitDepth = bitDepth
        self.samples = samples
        self.interlaced = interlaced
        self.palette = palette
        self.transparency = transparency
        self.extraChunks = extraChunks
    }

    public func build() -> [UInt8] {
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        file += Self.chunk("IHDR", ihdr())
        if !palette.isEmpty {
            file += Self.chunk("PLTE", palette.flatMap { [$0.0, $0.1, $0.2] })
        }
        if let transparency { file += Self.chunk("tRNS", transparency) }
        for extra in extraChunks { file += Self.chunk(extra.type, extra.data) }
        file += Self.chunk("IDAT", Zlib.stored(scanlines()))
        file += Self.chunk("IEND", [])
        return file
    }

    public func ihdr() -> [UInt8] {
        Self.be32(width) + Self.be32(height) + [UInt8(bitDepth), colorType.rawValue, 0, 0, interlaced ? 1 : 0]
    }

    /// Filter-type-0 scanlines of the whole image, or of each Adam7 pass in turn.
    public func scanlines() -> [UInt8] {
        guard interlaced else { return packRows(columns: Array(0..<width), rows: Array(0..<height)) }
        let passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        var data: [UInt8] = []
        for (x0, y0, dx, dy) in passes {
            let columns = Array(stride(from: x0, to: width, by: dx))
            let rows = Array(stride(from: y0, to: height, by: dy))
            if columns.isEmpty || rows.isEmpty { continue }  // empty passes have no scanlines
            data += packRows(columns: columns, rows: rows)
        }
        return data
    }

    private func packRows(columns: [Int], rows: [Int]) -> [UInt8] {
        let perPixel = colorType.samplesPerPixel
        var data: [UInt8] = []
        for y in rows {
            data.append(0)  // filter: none
            var line: [Int] = []
            for x in columns {
                let start = (y * width + x) * perPixel
                line += samples[start..<(start + perPixel)]
            }
            data += Self.pack(line, bitDepth: bitDepth)
        }
        return data
    }

    /// Packs samples MSB-first (sub-byte depths) or big-endian (16-bit), as PNG stores them.
    public static func pack(_ values: [Int], bitDepth: Int) -> [UInt8] {
        switch bitDepth {
        case 16: return values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        case 8: return values.map { UInt8($0) }
        default:
            var bytes: [UInt8] = []
            var current = 0, filled = 0
            for value in values {
                current = (current << bitDepth) | value
                filled += bitDepth
                if filled == 8 { bytes.append(UInt8(current)); current = 0; filled = 0 }
            }
            if filled > 0 { bytes.append(UInt8(current << (8 - filled))) }
            return bytes
        }
    }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(data.count) + typeBytes + data + be32(Int(CRC32.checksum(typeBytes + data)))
    }

    public static func be32(_ value: Int) -> [UInt8] {
        [UInt8((value >> 24) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}

/// CRC-32 (ISO-HDLC), as PNG chunks carry it.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 != 0 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Minimal zlib streams: stored (uncompressed) blocks for ordinary test images, and a
/// fixed-Huffman stream of back-references for decompression bombs.
public enum Zlib {
    public static func stored(_ data: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, data.count - offset)
            let final: UInt8 = offset + count == data.count ? 1 : 0
            stream += [final, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            stream += data[offset..<(offset + count)]
            offset += count
        } while offset < data.count
        return stream + PNGBuilder.be32(Int(adler32(data)))
    }

    /// A stream inflating to `1 + 258 * repeats` zero bytes in about `13 * repeats / 8` bytes:
    /// one literal 0, then `repeats` copies of (length 258, distance 1).
    public static func zeroBomb(repeats: Int) -> [UInt8] {
        var bits = BitWriter()
        bits.write(1, count: 1)  // BFINAL
        bits.write(1, count: 2)  // BTYPE = fixed Huffman
        bits.writeCode(0x30, length: 8)  // literal 0
        for _ in 0..<repeats {
            bits.writeCode(0xC5, length: 8)  // length symbol 285 = 258
            bits.writeCode(0, length: 5)  // distance symbol 0 = 1
        }
        bits.writeCode(0, length: 7)  // end of block
        let decompressed = 1 + 258 * repeats
        // Adler-32 of n zero bytes: a stays 1, b grows by 1 per byte.
        let adler = UInt32(decompressed % 65521) << 16 | 1
        return [0x78, 0x01] + bits.finished + PNGBuilder.be32(Int(adler))
    }

    public static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }

    /// DEFLATE's bit order: fields least-significant bit first, Huffman codes most-significant
    /// bit first.
    struct BitWriter {
        var bytes: [UInt8] = []
        private var current: UInt8 = 0
        private var filled = 0

        mutating func write(_ value: Int, count: Int) {
            for index in 0..<count { push(bit: (value >> index) & 1) }
        }

        mutating func writeCode(_ code: Int, length: Int) {
            for index in stride(from: length - 1, through: 0, by: -1) { push(bit: (code >> index) & 1) }
        }

        private mutating func push(bit: Int) {
            current |= UInt8(bit) << filled
            filled += 1
            if filled == 8 { flush() }
        }

        private mutating func flush() {
            bytes.append(current)
            current = 0
            filled = 0
        }

        var finished: [UInt8] {
            var copy = self
            if copy.filled > 0 { copy.flush() }
            return copy.bytes
        }
    }
}
