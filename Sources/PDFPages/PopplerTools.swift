import Foundation

/// Where the poppler-utils programs (`pdfinfo`, `pdftotext`, `pdftoppm`) are found.
///
/// By default they are looked up on `PATH` (then /usr/bin and /bin, for servers started with an
/// empty environment). Tests pass a folder of their own to stand in a program that hangs or
/// crashes, or an empty folder to see what a machine without poppler-utils reports.
public struct PopplerTools: Sendable, Equatable {
    /// The only folder searched, or nil to search `PATH`.
    public var directory: String?

    public init(directory: String? = nil) {
        self.directory = directory
    }

    /// The folders searched, in order.
    var searchPath: [String] {
        if let directory { return [directory] }
        return Self.systemSearchPath
    }

    /// `PATH`'s folders followed by /usr/bin and /bin.
    static var systemSearchPath: [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var folders = path.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        for fallback in ["/usr/bin", "/bin"] where !folders.contains(fallback) {
            folders.append(fallback)
        }
        return folders
    }

    /// The absolute path of the executable `tool`, or `PDFError.toolMissing`.
    func executable(_ tool: String) throws(PDFError) -> String {
        try Self.find(tool, in: searchPath)
    }

    static func find(_ tool: String, in folders: [String]) throws(PDFError) -> String {
        for folder in folders {
            let candidate = folder.hasSuffix("/") ? folder + tool : folder + "/" + tool
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw .toolMissing(tool: tool, searched: folders)
    }
}
