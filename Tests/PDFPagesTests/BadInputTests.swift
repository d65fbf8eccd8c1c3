import EmbeddingTesting
import Foundation
import Testing

@testable import PDFPages

/// Files and requests a public endpoint will receive sooner or later. Each must end in the
/// right `PDFError`, naming the file, quickly, and leave no process behind.
@Suite struct BadInputTests {
    @Test func notAPDF() {
        let bytes = Array("GIF89a, or any other upload that is not a PDF at all".utf8)
        #expect(pdfError { try PDFFile(bytes: bytes, name: "cat.gif") } == .notPDF(name: "cat.gif"))
    }

    /// Noise behind a PDF header gets as far as poppler, which calls it damaged.
    @Test func noiseWithAHeader() {
        var generator = SeededGenerator(state: 7)
        let bytes = Array("%PDF-1.7\n".utf8) + (0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }
        guard case .damaged(let name, _) = pdfError({ try PDFFile(bytes: bytes, name: "noise.pdf") }) else {
            Issue.record("expected .damaged")
            return
        }
        #expect(name == "noise.pdf")
    }

    /// The two-page file with a few bytes overwritten, 20 ways: each either still works or
    /// fails with a PDFError, within the time limit; none crashes this process.
    @Test func corruptedBytes() throws {
        var generator = SeededGenerator(state: 42)
        let original = PDFBuilder.twoPages.bytes
        var outcomes: [String: Int] = [:]
        for _ in 0..<20 {
            var bytes = original
            for _ in 0..<8 {
                bytes[Int.random(in: 16..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let file = try PDFFile(bytes: bytes, name: "flipped.pdf", limits: PDFLimits(timeLimit: .seconds(10)))
                for page in 0..<file.pageCount {
                    _ = try file.textLayer(page: page, dpi: 20)
                    _ = try file.render(page: page, dpi: 20)
                }
                outcomes["opened", default: 0] += 1
            } catch {
                // Only PDFErrors can reach here: every call above throws(PDFError).
                outcomes[String("\(error)".prefix(24)), default: 0] += 1
            }
        }
        #expect(outcomes.values.reduce(0, +) == 20, "\(outcomes)")
    }

    @Test func emptyFile() throws {
        #expect(pdfError { try PDFFile(bytes: [], name: "nothing") } == .empty(name: "nothing"))
        let folder = try ScratchFolder()
        defer { folder.remove() }
        let path = try folder.write([], to: "empty.pdf")
        #expect(pdfError { try PDFFile(path: path) } == .empty(name: path))
    }

    @Test func missingFile() {
        let error = pdfError { try PDFFile(path: "/nonexistent/file.pdf") }
        #expect(error == .unreadable(name: "/nonexistent/file.pdf", reason: "No such file or directory"))
    }

    /// Junk before the header is accepted, as PDF readers accept it.
    @Test func headerAfterJunk() throws {
        let bytes = Array(repeating: UInt8(ascii: " "), count: 100) + PDFBuilder.twoPages.bytes
        #expect(try PDFFile(bytes: bytes, name: "padded.pdf").pageCount == 2)
    }

    /// Cut in the middle of its objects: no xref, no trailer, nothing poppler can rebuild.
    @Test func truncatedPDF() {
        let bytes = Array(PDFBuilder.twoPages.bytes.prefix(300))
        let error = pdfError { try PDFFile(bytes: bytes, name: "cut.pdf") }
        guard case .damaged(let name, let reason) = error else {
            Issue.record("expected .damaged, got \(String(describing: error))")
            return
        }
        #expect(name == "cut.pdf")
        #expect(reason.contains("xref") || reason.contains("trailer"), "poppler's message: \(reason)")
        #expect(error?.description.contains("cut.pdf") == true)
    }

    /// An /Encrypt dictionary whose user password is not empty (random /O and /U strings).
    @Test func passwordProtected() {
        var builder = PDFBuilder.twoPages
        builder.trailerExtra = "/Encrypt << /Filter /Standard /V 1 /R 2 /O <\(String(repeating: "11", count: 32))> "
            + "/U <\(String(repeating: "22", count: 32))> /P -4 >> "
            + "/ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]"
        #expect(pdfError { try PDFFile(bytes: builder.bytes, name: "secret.pdf") } == .encrypted(name: "secret.pdf"))
    }

    @Test func pageOutOfRange() throws {
        let file = try openTwoPages()
        for page in [-1, 2, Int.max] {
            let expected = PDFError.pageOutOfRange(name: "two-pages.pdf", page: page, pageCount: 2)
            #expect(pdfError { try file.textLayer(page: page, dpi: 72) } == expected)
            #expect(pdfError { try file.render(page: page, dpi: 72) } == expected)
        }
    }

    @Test func invalidResolution() throws {
        let file = try openTwoPages()
        for dpi in [0, -72, 10_001, Int.max] {
            #expect(pdfError { try file.render(page: 0, dpi: dpi) } == .invalidResolution(name: "two-pages.pdf", dpi: dpi))
            #expect(pdfError { try file.textLayer(page: 0, dpi: dpi) } == .invalidResolution(name: "two-pages.pdf", dpi: dpi))
        }
    }

    @Test func tooManyPages() {
        let error = pdfError { try openTwoPages(limits: PDFLimits(maxPages: 1)) }
        #expect(error == .tooManyPages(name: "two-pages.pdf", pageCount: 2, maxPages: 1))
    }

    /// A 200,000 pt (2,778 inch) square page is refused from its size: pdftoppm never starts
    /// (the stand-in here would leave a mark if it did). Its text layer is still readable.
    @Test func hugePageIsRefusedBeforeRendering() throws {
        let tools = try ScratchFolder.fakeTools(replacing: ["pdftoppm": "touch \"$(dirname \"$0\")/started\""])
        defer { tools.remove() }
        let builder = PDFBuilder(pages: [
            .init(content: PDFBuilder.text("big", x: 72, y: 72), mediaBox: "0 0 200000 200000")
        ])
        let file = try PDFFile(bytes: builder.bytes, name: "huge.pdf", tools: PopplerTools(directory: tools.path))
        let error = pdfError { try file.render(page: 0, dpi: 150) }
        #expect(error == .pageTooLarge(name: "huge.pdf", page: 0, width: 416_667, height: 416_667, maxPixels: 40_000_000))
        #expect(!FileManager.default.fileExists(atPath: tools.file("started")))
        #expect(try file.textLayer(page: 0, dpi: 1)?.words.map(\.text) == ["big"])

        // The limit is a parameter: 100 pixels is below even a 1 dpi Letter page (9 x 11).
        var small = try openTwoPages()
        small.limits.maxPixels = 98
        #expect(pdfError { try small.render(page: 0, dpi: 1) } == .pageTooLarge(name: "two-pages.pdf", page: 0, width: 9, height: 11, maxPixels: 98))
        small.limits.maxPixels = 99
        #expect(try small.render(page: 0, dpi: 1).rgb.count == 9 * 11 * 3)
    }

    /// A pdftoppm that never finishes (it sleeps, and so does a child it starts) is killed
    /// with its whole process group at the time limit, and reaped.
    @Test func hangingToolIsKilled() throws {
        let tools = try ScratchFolder.fakeTools(replacing: [
            "pdftoppm": "dir=$(dirname \"$0\"); echo $$ > \"$dir/pid\"; sleep 30 & echo $! > \"$dir/child\"; wait"
        ])
        defer { tools.remove() }
        var file = try openTwoPages(tools: PopplerTools(directory: tools.path))
        file.limits.timeLimit = .milliseconds(500)
        let start = ContinuousClock.now
        let error = pdfError { try file.render(page: 0, dpi: 50) }
        let elapsed = ContinuousClock.now - start
        #expect(error == .timedOut(name: "two-pages.pdf", tool: "pdftoppm", limit: .milliseconds(500)))
        #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(5))
        let shell = try #require(Int32(String(contentsOfFile: tools.file("pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let sleeper = try #require(Int32(String(contentsOfFile: tools.file("child"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var status: Int32 = 0
        #expect(waitpid(shell, &status, WNOHANG) == -1 && errno == ECHILD, "the child was reaped, no zombie is left")
        #expect(processIsGone(shell))
        #expect(processIsGone(sleeper), "the child's own child was killed with its group")
    }

    /// The real pdftoppm with a time limit no real run can meet.
    @Test func oneMillisecondTimeLimit() throws {
        var file = try openTwoPages()
        file.limits.timeLimit = .milliseconds(1)
        #expect(pdfError { try file.render(page: 0, dpi: 150) } == .timedOut(name: "two-pages.pdf", tool: "pdftoppm", limit: .milliseconds(1)))
        #expect(pdfError { try file.textLayer(page: 0, dpi: 150) } == .timedOut(name: "two-pages.pdf", tool: "pdftotext", limit: .milliseconds(1)))
    }

    @Test func popplerUtilsMissing() throws {
        let empty = try ScratchFolder()
        defer { empty.remove() }
        let error = pdfError { try openTwoPages(tools: PopplerTools(directory: empty.path)) }
        #expect(error == .toolMissing(tool: "pdfinfo", searched: [empty.path]))
        #expect(error?.description.contains("install poppler-utils (scripts/install-deps does it)") == true)
    }

    /// A 6000 x 6000 pt page at 72 dpi needs a 108 MB bitmap: under a 64 MiB address-space
    /// limit pdftoppm cannot have it. (It prints "Out of memory" and exits 0 with the header
    /// alone; the short image is what tells.)
    @Test func memoryLimitStopsTheRenderer() throws {
        let builder = PDFBuilder(pages: [.init(content: PDFBuilder.text("big", x: 72, y: 72), mediaBox: "0 0 6000 6000")])
        let file = try PDFFile(bytes: builder.bytes, name: "big.pdf", limits: PDFLimits(memoryLimitBytes: 64 << 20))
        let error = pdfError { try file.render(page: 0, dpi: 72) }
        guard case .toolFailed(let name, let tool, let reason) = error else {
            Issue.record("expected .toolFailed, got \(String(describing: error))")
            return
        }
        #expect(name == "big.pdf" && tool == "pdftoppm")
        #expect(reason.contains("Out of memory") && reason.contains("64 MiB"), "\(reason)")
    }

    @Test func crashingToolIsReported() throws {
        let tools = try ScratchFolder.fakeTools(replacing: ["pdftotext": "echo 'Internal Error: about to crash' >&2; kill -SEGV $$"])
        defer { tools.remove() }
        let file = try openTwoPages(tools: PopplerTools(directory: tools.path))
        let error = pdfError { try file.textLayer(page: 0, dpi: 72) }
        #expect(error == .toolFailed(
            name: "two-pages.pdf", tool: "pdftotext",
            reason: "killed by signal 11 (SIGSEGV) (memory limit 2048 MiB); last message: about to crash"))
    }

    @Test func textLayerOverItsLimit() throws {
        var file = try openTwoPages()
        file.limits.maxTextBytes = 200
        #expect(pdfError { try file.textLayer(page: 0, dpi: 72) } == .outputTooLarge(name: "two-pages.pdf", tool: "pdftotext", maxBytes: 200))
    }

    /// A stand-in that writes a PPM claiming a bigger image than the page: refused, not read.
    @Test func rendererWritingTooMuchIsStopped() throws {
        let tools = try ScratchFolder.fakeTools(replacing: ["pdftoppm": "printf 'P6\\n5000 5000\\n255\\n'; head -c 75000000 /dev/zero"])
        defer { tools.remove() }
        let file = try openTwoPages(tools: PopplerTools(directory: tools.path))
        let error = pdfError { try file.render(page: 0, dpi: 10) }
        #expect(error == .outputTooLarge(name: "two-pages.pdf", tool: "pdftoppm", maxBytes: 86 * 111 * 3 + 64))
    }
}
