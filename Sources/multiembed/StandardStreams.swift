import EmbeddingKernels
import Foundation

/// Buffered writing to standard output: JSON Lines of thousands of floats would otherwise cost a
/// system call each.
struct OutputBuffer {
    private var buffer: [UInt8] = []

    mutating func append(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count > 1 << 20 { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `[0.1,0.2]`: shortest round-tripping decimal of each float, so no precision is lost.
func jsonArray(_ values: [Float]) -> String {
    var text = "["
    text.reserveCapacity(values.count * 12)
    for (i, value) in values.enumerated() {
        if i > 0 { text += "," }
        text += value.isFinite ? "\(value)" : "null"
    }
    return text + "]"
}

/// A JSON string literal.
func jsonString(_ value: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
