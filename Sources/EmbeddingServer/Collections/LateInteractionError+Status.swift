import LateInteraction
import WireProtocol

extension ServerError {
    /// A store or scoring error with the status code the contract gives it (collections.proto,
    /// Protos/README.md): vectors that do not fit a collection are FAILED_PRECONDITION, a
    /// checksum failure or a damaged collection DATA_LOSS, a full disk (ENOSPC, EDQUOT)
    /// RESOURCE_EXHAUSTED, another failed system call INTERNAL (a server fault, not the
    /// client's), as is a statement an external store failed; an external store that cannot be
    /// reached UNAVAILABLE (the client may retry), the rest INVALID_ARGUMENT, NOT_FOUND or ALREADY_EXISTS (also for creating a
    /// collection over a damaged one of that name).
    init(_ error: LateInteractionError) {
        let code: Multiembed_V1_Code =
            switch error {
            case .dimensionMismatch: .failedPrecondition
            case .nonFiniteValue, .empty, .invalidTopK, .invalidArgument, .duplicateID: .invalidArgument
            case .unknownCollection: .notFound
            case .collectionExists, .damagedCollectionExists: .alreadyExists
            case .diskFull: .resourceExhausted
            case .missingPooledVectors: .failedPrecondition
            case let .io(_, _, code): LateInteractionError.isFullDisk(code) ? .resourceExhausted : .internal
            case .corrupt, .damaged: .dataLoss
            case .storeUnavailable: .unavailable
            case .storeFailed: .internal
            }
        self.init(code, error.description, cause: error)
    }
}
