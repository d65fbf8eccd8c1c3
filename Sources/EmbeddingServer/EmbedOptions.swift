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

    /// Checks the request-level fields. Errors here fail the whole request.
    init(_ request: Multiembed_V1_EmbedRequest, model: ServedModel, limits: ServerLimits) throws(ServerError) {
        switch request.output {
        case .pooled: output = .pooled
        case .multiVector: output = .multiVector
        case .both: output = .both
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown output \(value)")
        }
        if output != .pooled, model.tokenDimension == 0 {
            throw ServerError(.unimplemented, "model \(model.name) has no multi-vector output")
        }
        switch request.encoding {
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown encoding \(value)")
        default: encoding = request.encoding
        }
        let truncation: TruncationPolicy
        switch request.truncate {
        case .end: truncation = .end
        case .start: truncation = .start
        case .error: truncation = .error
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown truncate \(value)")
        }
        var dimensions: Int?
        if request.dimensions != 0 {
            let requested = Int(request.dimensions)
            guard model.allowedDimensions.contains(requested) else {
                throw .invalidArgument(
                    "dimensions \(requested) is not allowed for model \(model.name); allowed: "
                        + model.allowedDimensions.map(String.init).joined(separator: ", "))
            }
            // The full size is no truncation; the encoders' own lists may omit it.
            dimensions = requested == model.dimension ? nil : requested
        }
        let normalize: Bool?
        switch request.normalize {
        case .modelDefault: normalize = nil
        case .on: normalize = true
        case .off: normalize = false
        case .UNRECOGNIZED(let value): throw .invalidArgument("unknown normalize \(value)")
        }

        // Neither set = the model's default prompt; "" in either = no prompt at all.
        var promptName: String?
        var instruction: String?
        switch request.prompt {
        case nil:
            break
        case .instruction(let text):
            instruction = text
        case .promptName(let name) where name.isEmpty:
            instruction = ""
        case .promptName(let name):
            let prompts = model.bundle.text?.pipeline.prompts ?? [:]
            guard prompts[name] != nil else {
                let known = prompts.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
                throw .notFound(
                    "unknown prompt '\(name)' for model \(model.name); "
                        + (known.isEmpty ? "it defines no prompts" : "it defines \(known)"))
            }
            promptName = name
        }
        text = TextEmbeddingOptions(
            promptName: promptName, instruction: instruction, dimensions: dimensions, normalize: normalize,
            truncation: truncation, output: output)
        image = ImageEmbeddingOptions(
            output: output, normalize: normalize, dimensions: dimensions,
            limits: ImageLimits(
                maxPixels: limits.maxImagePixels, maxEncodedBytes: limits.maxImageBytes, maxPatches: limits.maxPatches))
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
