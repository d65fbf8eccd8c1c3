import Encoders
import Foundation
import Pages
import Tokenizers
import WireProtocol

/// One embed call in the server's own terms, whichever transport (or collection operation)
/// it came from: the inputs, the options, and how the caller names its inputs in messages.
/// `EmbeddingService.embed(_ call: EmbedCall, ...)` answers it with an ``EmbedOutcome``. The
/// framed protocol's EmbedRequest is converted into one (`EmbedCall.init(_:)`, in
/// EmbeddingService+Wire.swift), and so are the inputs of Upsert, Search and Score
/// (``MultiVectorResolver``); another transport needs only its own conversion.
struct EmbedCall: Sendable {
    /// The model's name; "" is the server's default model.
    var model = ""
    var inputs: [EmbedInput]
    var output: EmbeddingOutput = .pooled
    var truncation: TruncationPolicy = .end
    /// Matryoshka size of pooled vectors; nil = the model's full size.
    var dimensions: Int?
    /// nil = the model's default.
    var normalize: Bool?
    var prompt: EmbedPrompt = .modelDefault
    /// Which side of a search the texts are on, for late-interaction models, which encode the
    /// two sides differently. nil: from the prompt name ("query" / "document", default
    /// document) for ColBERT-style models; texts are always queries for ColModernVBERT.
    var side: RetrievalSide?
    /// Fail the whole call when any input fails.
    var allOrNothing = false
    /// How the caller will encode the vectors: what the response-size limit counts.
    var encoding: Multiembed_V1_Encoding = .float32
    /// Names input i in error messages ("input 3" for Embed, "document 3" for an Upsert).
    var names: InputNames = .positions
}

/// One input to embed.
enum EmbedInput: Sendable {
    case text(String)
    /// An encoded image (PNG, JPEG); `name` (may be empty) is quoted in errors.
    case image(data: Data, name: String)
    /// An image already cut into patches: `rows x cols` patches of `channels x patchSize x
    /// patchSize` little-endian float32 values.
    case patches(rows: UInt32, cols: UInt32, patchSize: UInt32, channels: UInt32, data: Data)
    /// A document page (image or PDF page), read by the page readers.
    case page(Multiembed_V1_Page)
    /// An input with nothing in it.
    case empty
}

/// The prompt of a call: the model's default, a named prompt, or a free instruction ("" = none).
enum EmbedPrompt: Sendable, Equatable {
    case modelDefault
    case name(String)
    case instruction(String)
}

/// How a caller names its inputs in error messages.
struct InputNames: Sendable {
    let name: @Sendable (Int) -> String

    /// "input 3": a position in an embed call.
    static let positions = InputNames { "input \($0)" }

    subscript(index: Int) -> String { name(index) }
}

/// What one input was embedded into.
struct EmbeddedInput: Sendable {
    /// The pooled vector, when asked for and the model has one.
    var pooled: [Float]?
    /// One vector per token (or patch, the class token excluded), when asked for.
    var tokens: [[Float]]?
    /// The text was cut to fit the model.
    var truncated = false
    /// A Page input's text layer and the word of each token vector (nil: no text layer read).
    var page: PageAttachment?
}

/// An input that failed, with its position in the call; ``ServerError/message`` names it as
/// the call's ``InputNames`` do.
struct InputFailure: Error, Sendable {
    let index: Int
    let error: ServerError
}

/// The work an embed call took.
struct EmbedUsage: Sendable {
    var tokens = 0
    var patches = 0
    var pixels = 0
    var queueTime: Duration = .zero
    var inferenceTime: Duration = .zero
}

/// The answer to an ``EmbedCall``: one result per input, in input order.
struct EmbedOutcome: Sendable {
    let model: ServedModel
    var results: [Result<EmbeddedInput, InputFailure>]
    var usage: EmbedUsage

    /// The failed inputs, by index.
    var failures: [InputFailure] {
        results.compactMap { if case .failure(let failure) = $0 { failure } else { nil } }
    }
}

/// The full status of an all-or-nothing request that failed, carried as a ``ServerError``'s
/// cause so the dispatcher can send each input's error.
struct AllOrNothingFailure: Error, Sendable {
    let status: Multiembed_V1_Status

    init(status: Multiembed_V1_Status) {
        self.status = status
    }

    /// An embed call's: the first failure's code, and an InputError per failure.
    init(failures: [InputFailure]) {
        var status = Multiembed_V1_Status()
        if let first = failures.first {
            status.code = first.error.code
            status.message = "input \(first.index) failed and the request is all_or_nothing: \(first.error.message)"
            status.inputErrors = failures.map { EmbeddingService.inputError(($0.index, $0.error)) }
        }
        self.status = status
    }
}
