internal import WireProtocol

/// How to embed: every field of the wire's `EmbedRequest` except the inputs, plus the call's
/// own timeout and deadline. The defaults ask for the server's defaults (the default model and
/// its default prompt, pooled float32 vectors normalised as the model says, texts cut at the end).
public struct EmbedOptions: Sendable, Hashable {
    /// The model's name as ``ServerInfo/models`` lists it; empty = the server's default model.
    public var model: String = ""

    /// The prompt prepended to texts; nil = the model's default prompt.
    public var prompt: Prompt? = nil

    /// Which vectors to compute.
    public var output: Output = .pooled

    /// Matryoshka truncation of pooled vectors to this many values (one of the model's
    /// `allowedDimensions`); nil = the model's full dimension.
    public var dimensions: Int? = nil

    /// Whether to L2-normalise pooled vectors; nil = the model's own choice.
    public var normalize: Bool? = nil

    /// How the server writes the vectors. Every encoding decodes back to `[Float]`; the
    /// compact ones trade precision for bytes on the wire.
    public var encoding: VectorEncoding = .float32

    /// What the server does with a text longer than the model takes.
    public var truncate: TruncatePolicy = .end

    /// false: a bad input fails alone (see ``EmbedResult/inputErrors``). true: any bad input
    /// fails the whole call with an ``EmbeddingClientError`` listing the culprits.
    public var allOrNothing: Bool = false

    /// How long the server may take before dropping the work (sent as `deadline_ms`, counted
    /// from the server's receipt); nil = the call's timeout, so the server never works on an
    /// answer the client has stopped waiting for.
    public var deadline: Duration? = nil

    /// How long this call waits for its answer; nil = ``ClientConfiguration/timeout``.
    public var timeout: Duration? = nil

    public init() {}

    /// The text prepended to every text input before tokenising.
    public enum Prompt: Sendable, Hashable {
        /// One of the model's prompts by name, such as "query" or "document".
        case named(String)
        /// A free instruction prepended exactly as written (include its separator).
        case instruction(String)
        /// No prompt at all, not even the model's default.
        case disabled
    }

    /// Which vectors to compute.
    public enum Output: Sendable, Hashable {
        /// One vector per input.
        case pooled
        /// One vector per token or patch, for late interaction.
        case multiVector
        /// Both, from one pass of the model.
        case both
    }

    /// What to do with a text longer than the model takes.
    public enum TruncatePolicy: Sendable, Hashable {
        /// Keep the start (sentence-transformers' behaviour).
        case end
        /// Keep the end.
        case start
        /// Fail the input with INVALID_ARGUMENT.
        case error
    }
}

/// How vector values travel on the wire.
public enum VectorEncoding: Sendable, Hashable {
    /// 4 bytes per value, exact.
    case float32
    /// 2 bytes per value, IEEE half precision.
    case float16
    /// 1 signed byte per value and one scale per vector.
    case int8
    /// 1 bit per value: the sign.
    case binary
}

extension EmbedOptions {
    /// The wire request for `inputs` with these options.
    func wireRequest(inputs: [EmbeddingInput]) throws(EmbeddingClientError)
        -> Multiembed_V1_EmbedRequest
    {
        var request = Multiembed_V1_EmbedRequest()
        request.model = self.model
        var wireInputs: [Multiembed_V1_Input] = []
        wireInputs.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            wireInputs.append(try input.wireInput(index: index))
        }
        request.inputs = wireInputs
        switch self.prompt {
        case nil: request.prompt = nil
        case .named(let name): request.promptName = name
        case .instruction(let text): request.instruction = text
        case .disabled?: request.instruction = ""
        }
        switch self.output {
        case .pooled: request.output = .pooled
        case .multiVector: request.output = .multiVector
        case .both: request.output = .both
        }
        if let dimensions = self.dimensions {
            guard let value = UInt32(exactly: dimensions), value > 0 else {
                throw EmbeddingClientError(
                    code: .invalidArgument, kind: .invalidRequest,
                    message: "dimensions must be positive, got \(dimensions)")
            }
            request.dimensions = value
        }
        switch self.normalize {
        case nil: request.normalize = .modelDefault
        case true?: request.normalize = .on
        case false?: request.normalize = .off
        }
        request.encoding = self.encoding.wire
        switch self.truncate {
        case .end: request.truncate = .end
        case .start: request.truncate = .start
        case .error: request.truncate = .error
        }
        request.allOrNothing = self.allOrNothing
        return request
    }
}

extension VectorEncoding {
    var wire: Multiembed_V1_Encoding {
        switch self {
        case .float32: .float32
        case .float16: .float16
        case .int8: .int8
        case .binary: .binary
        }
    }
}
