import Foundation
@testable import OCR
import Testing

/// Making an engine: where the language data is found, and every way it can fail, each naming
/// what was asked for.
extension OCRSuite {
@Suite struct EngineSetupTests {
    static let debianFolder = "/usr/share/tesseract-ocr/5/tessdata"

    @Test func defaultEngineReadsEnglishFromTheDebianFolder() throws {
        let engine = try OCREngine()
        #expect(engine.options.languages == ["eng"])
        let expected = ProcessInfo.processInfo.environment["TESSDATA_PREFIX"] ?? Self.debianFolder
        #expect(engine.dataFolder == expected)
    }

    /// The brief's case: a language whose data is not installed.
    @Test func missingLanguageListsTheInstalledOnes() throws {
        let installed = TessdataLocator.installedLanguages(in: Self.debianFolder)
        #expect(installed.contains("eng"))
        let expected = OCRError.languageDataMissing(language: "xxx", folder: Self.debianFolder, installed: installed)
        #expect(throws: expected) {
            try OCREngine(options: OCROptions(languages: ["xxx"], dataPath: Self.debianFolder))
        }
        #expect(throws: expected) {
            try OCREngine(options: OCROptions(languages: ["eng", "xxx"], dataPath: Self.debianFolder))
        }
        #expect(expected.description.hasPrefix(
            "no Tesseract data for language 'xxx': \(Self.debianFolder)/xxx.traineddata does not exist "
                + "(installed languages: \(installed.joined(separator: ", ")))"))
    }

    @Test func missingFolderReportsNoLanguages() {
        #expect(throws: OCRError.languageDataMissing(language: "eng", folder: "/nonexistent/tessdata", installed: [])) {
            try OCREngine(options: OCROptions(dataPath: "/nonexistent/tessdata/"))
        }
    }

    @Test(arguments: ["", "eng+deu", "../eng", "/etc/passwd", "eng/", "en g", "énglish"])
    func malformedLanguageCodes(code: String) {
        #expect(throws: OCRError.invalidLanguage(code)) {
            try OCREngine(options: OCROptions(languages: [code]))
        }
    }

    @Test func wellFormedLanguageCodes() {
        for code in ["eng", "chi_sim", "script/Latin", "deu-frak"] {
            #expect(TessdataLocator.isWellFormed(code), "\(code)")
        }
    }

    @Test func invalidOptions() {
        #expect(throws: OCRError.invalidOptions(reason: "no language given")) {
            try OCREngine(options: OCROptions(languages: []))
        }
        #expect(throws: OCRError.invalidOptions(reason: "time limit 0.0 seconds is not positive")) {
            try OCREngine(options: OCROptions(timeLimit: .zero))
        }
        #expect(throws: OCRError.invalidOptions(reason: "maxPixels 0 is not positive")) {
            try OCREngine(options: OCROptions(maxPixels: 0))
        }
    }

    @Test func dataFolderComesFromTheCallerThenTheEnvironmentThenDebian() throws {
        #expect(try TessdataLocator.folder(explicit: "/data/", environment: ["TESSDATA_PREFIX": "/env"]) == "/data")
        #expect(try TessdataLocator.folder(explicit: nil, environment: ["TESSDATA_PREFIX": "/env/"]) == "/env")
        #expect(try TessdataLocator.folder(explicit: nil, environment: [:]) == Self.debianFolder)
    }

    /// A .traineddata that is not one: Tesseract refuses it, and so do we, naming the folder.
    @Test func damagedLanguageData() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ocr-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(repeating: 0x5A, count: 4096).write(to: folder.appendingPathComponent("bad.traineddata"))
        #expect(throws: OCRError.engineInitFailed(languages: ["bad"], folder: folder.path)) {
            try OCREngine(options: OCROptions(languages: ["bad"], dataPath: folder.path))
        }
    }
}
}
