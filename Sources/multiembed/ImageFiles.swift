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
    static func read(_ path: String) -> Result<[UInt8], CommandFailure> {
        do {
            return .success([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        } catch {
            return .failure(CommandFailure("cannot read \(path): \(error.localizedDescription)"))
        }
    }
}
