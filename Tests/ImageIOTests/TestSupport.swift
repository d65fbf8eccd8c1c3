import ImageIO
import Testing

/// The `ImageError` that `body` throws; records an issue (and returns nil) if it succeeds or
/// throws anything else.
func imageError<T>(
    _ body: () throws -> T, sourceLocation: SourceLocation = #_sourceLocation
) -> ImageError? {
    do {
        _ = try body()
        Issue.record("expected an ImageError, but decoding succeeded", sourceLocation: sourceLocation)
    } catch let error as ImageError {
        return error
    } catch {
        Issue.record("expected an ImageError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Deterministic pseudo-random integers (a 64-bit LCG), so synthetic images are reproducible.
struct SampleGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Int((state >> 33) % UInt64(bound))
    }
}
