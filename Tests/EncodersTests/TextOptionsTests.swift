import EmbeddingKernels
import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// Prompts, instructions, Matryoshka dimensions, truncation and awkward texts on the real model.
@Suite struct TextOptionsTests {
    /// The default model with two prompts added, as config_sentence_transformers.json holds them.
    static let prompted = Result { () throws -> (TemporaryDirectory, TextEmbedder) in
        let folder = try TemporaryDirectory.copyOfDefaultModel()
        try folder.write("config_sentence_transformers.json", #"{"prompts": {"query": "query: ", "document": "passage: "}, "default_prompt_name": null}"#)
        let bundle = try ModelBundle.load(directory: folder.url)
        return (folder, bundle.text!)
    }

    var embedder: TextEmbedder { get throws { try Self.prompted.get().1 } }

    @Test func promptIsExactlyAPrefix() throws {
        let embedder = try embedder
        let text = "how do cats sleep?"
        let withPrompt = try embedder.tokenize([text], options: .init(promptName: "query"))[0].get()
        let concatenated = try embedder.tokenize(["query: " + text], options: .init())[0].get()
        #expect(withPrompt.ids == concatenated.ids)
        let a = try embedder.embed([text], options: .init(promptName: "query"))[0].get().pooled
        let b = try embedder.embed(["query: " + text])[0].get().pooled
        #expect(a == b)
        let plain = try embedder.embed([text])[0].get().pooled
        #expect(a != plain, "a prompt must change the embedding")
        let instructed = try embedder.embed([text], options: .init(instruction: "Represent this question: "))[0].get().pooled
        let manual = try embedder.embed(["Represent this question: " + text])[0].get().pooled
        #expect(instructed == manual)
    }

    @Test func unknownPromptAndConflictingOptionsAreRejected() throws {
        let embedder = try embedder
        #expect(throws: EmbeddingError.unknownPrompt(name: "nope", available: ["document", "query"])) {
            try embedder.embed(["x"], options: .init(promptName: "nope"))
        }
        #expect(throws: EmbeddingError.promptAndInstruction) {
            try embedder.embed(["x"], options: .init(promptName: "query", instruction: "y"))
        }
        let message = EmbeddingError.unknownPrompt(name: "nope", available: ["query", "document"]).description
        #expect(message.contains("'document', 'query'"))
    }

    @Test func matryoshkaTruncatesThenRenormalises() throws {
        let embedder = try embedder
        let full = try #require(try embedder.embed(["a small test"], options: .init(normalize: false))[0].get().pooled)
        let short = try #require(try embedder.embed(["a small test"], options: .init(dimensions: 128))[0].get().pooled)
        #expect(short.count == 128)
        let expected = VectorMath.normalized(Array(full.prefix(128)))
        #expect(Closeness.maxAbsDifference(short, expected) < 1e-6)
        #expect(throws: EmbeddingError.self) { try embedder.embed(["x"], options: .init(dimensions: 0)) }
        #expect(throws: EmbeddingError.self) { try embedder.embed(["x"], options: .init(dimensions: 385)) }
    }

    @Test func awkwardTextsEmbed() throws {
        let embedder = try embedder
        let megabyte = String(repeating: "word ", count: 200_000)
        let texts = ["", "   \t\n ", megabyte, "nul\u{0}inside", "\u{7}\u{1b}[31mcontrol", "🙂🙂", "日本語のテキスト"]
        let results = try embedder.embed(texts)
        for (index, result) in results.enumerated() {
            let embedding = try result.get()
            let pooled = try #require(embedding.pooled)
            #expect(pooled.count == 384 && pooled.allSatisfy(\.isFinite), "input \(index)")
        }
        let long = try results[2].get()
        #expect(long.tokenCount == 256 && long.truncated)
        #expect(try results[0].get().tokenCount == 2)
    }

    @Test func overLongTextFailsAloneWhenTruncationIsError() throws {
        let embedder = try embedder
        let long = String(repeating: "token ", count: 400)
        let results = try embedder.embed(["fine", long, "also fine"], options: .init(truncation: .error))
        #expect((try? results[0].get()) != nil)
        #expect((try? results[2].get()) != nil)
        guard case .failure(.inputTooLong(let index, let tokens, let limit)) = results[1] else {
            Issue.record("expected inputTooLong, got \(results[1])")
            return
        }
        #expect(index == 1 && tokens > 256 && limit == 256)
        // A request limit below the model's applies too.
        let capped = try embedder.embed([long], options: .init(maxLength: 16))[0].get()
        #expect(capped.tokenCount == 16)
    }
}
