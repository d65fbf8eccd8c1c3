import Encoders
import WireProtocol

/// The prompt a late-interaction request asked for: the model's convention for the text's role
/// (its oneof left unset), a named prompt, or a free instruction ("" = none).
enum PromptChoice: Sendable, Equatable {
    case convention
    case promptName(String)
    case instruction(String)

    /// The embed call's prompt that carries this choice for `role` on `model`: the model's
    /// "query" / "document" prompt when it defines one, else no prompt at all. Not the model's
    /// default prompt, which is chosen for pooled embeddings, not for one side of a search.
    /// (Late-interaction models get the side itself, ``EmbedCall/side``.)
    func embedPrompt(role: RetrievalSide, model: ServedModel) -> EmbedPrompt {
        switch self {
        case .promptName(let name): return .name(name)
        case .instruction(let text): return .instruction(text)
        case .convention:
            guard let text = model.bundle.text else { return .instruction("") }
            return text.retrievalOptions(role, output: .multiVector).promptName.map { .name($0) } ?? .instruction("")
        }
    }
}

extension PromptChoice {
    init(_ prompt: Multiembed_V1_UpsertRequest.OneOf_Prompt?) {
        switch prompt {
        case nil: self = .convention
        case .promptName(let name)?: self = .promptName(name)
        case .instruction(let text)?: self = .instruction(text)
        }
    }

    init(_ prompt: Multiembed_V1_SearchRequest.OneOf_Prompt?) {
        switch prompt {
        case nil: self = .convention
        case .promptName(let name)?: self = .promptName(name)
        case .instruction(let text)?: self = .instruction(text)
        }
    }

    init(_ prompt: Multiembed_V1_ScoreRequest.OneOf_QueryPrompt?) {
        switch prompt {
        case nil: self = .convention
        case .queryPromptName(let name)?: self = .promptName(name)
        case .queryInstruction(let text)?: self = .instruction(text)
        }
    }

    init(_ prompt: Multiembed_V1_ScoreRequest.OneOf_DocumentPrompt?) {
        switch prompt {
        case nil: self = .convention
        case .documentPromptName(let name)?: self = .promptName(name)
        case .documentInstruction(let text)?: self = .instruction(text)
        }
    }
}
