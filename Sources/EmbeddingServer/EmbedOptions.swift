import Encoders
import ImageIO
import Tokenizers
import WireProtocol

/// A request's options, checked against the model and turned into the encoders' options.
struct EmbedOptions: Sendable {
    var text: TextEmbeddingOptions
    var image: ImageEmbeddingOptions
    var encoding: Multiembed_V1_Encoding
    var output: EmbeddingOutput

    /// For late-interaction models: the side texts are encoded as, and the instruction put
    /// before each text ("" = none).
    var side: RetrievalSide = .document
    var instruction = ""

    /// Checks the call's options against the model. Errors here fail the whole call.
    init(_ call: EmbedCall, model: ServedModel, limits: ServerLimits) throws(ServerError) {
        output = call.output
        encoding = call.encoding
        if output != .pooled, model.tokenDimension == 0 {
            throw ServerError(.unimplemented, "model \(model.name) has no multi-vector output")
        }
        if output != .multiVector, model.dimension == 0 {
            throw .invalidArgument(
                "model \(model.name) (\(model.bundle.encoders)) has no pooled embedding: ask for OUTPUT_MULTI_VECTOR")
        }
        var dimensions: Int?
        if let requested = call.dimensions {
            guard model.allowedDimensions.contains(requested) else {
                throw .invalidArgument(
                    "dimensions \(requested) is not allowed for model \(model.name); allowed: "
                        + model.allowedDimensions.map(String.init).joined(separator: ", "))
            }
            // The full size is no truncation; the encoders' own lists may omit it.
            dimensions = requested == model.dimension ? nil : requested
        }

        // Neither set = the model's default prompt; "" in either = no prompt at all.
        var promptName: String?
        var instruction: String?
        switch call.prompt {
        case .modelDefault:
            break
        case .instruction(let text):
            instruction = text
        case .name(let name) where name.isEmpty:
            instruction = ""
        case .name(let name):
            let prompts = model.prompts
            guard prompts[name] != nil else {
                let known = prompts.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw .notFound(
                    "unknown prompt '\(name)' for model \(model.name); "
                        + (known.isEmpty ? "it defines no prompts" : "it defines \(known)"))
            }
            promptName = name
        }
        switch model.bundle.encoders {
        case .lateInteractionText:
            // The prompt names are the two sides; the markers are applied whatever is asked.
            let named: RetrievalSide? = promptName.map { $0 == RetrievalSide.query.promptName ? .query : .document }
            if let side = call.side, let named, named != side {
                throw .invalidArgument(
                    "model \(model.name) encodes these texts as \(side.promptName)s; prompt '\(named.promptName)' asks for the other side")
            }
            side = call.side ?? named ?? .document
            self.instruction = instruction ?? ""
            guard call.truncation != .start else {
                throw .invalidArgument("model \(model.name) cuts long texts at the end only; TRUNCATE_START is not supported")
            }
        case .lateInteractionVisual:
            side = call.side ?? .query
            self.instruction = instruction ?? ""
        case .textEmbedder, .sharedTextImage:
            break
        }
        text = TextEmbeddingOptions(
            promptName: promptName, instruction: instruction, dimensions: dimensions, normalize: call.normalize,
            truncation: call.truncation, output: output)
        image = ImageEmbeddingOptions(
            output: output, normalize: call.normalize, dimensions: dimensions,
            limits: ImageLimits(
                maxPixels: limits.maxImagePixels, maxEncodedBytes: limits.maxImageBytes, maxPatches: limits.maxPatches,
                maxTiles: limits.maxTiles))
    }
}

extension ServerError {
    /// The request-level encoder errors, with their status codes.
    init(_ error: EmbeddingError) {
        switch error {
        case .unknownPrompt: self.init(.notFound, error.description)
        default: self.init(.invalidArgument, error.description)
        }
    }
}
