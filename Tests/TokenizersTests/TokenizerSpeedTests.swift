import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// Tokenising speed on a corpus of one text per line, in µs per text, printed.
///
/// Opt-in, since timings are only meaningful in release builds on a quiet machine:
/// `TOKENIZERS_BENCH_TEXTS=/work/shared/bench/texts-1024.txt swift test -c release -Xswiftc -enable-testing --filter TokenizerSpeed`
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TOKENIZERS_BENCH_TEXTS"] != nil))
struct TokenizerSpeedTests {
    let texts: [String]

    init() throws {
        let path = try #require(ProcessInfo.processInfo.environment["TOKENIZERS_BENCH_TEXTS"])
        texts = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func wordPiece() throws {
        let tokenizer = try timed("WordPiece load (tokenizer.json)") {
            try WordPieceTokenizer.load(modelDirectory: Fixtures.defaultModel)
        }
        try measure("WordPiece (all-MiniLM-L6-v2)", tokenizer: tokenizer, maxLength: 256, texts: texts)
        let multilingual = try MiniLMGolden.load().cases.map(\.text)
        try measure("WordPiece, golden texts (multilingual)", tokenizer: tokenizer, maxLength: 256, texts: multilingual)
    }

    @Test func clipBPE() throws {
        let tokenizer = try timed("CLIP load (tokenizer.json)") {
            try ClipBPETokenizer.load(modelDirectory: Fixtures.url("tiny-clip"))
        }
        try measure("CLIP BPE (cold cache, first pass)", tokenizer: tokenizer, maxLength: 77, texts: texts, rounds: 1)
        try measure("CLIP BPE (warm cache)", tokenizer: tokenizer, maxLength: 77, texts: texts)
        let multilingual = try ClipGolden.load().texts.map(\.text)
        try measure("CLIP BPE, golden texts (multilingual)", tokenizer: tokenizer, maxLength: 77, texts: multilingual)
    }

    private func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        let start = ContinuousClock.now
        let result = try body()
        print("\(name): \(ContinuousClock.now - start)")
        return result
    }

    private func measure(
        _ name: String, tokenizer: some TextTokenizer, maxLength: Int, texts: [String], rounds: Int = 20
    ) throws {
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<rounds {
            let clock = ContinuousClock()
            var count = 0
            let elapsed = try clock.measure {
                for text in texts {
                    count += try tokenizer.encode(text, maxLength: maxLength, truncation: .end).ids.count
                }
            }
            tokens = count
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            best = min(best, seconds)
        }
        let perText = best / Double(texts.count) * 1e6
        print("\(name): \(String(format: "%.2f", perText)) µs per text, \(tokens) tokens for \(texts.count) texts (best of \(rounds))")
        #expect(tokens >= texts.count * 2)
    }
}
