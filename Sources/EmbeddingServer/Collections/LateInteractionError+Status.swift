import LateInteraction
import WireProtocol

extension ServerError {
    /// A store or scoring error with the status code the contract gives it (collections.proto,
    /// Protos/README.md): vectors that do not fit a collection are FAILED_PRECONDITION, a
    /// checksum failure DATA_LOSS, a failed system call INTERNAL (a server fault, not the
    /// client's), the rest INVALID_ARGUMENT, NOT_FOUND or ALREADY_EXISTS.
    init(_ error: LateInteractionError) {
        let code: Multiembed_V1_Code =
            switch error {
            case .dimensionMismatch: .failedPrecondition
            case .nonFiniteValue, .empty, .invalidTopK, .invalidArgument, .duplicateID: .invalidArgument
            case .unknownCollection: .notFound
            case .collectionExists: .alreadyExists
            case .io: .internal
            case .corrupt: .dataLoss
            }
        self.init(code, error.description, cause: error)
    }
}
