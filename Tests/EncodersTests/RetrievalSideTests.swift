import EmbeddingTesting
import Encoders
import Foundation
import Testing

/// The query/document convention that the CLI and the server share for non-ColBERT models.
@Suite struct RetrievalSideTests {
    /// tiny-clip linked into a folder of its own, with `settings` as its multiembed.json.
    private func model(_ settings: String) throws -> (TemporaryDirectory, TextEmbedder) {
        let folder = try TemporaryDirectory()
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.url("tiny-clip").path) {
            try FileManager.default.createSymbolicLink(
                at: folder.url.appendingPathComponent(name), withDestinationURL: Fixtures.url("tiny-clip/\(name)"))
        }
        try folder.write("multiembed.json", settings)
        return (folder, try #require(try ModelBundle.load(directory: folder.url).text))
    }

    @Test func theModelsQueryAndDocumentPromptsApplyToTheirSides() throws {
        let (_, text) = try model(#"{"prompts": {"query": "find: ", "document": "page: ", "other": "x "}, "default_prompt_name": "other"}"#)
        let query = try text.tokenize(["a cat"], options: text.retrievalOptions(.query, output: .multiVector))[0].get()
        let document = try text.tokenize(["a cat"], options: text.retrievalOptions(.document, output: .multiVector))[0].get()
        #expect(query.ids == (try text.tokenize(["find: a cat"], options: .init(instruction: ""))[0].get().ids))
        #expect(document.ids == (try text.tokenize(["page: a cat"], options: .init(instruction: ""))[0].get().ids))
    }

    @Test func withoutThemNoPromptApplyNotEvenTheDefault() throws {
        let (_, text) = try model(#"{"prompts": {"other": "x "}, "default_prompt_name": "other"}"#)
        let bare = try text.tokenize(["a cat"], options: .init(instruction: ""))[0].get().ids
        let defaulted = try text.tokenize(["a cat"], options: .init())[0].get().ids
        #expect(bare != defaulted)  // the default prompt is real, so leaving it out is visible
        for side in [RetrievalSide.query, .document] {
            #expect(try text.tokenize(["a cat"], options: text.retrievalOptions(side, output: .pooled))[0].get().ids == bare)
        }
    }
}
