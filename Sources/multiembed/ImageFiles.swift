import ImageIO
import Foundation

/// The image files named on the command line: files as given, folders searched recursively
/// for PNG and JPEG files (sorted, so output order is reproducible).
enum ImageFiles {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    static func collect(_ arguments: [String], extensions: Set<String> = ImageFiles.extensions) throws -> [String] {
        var files: [String] = []
        let manager = FileManager.default
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw CommandFailure("file or folder not found: \(argument)")
            }
            guard isDirectory.boolValue else {
                files.append(argument)
                continue
            }
            guard let walker = manager.enumerator(atPath: argument) else {
                throw CommandFailure("cannot list folder \(argument)")
            }
            var found: [String] = []
            for case let relative as String in walker where extensions.contains((relative as NSString).pathExtension.lowercased()) {
                found.append((argument as NSString).appendingPathComponent(relative))
            }
            files += found.sorted()
        }
        return files
    }

    /// Reads a file's bytes, or nil with the reason.
    /// The bytes of image file `path`, refused unread when the file is larger than `maxBytes`
    /// (a 10 GB file named `.png` must not be loaded into memory to be found too large).
    static func read(_ path: String, maxBytes: Int = ImageLimits.defaultMaxEncodedBytes) -> Result<[UInt8], CommandFailure> {
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxBytes {
            return .failure(CommandFailure("\(path): \(size) bytes, more than the \(maxBytes) an image may have (--max-image-bytes)"))
        }
        do {
            return .success([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            return .failure(CommandFailure("cannot read \(path): \(error.localizedDescription)"))
        }
    }
}
