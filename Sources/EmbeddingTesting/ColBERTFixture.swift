import Foundation

/// A small random-weight ColBERT-style model folder laid out as PyLate saves one: the default
/// model's WordPiece tokenizer with the added markers "[Q] " and "[D] ", a 2-layer BERT of width
/// 32, a Dense head to 8 values in `1_Dense/`, and the conventions in
/// config_sentence_transformers.json (query length 12, document length 20, PyLate's skip list
/// by default). For tests of code that serves or indexes such models; the weights are noise,
/// so only exactness, not relevance, can be tested with it.
public enum ColBERTFixture {
    public static let hidden = 32, headWidth = 8, queryLength = 12, documentLength = 20

    /// Writes the model into a new temporary folder (removed when it is released).
    public static func make() throws -> TemporaryDirectory {
        try makeWithHead().folder
    }

    /// The model and its Dense head's weight (`[headWidth, hidden]`, row-major), for tests that
    /// recompute the head; `conventions`, when given, is written as the whole of
    /// config_sentence_transformers.json instead of the defaults.
    public static func makeWithHead(conventions: [String: Any]? = nil) throws -> (folder: TemporaryDirectory, head: [Float]) {
        let folder = try TemporaryDirectory()
        let source = Fixtures.defaultModel
        for name in ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: folder.url.appendingPathComponent(name))
        }
        // tokenizer.json with the two markers added after the 30522 WordPiece ids, as PyLate's
        // `tokenizer.add_tokens(["[Q] ", "[D] "])` does (non-special added tokens).
        guard var tokenizer = try JSONSerialization.jsonObject(with: Data(contentsOf: source.appendingPathComponent("tokenizer.json"))) as? [String: Any],
              var added = tokenizer["added_tokens"] as? [[String: Any]]
        else { throw CocoaError(.fileReadCorruptFile) }
        for (id, content) in [(30522, "[Q] "), (30523, "[D] ")] {
            added.append(["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false])
        }
        tokenizer["added_tokens"] = added
        try JSONSerialization.data(withJSONObject: tokenizer).write(to: folder.url.appendingPathComponent("tokenizer.json"))
        let vocabulary = 30524, positions = 512, layers = 2, intermediate = 64
        try folder.write("config.json", """
            {"architectures": ["BertModel"], "model_type": "bert", "hidden_size": \(hidden), "num_hidden_layers": \(layers),
             "num_attention_heads": 4, "intermediate_size": \(intermediate), "hidden_act": "gelu", "max_position_embeddings": \(positions),
             "type_vocab_size": 2, "layer_norm_eps": 1e-12, "vocab_size": \(vocabulary)}
            """)
        var generator = SeededGenerator(state: 11)
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        func add(_ name: String, _ shape: [Int], scale: Float = 0.2, offset: Float = 0) {
            let values = (0..<shape.reduce(1, *)).map { _ in Float.random(in: -1...1, using: &generator) * scale + offset }
            tensors.append((name, shape, values))
        }
        add("embeddings.word_embeddings.weight", [vocabulary, hidden])
        add("embeddings.position_embeddings.weight", [positions, hidden])
        add("embeddings.token_type_embeddings.weight", [2, hidden])
        add("embeddings.LayerNorm.weight", [hidden], scale: 0.1, offset: 1)
        add("embeddings.LayerNorm.bias", [hidden], scale: 0.1)
        for layer in 0..<layers {
            let p = "encoder.layer.\(layer)."
            for part in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                add(p + part + ".weight", [hidden, hidden])
                add(p + part + ".bias", [hidden], scale: 0.05)
            }
            add(p + "intermediate.dense.weight", [intermediate, hidden])
            add(p + "intermediate.dense.bias", [intermediate], scale: 0.05)
            add(p + "output.dense.weight", [hidden, intermediate])
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
        let head = (0..<(headWidth * hidden)).map { _ in Float.random(in: -1...1, using: &generator) * 0.3 }
        try SafetensorsWriter.write([("linear.weight", [headWidth, hidden], head)], to: dense.appendingPathComponent("model.safetensors"))
        try folder.write("modules.json", """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Dense", "type": "pylate.models.Dense.Dense"}]
            """)
        if let conventions {
            try JSONSerialization.data(withJSONObject: conventions).write(to: folder.url.appendingPathComponent("config_sentence_transformers.json"))
        } else {
            try folder.write("config_sentence_transformers.json", """
                {"query_prefix": "[Q] ", "document_prefix": "[D] ", "query_length": \(queryLength), "document_length": \(documentLength),
                 "do_query_expansion": true, "attend_to_expansion_tokens": false, "prompts": {}, "similarity_fn_name": "MaxSim"}
                """)
        }
        return (folder, head)
    }
}
