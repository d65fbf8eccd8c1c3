import EmbeddingTesting
import Foundation
import Testing

/// `multiembed embed --images`, `similarity` and `bench image` on the tiny CLIP fixture.
@Suite struct ImageCommandTests {
    let model = Fixtures.url("tiny-clip").path

    @Test func embedsAFolderRecursivelyInSortedOrder() throws {
        let folder = try TemporaryDirectory()
        let nested = folder.url.appendingPathComponent("pages/scans")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        for name in ["photo-kafka.jpg", "gradient-rgba.png"] {
            try FileManager.default.copyItem(at: Fixtures.url("images/\(name)"), to: nested.appendingPathComponent(name))
        }
        try Data("not an image".utf8).write(to: folder.url.appendingPathComponent("notes.txt"))
        let output = try CommandRunner.run(["embed", "--model", model, "--images", folder.url.path, "--multi-vector"])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = try output.jsonLines()
        #expect(lines.map { ($0["file"] as? String).map { ($0 as NSString).lastPathComponent } } == ["gradient-rgba.png", "photo-kafka.jpg"])
        let embedding = EmbedCommandTests.floats(lines[0]["embedding"])
        #expect(embedding.count == 24 && abs(embedding.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4)
        #expect((lines[0]["vectors"] as? [Any])?.count == 17)
    }

    @Test func anImageFileOverMaxImageBytesIsRefusedUnreadAndAlone() throws {
        let small = Fixtures.url("images/tiny-10x7.png").path
        let large = Fixtures.url("images/photo-kafka.jpg").path
        let limit = try FileManager.default.attributesOfItem(atPath: small)[.size] as! Int
        let output = try CommandRunner.run(["embed", "--model", model, "--max-image-bytes", "\(limit)", "--images", small, large])
        #expect(output.status != 0 && !output.crashed)
        let lines = try output.jsonLines()
        #expect(lines.count == 2 && lines[0]["embedding"] != nil)
        let error = lines[1]["error"] as? String ?? ""
        #expect(error.contains("photo-kafka.jpg") && error.contains("--max-image-bytes"), "\(error)")
    }

    @Test func aBadImageFailsAloneAndInstructionsAreRefused() throws {
        let folder = try TemporaryDirectory()
        let corrupt = folder.url.appendingPathComponent("corrupt.png")
        let png = try Data(contentsOf: Fixtures.url("images/gradient-rgb.png"))
        try png.prefix(png.count / 3).write(to: corrupt)
        let output = try CommandRunner.run(["embed", "--model", model, "--images", Fixtures.url("images/tiny-10x7.png").path, corrupt.path])
        #expect(output.status != 0 && !output.crashed)
        let lines = try output.jsonLines()
        #expect(lines.count == 2 && lines[0]["embedding"] != nil)
        #expect((lines[1]["error"] as? String)?.contains("corrupt.png") == true)
        let instructed = try CommandRunner.run(["embed", "--model", model, "--images", corrupt.path, "--instruction", "x"])
        #expect(instructed.status != 0 && instructed.stderr.contains("instructions apply to texts"))
        let textModel = try CommandRunner.run(["embed", "--model", Fixtures.defaultModel.path, "--images", corrupt.path])
        #expect(textModel.status != 0 && textModel.stderr.contains("no image encoder"))
    }

    /// One pixel limit for the command line and the server (issue 13): `embed` refuses an image
    /// over ImageLimits' default, 40,000,000 pixels, from its header, and both help texts say so.
    @Test func pixelLimitIsTheServersOne() throws {
        let folder = try TemporaryDirectory()
        let big = folder.url.appendingPathComponent("big.png")
        // 6400 x 7000 = 44,800,000 pixels: over 40,000,000, under the 50,000,000 the CLI had.
        let be32 = { (value: Int) in [24, 16, 8, 0].map { UInt8((value >> $0) & 0xFF) } }
        let header: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8)
            + be32(6400) + be32(7000) + [8, 2, 0, 0, 0] + be32(0)
        try Data(header + be32(0) + Array("IEND".utf8) + be32(0)).write(to: big)
        let output = try CommandRunner.run(["embed", "--model", model, "--images", big.path])
        #expect(output.status != 0 && !output.crashed)
        let error = try output.jsonLines().first?["error"] as? String
        #expect(error?.contains("over the limit of 40000000 pixels") == true, "\(error ?? output.stderr)")
        for command in ["embed", "serve"] {
            // Help is wrapped to the terminal's width: compare with the line breaks undone.
            let help = try CommandRunner.run([command, "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(help.contains("--max-image-pixels") && help.contains("default: 40000000"), "\(command): \(help)")
        }
    }

    @Test func similarityPrintsTheScoreMatrix() throws {
        let output = try CommandRunner.run([
            "similarity", "--model", model, "--text", "a photo", "a diagram", "--json",
            "--images", Fixtures.url("images/photo-kafka.jpg").path, Fixtures.url("images/diagram-clip.png").path,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        let scores = object?["scores"] as? [[Double]]
        #expect(scores?.count == 2 && scores?.allSatisfy { $0.count == 2 && $0.allSatisfy { abs($0) <= 1 } } == true)
    }

    @Test func benchImagePrintsOneParsableLine() throws {
        let output = try CommandRunner.run(["bench", "image", "--model", model, "--images", "4", "--batch-size", "2"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("images=4 batch=2 ") && output.stdout.contains("images_per_s="))
    }
}
