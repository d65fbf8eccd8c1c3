import EmbeddingTesting
import Foundation

/// `Tests/Fixtures/tiny-modernbert/golden.json`: sentence-transformers outputs of a random-weight
/// ModernBERT (4 layers: full, sliding, sliding, full; local window 4 either side).
struct ModernBertGolden: Decodable {
    struct Case: Decodable {
        let text: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    struct TokenOutput: Decodable {
        let text: String
        let input_ids: [Int32]
        let last_hidden_state: [[Float]]
    }

    struct PromptCase: Decodable {
        let text: String
        let prompt_name: String
        let prompt: String
        let input_ids: [Int32]
        let embedding: [Float]
    }

    let max_seq_length: Int
    let sliding_window_half: Int
    let cases: [Case]
    let token_outputs: [TokenOutput]
    let query_prompt_cases: [PromptCase]

    static let folder = "tiny-modernbert"

    static func load() throws -> ModernBertGolden {
        try Fixtures.load(ModernBertGolden.self, from: "\(folder)/golden.json")
    }
}
