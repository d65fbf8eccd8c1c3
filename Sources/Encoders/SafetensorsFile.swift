import EmbeddingKernels
import Foundation

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// mapping tensor names to dtype, shape and byte offsets, then the raw data.
///
/// Every offset is checked against the file size when the file is opened, so a truncated or
/// tampered download fails with the tensor's name instead of reading past the mapping.
public struct SafetensorsFile: Sendable {
    /// One tensor's entry in the header.
    public struct Entry: Sendable, Equatable {
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data section (after the header).
        public let byteRange: Range<Int>
    }

    /// The file's path, for error messages.
    public let path: String
    /// Header entries by tensor name.
    public let entries: [String: Entry]
    private let data: Data
    private let dataStart: Int

    /// Largest header we accept; real headers are kilobytes, and the length is untrusted input.
    static let maximumHeaderBytes = 100 << 20

    private static let elementSizes = ["F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "F64": 8, "U8": 1, "I8": 1, "BOOL": 1]

    /// Maps and validates the file at `url`.
    public init(url: URL) throws(ModelLoadError) {
        path = url.path
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path) }
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        guard data.count >= 8 else {
            throw .malformedSafetensors(path: path, reason: "file is \(data.count) bytes, shorter than the 8-byte header length")
        }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(Self.maximumHeaderBytes), Int(headerLength) <= data.count - 8 else {
            throw .malformedSafetensors(path: path, reason: "header length \(headerLength) exceeds the file size \(data.count)")
        }
        dataStart = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: 8 ..< dataStart))
        } catch {
            throw .malformedSafetensors(path: path, reason: "header is not valid JSON")
        }
        guard let header = json as? [String: Any] else {
            throw .malformedSafetensors(path: path, reason: "header is not a JSON object")
        }
        let dataSize = data.count - dataStart
        var entries: [String: Entry] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let fields = value as? [String: Any],
                  let dtype = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int],
                  let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
            else { throw .malformedSafetensors(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets") }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw .malformedSafetensors(
                    path: path, reason: "tensor '\(name)' spans bytes \(begin)..<\(end) but the data section holds \(dataSize) (truncated file?)")
            }
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw .malformedSafetensors(path: path, reason: "tensor '\(name)' has a negative dimension in \(shape)")
            }
            if let size = Self.elementSizes[dtype] {
                let (elements, overflow) = shape.reduce((1, false)) { acc, dim in
                    let (product, o) = acc.0.multipliedReportingOverflow(by: dim)
                    return (product, acc.1 || o)
                }
                guard !overflow, elements * size == end - begin else {
                    throw .malformedSafetensors(
                        path: path, reason: "tensor '\(name)' of shape \(shape) and dtype \(dtype) does not fill its \(end - begin) bytes")
                }
            }
            entries[name] = Entry(dtype: dtype, shape: shape, byteRange: begin ..< end)
        }
        self.entries = entries
    }

    /// Tensor names in the file.
    public var names: [String] { Array(entries.keys) }

    /// Reads tensor `name` as float32, checking it has `shape` (pass nil to accept any shape).
    public func tensor(_ name: String, shape: [Int]?) throws(ModelLoadError) -> Tensor {
        guard let entry = entries[name] else { throw .missingTensor(name: name, path: path) }
        if let shape, shape != entry.shape {
            throw .wrongShape(name: name, expected: shape, actual: entry.shape, path: path)
        }
        let count = entry.shape.reduce(1, *)
        let start = dataStart + entry.byteRange.lowerBound
        var values = [Float](repeating: 0, count: count)
        switch entry.dtype {
        case "F32":
            values.withUnsafeMutableBytes { out in
                data.withUnsafeBytes { raw in
                    out.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[start ..< start + count * 4]))
                }
            }
        case "F16":
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)
                    values[i] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
                }
            }
        case "BF16":
            data.withUnsafeBytes { raw in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: start + 2 * i, as: UInt16.self)
                    values[i] = Float(bitPattern: UInt32(UInt16(littleEndian: bits)) << 16)
                }
            }
        default:
            throw .unsupportedDType(name: name, dtype: entry.dtype, path: path)
        }
        return Tensor(shape: entry.shape, storage: values)
    }
}
