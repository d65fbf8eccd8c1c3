import Foundation

/// Writes float32 tensors as a `.safetensors` file, to build small models and broken files in
/// tests (a wrong shape, a truncated download) without any reference tooling.
public enum SafetensorsWriter {
    /// Writes `tensors` (name → shape and values) to `url`.
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var payload = Data()
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "\(tensor.name): shape does not match values")
            let begin = payload.count
            tensor.values.withUnsafeBytes { payload.append(contentsOf: $0) }
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, payload.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(payload)
        try file.write(to: url)
    }
}

/// A temporary folder removed when the value is released.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("multiembed-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A copy of the default model's folder in which files can be replaced or removed. Large
    /// files are linked, not copied.
    public static func copyOfDefaultModel() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let source = Fixtures.defaultModel
        let manager = FileManager.default
        for name in try manager.contentsOfDirectory(atPath: source.path) {
            try manager.createSymbolicLink(at: directory.url.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        return directory
    }

    /// Replaces `name` (a link or file) with `contents`.
    public func write(_ name: String, _ contents: String) throws {
        let target = url.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: target)
        try Data(contents.utf8).write(to: target)
    }

    /// Removes `name`.
    public func remove(_ name: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(name))
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}
