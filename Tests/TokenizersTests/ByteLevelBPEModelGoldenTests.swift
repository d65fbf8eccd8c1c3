import EmbeddingTesting
import Foundation
import Testing

@testable import Tokenizers

/// `tiny-modernbert-colbert/golden.json`: PyLate's input ids, made around the tokenizer.
struct ModernColBERTGolden: Decodable {
    struct Config: Decodable {
        var query_length: Int
        var document_length: Int
        var do_query_expansion: Bool
    }
    struct Case: Decodable {
        var text: String
        var input_ids: [Int32]
    }
    var config: Config
    var query_prefix_id: Int32
    var document_prefix_id: Int32
    var mask_token_id: Int32
    var queries: [Case]
    var documents: [Case]
}

/// `tiny-colmodernvbert/golden.json`: colpali-engine's query and visual-prompt ids.
struct ColModernVBERTGolden: Decodable {
    struct Query: Decodable {
        var text: String
        var input_ids: [Int32]
    }
    struct Image: Decodable {
        var file: String
        var input_ids: [Int32]
        var num_tiles: Int
        var num_image_tokens: Int
    }
    var image_seq_len: Int
    var visual_prompt_prefix: String
    var query_prefix: String
    var query_suffix: String
    var special_token_ids: [String: Int32]
    var queries: [Query]
    var images: [Image]
}

@Suite struct ByteLevelBPEModelGoldenTests {
    /// PyLate's framing (the golden's `pipeline`): the text alone truncated to `length - 1` ids
    /// with [CLS] … [SEP], queries padded with [MASK] to that length, then the marker after [CLS].
    static func pylateInput(
        _ tokenizer: BPETokenizer, text: String, length: Int, marker: Int32, expand: Bool
    ) throws -> [Int32] {
        var ids = try tokenizer.encode(text, maxLength: length - 1, truncation: .end).ids
        if expand, let mask = tokenizer.maskTokenID {
            ids += [Int32](repeating: mask, count: length - 1 - ids.count)
        }
        ids.insert(marker, at: 1)
        return ids
    }

    @Test func modernColBERTInputsMatchPyLate() throws {
        let golden = try Fixtures.load(ModernColBERTGolden.self, from: "tiny-modernbert-colbert/golden.json")
        let tokenizer = try BPETokenizer.load(modelDirectory: Fixtures.url("tiny-modernbert-colbert"))
        // The ids PyLate used are those the tokenizer names.
        #expect(tokenizer.tokenID("[Q] ") == golden.query_prefix_id)
        #expect(tokenizer.tokenID("[D] ") == golden.document_prefix_id)
        #expect(tokenizer.maskTokenID == golden.mask_token_id)
        #expect(golden.queries.count == 6 && golden.documents.count == 8)
        for query in golden.queries {
            let ids = try Self.pylateInput(
                tokenizer, text: query.text, length: golden.config.query_length, marker: golden.query_prefix_id,
                expand: golden.config.do_query_expansion)
            #expect(ids == query.input_ids, "query \(String(reflecting: query.text))")
        }
        for document in golden.documents {
            let ids = try Self.pylateInput(
                tokenizer, text: document.text, length: golden.config.document_length, marker: golden.document_prefix_id,
                expand: false)
            #expect(ids == document.input_ids, "document \(String(reflecting: document.text))")
        }
    }

    static func colModernVBERT() throws -> (ColModernVBERTGolden, BPETokenizer) {
        (
            try Fixtures.load(ColModernVBERTGolden.self, from: "tiny-colmodernvbert/golden.json"),
            try BPETokenizer.load(modelDirectory: Fixtures.url("tiny-colmodernvbert"))
        )
    }

    @Test func colModernVBERTSpecialTokensMatch() throws {
        let (golden, tokenizer) = try Self.colModernVBERT()
        #expect(golden.special_token_ids.count == 9)
        for (token, id) in golden.special_token_ids {
            #expect(tokenizer.tokenID(token) == id, "\(token)")
        }
        #expect(tokenizer.tokenID("<row_6_col_6>") == 1000)
        #expect(tokenizer.vocabularySize == 1001)
    }

    /// colpali-engine's process_queries: prefix + text + ten <end_of_utterance>, then the template.
    @Test func colModernVBERTQueriesMatch() throws {
        let (golden, tokenizer) = try Self.colModernVBERT()
        #expect(golden.queries.count == 5)
        #expect(golden.query_suffix == String(repeating: "<end_of_utterance>", count: 10))
        for query in golden.queries {
            let text = golden.query_prefix + query.text + golden.query_suffix
            let ids = try tokenizer.encode(text, maxLength: 8192, truncation: .error).ids
            #expect(ids == query.input_ids, "\(String(reflecting: query.text))")
        }
    }

    /// The prompt string Idefics3Processor builds for an image of `rows` x `columns` tiles (and
    /// the global image): each tile as <fake_token_around_image><row_r_col_c> and its image
    /// tokens, a newline after each row, then the global image between fake tokens.
    static func expandedPrompt(_ prefix: String, rows: Int, columns: Int, imageSequenceLength: Int) -> String {
        let images = String(repeating: "<image>", count: imageSequenceLength)
        var expansion = ""
        for row in 1...rows {
            for column in 1...columns { expansion += "<fake_token_around_image><row_\(row)_col_\(column)>" + images }
            expansion += "\n"
        }
        expansion += "\n<fake_token_around_image><global-img>" + images + "<fake_token_around_image>"
        return prefix.replacingOccurrences(of: "<image>", with: expansion)
    }

    @Test func colModernVBERTImagePromptsMatch() throws {
        let (golden, tokenizer) = try Self.colModernVBERT()
        // Tile layouts from the fixtures README: two pages of 2x2 tiles, a tall image of 2x1.
        let layouts = ["document-page.png": (2, 2), "photo-kafka.jpg": (2, 2), "tall-40x200.png": (2, 1)]
        #expect(golden.images.count == 3)
        for image in golden.images {
            let (rows, columns) = try #require(layouts[image.file])
            #expect(image.num_tiles == rows * columns + 1)
            let prompt = Self.expandedPrompt(
                golden.visual_prompt_prefix, rows: rows, columns: columns, imageSequenceLength: golden.image_seq_len)
            let ids = try tokenizer.encode(prompt, maxLength: 8192, truncation: .error).ids
            #expect(ids == image.input_ids, "\(image.file)")
            #expect(ids.filter { $0 == golden.special_token_ids["<image>"] }.count == image.num_image_tokens)
        }
    }
}
