import Foundation

/// Finds the folder of Tesseract's .traineddata files and checks languages against it, so that a
/// missing language is an error that lists what is installed, before Tesseract (which would only
/// print "Failed loading language" to standard error) is asked for it.
enum TessdataLocator {
    /// Where Debian's tesseract-ocr-* packages put the data, newest layout first.
    static let debianFolders = [
        "/usr/share/tesseract-ocr/5/tessdata",
        "/usr/share/tesseract-ocr/4.00/tessdata",
        "/usr/share/tessdata",
    ]

    /// The folder to read from: `explicit` if given, else TESSDATA_PREFIX from `environment`
    /// (Tesseract 4 and 5 take it to be the tessdata folder itself), else the first Debian folder
    /// that exists. A folder given by the caller or environment is used as is, existing or not:
    /// its languages are then reported missing, naming it.
    static func folder(
        explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(OCRError) -> String {
        if let explicit, !explicit.isEmpty { return trimmed(explicit) }
        if let prefix = environment["TESSDATA_PREFIX"], !prefix.isEmpty { return trimmed(prefix) }
        for folder in debianFolders where FileManager.default.fileExists(atPath: folder) {
            return folder
        }
        throw .dataFolderNotFound(searched: debianFolders)
    }

    /// The language codes with a .traineddata file in `folder`, sorted ("eng", "osd", ...).
    static func installedLanguages(in folder: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let suffix = ".traineddata"
        return files.filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    /// Checks that every language is a well-formed code whose file is in `folder`.
    static func validate(languages: [String], in folder: String) throws(OCRError) {
        guard !languages.isEmpty else { throw .invalidOptions(reason: "no language given") }
        for language in languages {
            guard isWellFormed(language) else { throw .invalidLanguage(language) }
            let file = "\(folder)/\(language).traineddata"
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw .languageDataMissing(
                    language: language, folder: folder, installed: installedLanguages(in: folder))
            }
        }
    }

    /// Letters, digits, "_" and "-", in segments joined by "/" (tessdata_best's "script/Latin"):
    /// nothing that leaves the folder or means "several languages" to Tesseract ("+").
    static func isWellFormed(_ language: String) -> Bool {
        let segments = language.split(separator: "/", omittingEmptySubsequences: false)
        return segments.allSatisfy { segment in
            !segment.isEmpty && segment.allSatisfy { character in
                character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
            }
        }
    }

    /// `folder` without trailing slashes (Tesseract appends its own), "/" kept.
    private static func trimmed(_ folder: String) -> String {
        var result = folder
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }
}
