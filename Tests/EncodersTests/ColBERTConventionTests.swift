import EmbeddingKernels
import EmbeddingTesting
import Foundation
import Testing
import Tokenizers
@testable import Encoders

/// ColBERT conventions (PyLate's `ColBERT`) on a small random-weight BERT with a Dense head,
/// built in a temporary folder the way PyLate saves a model: the default model's WordPiece
/// tokenizer plus the added tokens "[Q] " and "[D] ", modules.json with a `pylate.models.Dense.Dense`
/// module in `1_Dense/`, and the conventions in config_sentence_transformers.json.
@Suite struct ColBERTConventionTests {
    static let hidden = 32, headWidth = 8, queryLength = 12, documentLength = 20
    /// Ids PyLate's `tokenizer.add_tokens(["[Q] ", "[D] "])` gives after the 30522 WordPiece ids.
    static let queryMarker: Int32 = 30522, documentMarker: Int32 = 30523

    /// A model folder; `conventions` replaces the keys of config_sentence_transformers.json.
    static func makeModel(conventions: [String: Any]? = nil) throws -> (folder: TemporaryDirectory, head: [Float]) {
        let folder = try TemporaryDirectory()
        let source = Fixtures.defaultModel
        for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.url.appendingPathComponent(name))
        }
        // tokenizer.json with the two markers added as PyLate does (non-special added tokens).
        var tokenizer = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer.json"))) as? [String: Any])
        var added = try #require(tokenizer["added_tokens"] as? [[String: Any]])
        for (id, content) in [(queryMarker, "[Q] "), (documentMarker, "[D] ")] {
            added.append(["id": Int(id), "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false])
        }
        tokenizer["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: folder.url.appendingPathComponent("tokenizer.json"))
        let vocabulary = 30524, positions = 512, layers = 2
        try folder.write("config.json", """
            {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": \(hidden), "num_hidden_layers": \(layers),
             "num_attention_heads": 4, "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": \(positions),
             "type_vocab_size": 2, "layer_norm_eps": 1e-12, "vocab_size": \(vocabulary)}
            """)
        var generator = SplitMix(state: 11)
        func random(_ shape: [Int], scale: Float = 0.2) -> (shape: [Int], values: [Float]) {
            (shape, (0 ..< shape.reduce(1, *)).map { _ in generator.nextSigned() * scale })
        }
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        func add(_ name: String, _ shape: [Int], scale: Float = 0.2, offset: Float = 0) {
            let (s, v) = random(shape, scale: scale)
            tensors.append((name, s, v.map { $0 + offset }))
        }
        add("embeddings.word_embeddings.weight", [vocabulary, hidden])
        add("embeddings.position_embeddings.weight", [positions, hidden])
        add("embeddings.token_type_embeddings.weight", [2, hidden])
        add("embeddings.LayerNorm.weight", [hidden], scale: 0.1, offset: 1)
        add("embeddings.LayerNorm.bias", [hidden], scale: 0.1)
        for layer in 0 ..< layers {
            let p = "encoder.layer.\(layer)."
            for part in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                add(p + part + ".weight", [hidden, hidden])
                add(p + part + ".bias", [hidden], scale: 0.05)
            }
            add(p + "intermediate.dense.weight", [64, hidden])
            add(p + "intermediate.dense.bias", [64], scale: 0.05)
            add(p + "output.dense.weight", [hidden, 64])
            add(p + "output.dense.bias", [hidden], scale: 0.05)
            for norm in ["attention.output.LayerNorm", "output.LayerNorm"] {
                add(p + norm + ".weight", [hidden], scale: 0.1, offset: 1)
                add(p + norm + ".bias", [hidden], scale: 0.1)
            }
        }
        try SafetensorsWriter.write(tensors, to: folder.url.appendingPathComponent("model.safetensors"))
        let dense = folder.url.appendingPathComponent("1_Dense")
        try FileManager.default.createDirectory(at: dense, withIntermediateDirectories: true)
        try Data(#"{"in_features": \#(hidden), "out_features": \#(headWidth), "bias": false, "activation_function": "torch.nn.modules.linear.Identity"}"#.utf8)
            .write(to: dense.appendingPathComponent("config.json"))
        let head = random([headWidth, hidden], scale: 0.3).values
        try SafetensorsWriter.write([("linear.weight", [headWidth, hidden], head)], to: dense.appendingPathComponent("model.safetensors"))
        try folder.write("modules.json", """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Dense", "type": "pylate.models.Dense.Dense"}]
            """)
        let settings: [String: Any] = conventions ?? [
            "query_prefix": "[Q] ", "document_prefix": "[D] ", "query_length": queryLength, "document_length": documentLength,
            "attend_to_expansion_tokens": false, "skiplist_words": ColBERTConventions.punctuation, "do_query_expansion": true,
            "prompts": [String: String](), "similarity_fn_name": "MaxSim",
        ]
        try JSONSerialization.data(withJSONObject: settings).write(to: folder.url.appendingPathComponent("config_sentence_transformers.json"))
        return (folder, head)
    }

    static func load(_ folder: TemporaryDirectory) throws -> ColBERTTextEncoder {
        let bundle = try ModelBundle.load(directory: folder.url)
        return try #require(bundle.lateInteraction)
    }

    @Test func conventionsAndMarkerIDsAreReadFromTheFolder() throws {
        let (folder, _) = try Self.makeModel()
        let bundle = try ModelBundle.load(directory: folder.url)
        #expect(bundle.text == nil)
        let encoder = try #require(bundle.lateInteraction)
        #expect(encoder.conventions == ColBERTConventions(
            queryPrefix: "[Q] ", documentPrefix: "[D] ", queryLength: Self.queryLength, documentLength: Self.documentLength,
            attendToExpansionTokens: false, skiplistWords: ColBERTConventions.punctuation, doQueryExpansion: true))
        #expect(encoder.queryMarkerID == Self.queryMarker && encoder.documentMarkerID == Self.documentMarker)
        #expect(encoder.maskTokenID == 103)
        #expect(encoder.dimension == Self.headWidth)
        // string.punctuation: 32 characters, each its own WordPiece token.
        #expect(encoder.skiplistIDs.count == 32 && encoder.skiplistIDs.contains(1010) && encoder.skiplistIDs.contains(999))
    }

    @Test func missingKeysTakePyLateDefaults() throws {
        let (folder, _) = try Self.makeModel(conventions: ["prompts": [String: String]()])
        #expect(try Self.load(folder).conventions == .pylateDefaults)
    }

    @Test func queryHasMarkerAfterCLSAndIsPaddedWithMask() throws {
        let (folder, _) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let words = encoder.tokenizer.tokenIDs(of: "what is late interaction?")
        let input = try encoder.queryInput("what is late interaction?")
        let padding = Self.queryLength - 3 - words.count
        #expect(input.ids == [101, Self.queryMarker] + words + [102] + [Int32](repeating: 103, count: padding))
        #expect(input.attendable == [Bool](repeating: true, count: words.count + 3) + [Bool](repeating: false, count: padding))
        // Too long: the text is cut so that [CLS] [Q] … [SEP] is exactly query_length.
        let long = try encoder.queryInput(String(repeating: "retrieval ", count: 40))
        #expect(long.ids.count == Self.queryLength && long.truncated)
        #expect(long.ids.prefix(2) == [101, Self.queryMarker] && long.ids.last == 102 && !long.ids.contains(103))
    }

    @Test func documentHasMarkerNoPaddingAndIsCutAtDocumentLength() throws {
        let (folder, _) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let text = "Late interaction, as in ColBERT: one vector per token, scored by the maximum similarity of each query token!"
        let input = try encoder.documentInput(text)
        #expect(input.ids == [101, Self.documentMarker] + encoder.tokenizer.tokenIDs(of: text).prefix(Self.documentLength - 3) + [102])
        #expect(input.ids.count == Self.documentLength && input.attendable.allSatisfy { $0 })
        let short = try encoder.documentInput("hello")
        #expect(short.ids == [101, Self.documentMarker, encoder.tokenizer.tokenIDs(of: "hello")[0], 102])
    }

    /// Document vectors: every non-punctuation position of the forward pass, through the head
    /// (computed here by hand from the weights) and L2-normalised.
    @Test func documentVectorsSkipPunctuationAndApplyTheHead() throws {
        let (folder, head) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let text = "hello, world! (late) interaction."
        let input = try encoder.documentInput(text)
        let vectors = try #require(try encoder.encodeDocuments([text]).first)
        let states = encoder.model([input.ids])
        let kept = input.ids.indices.filter { !encoder.skiplistIDs.contains(input.ids[$0]) }
        #expect(kept.count == input.ids.count - 5)
        #expect(vectors.count == kept.count)
        for (vector, position) in zip(vectors, kept) {
            let expected = Self.projectAndNormalize(states.values.row(position), head: head)
            #expect(Closeness.maxAbsDifference(vector, expected) < 1e-5)
            #expect(abs(vector.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
        }
    }

    /// Expansion tokens yield vectors but are invisible to the query's own tokens: those rows
    /// equal the encoding of the unpadded query. With attend_to_expansion_tokens they differ.
    @Test func queryTokensDoNotAttendToExpansionTokens() throws {
        let (folder, head) = try Self.makeModel()
        let encoder = try Self.load(folder)
        let input = try encoder.queryInput("colbert query")
        let real = input.attendable.filter { $0 }.count
        let vectors = try #require(try encoder.encodeQueries(["colbert query"]).first)
        #expect(vectors.count == Self.queryLength)
        let alone = encoder.model([Array(input.ids.prefix(real))])
        for position in 0 ..< real {
            let expected = Self.projectAndNormalize(alone.values.row(position), head: head)
            #expect(Closeness.maxAbsDifference(vectors[position], expected) < 1e-5)
        }
        var settings = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.url.appendingPathComponent("config_sentence_transformers.json"))) as? [String: Any])
        settings["attend_to_expansion_tokens"] = true
        try JSONSerialization.data(withJSONObject: settings).write(to: folder.url.appendingPathComponent("config_sentence_transformers.json"))
        let attending = try Self.load(folder)
        #expect(try attending.queryInput("colbert query").attendable.allSatisfy { $0 })
        let mixed = try #require(try attending.encodeQueries(["colbert query"]).first)
        #expect(Closeness.maxAbsDifference(mixed[1], vectors[1]) > 1e-3)
    }

    @Test func withoutExpansionQueriesAreNotPadded() throws {
        let (folder, _) = try Self.makeModel(conventions: ["do_query_expansion": false, "attend_to_expansion_tokens": true, "query_length": 12])
        let encoder = try Self.load(folder)
        #expect(!encoder.conventions.attendToExpansionTokens)
        let input = try encoder.queryInput("short")
        #expect(input.ids == [101, Self.queryMarker, encoder.tokenizer.tokenIDs(of: "short")[0], 102])
        #expect(try encoder.encodeQueries(["short"])[0].count == 4)
    }

    /// Stanford ColBERT's markers are vocabulary tokens: [unused0] (id 1) and [unused1] (id 2).
    @Test func stanfordMarkersAndBadMarkers() throws {
        let (folder, _) = try Self.makeModel(conventions: ["query_prefix": "[unused0]", "document_prefix": "[unused1]"])
        let encoder = try Self.load(folder)
        #expect(encoder.queryMarkerID == 1 && encoder.documentMarkerID == 2)
        #expect(try encoder.documentInput("a").ids.prefix(2) == [101, 2])
        let (bad, _) = try Self.makeModel(conventions: ["query_prefix": "[QUERY]"])
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: bad.url) }
        let (wrongType, _) = try Self.makeModel(conventions: ["query_length": "32"])
        #expect(throws: ModelLoadError.self) { try ModelBundle.load(directory: wrongType.url) }
    }

    static func projectAndNormalize(_ row: [Float], head: [Float]) -> [Float] {
        let projected = (0 ..< headWidth).map { o in (0 ..< hidden).reduce(Float(0)) { $0 + head[o * hidden + $1] * row[$1] } }
        let norm = projected.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return projected.map { $0 / norm }
    }
}

/// SplitMix64 for the random weights.
private struct SplitMix {
    var state: UInt64
    mutating func nextSigned() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }
}
