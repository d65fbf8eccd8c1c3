import EmbeddingTesting
import Foundation

/// `Tests/Fixtures/minilm/golden.json`: sentence-transformers outputs of all-MiniLM-L6-v2.
struct MiniLMGolden: Decodable {
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

    let max_seq_length: Int
    let cases: [Case]
    let token_outputs: [TokenOutput]

    static func load() throws -> MiniLMGolden {
        try Fixtures.load(MiniLMGolden.self, from: "minilm/golden.json")
    }
}
