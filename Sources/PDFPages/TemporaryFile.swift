import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Uploaded PDF bytes written to a private file, because poppler's programs read files. The
/// file is created by `mkstemp` (mode 0600, a name nobody can guess or pre-create) and removed
/// when the last `PDFFile` holding it goes away.
final class TemporaryFile: Sendable {
    let path: String

    /// Writes `bytes` to a new file in `TMPDIR` (or /tmp).
    init(bytes: [UInt8], name: String) throws(PDFError) {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder.hasSuffix("/") ? folder : folder + "/").utf8CString.dropLast())
            + Array("multiembed-pdf-XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else {
            throw .unreadable(name: name, reason: "cannot create a temporary file in \(folder): \(Self.message(errno))")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                let reason = Self.message(errno)
                unlink(path)
                throw .unreadable(name: name, reason: "cannot write a temporary file in \(folder): \(reason)")
            }
            offset += written
        }
        self.path = path
    }

    deinit {
        unlink(path)
    }

    static func message(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
