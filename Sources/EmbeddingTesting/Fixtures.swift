import Foundation

/// Locates the reference fixtures committed under `Tests/Fixtures` and the default model under
/// `models/`, relative to this source file, so tests run from any working directory without
/// bundling resources.
public enum Fixtures {
    /// The repository root (three levels above this file: Sources/EmbeddingTesting/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relativePath>`.
    public static func url(_ relativePath: String) -> URL {
        repositoryRoot.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relativePath)
    }

    /// The default model folder, fetched by `scripts/fetch-default-model` (`make test` does it).
    public static var defaultModel: URL {
        repositoryRoot.appendingPathComponent("models/all-MiniLM-L6-v2")
    }

    /// Decodes a JSON fixture into `T`.
    public static func load<T: Decodable>(_ type: T.Type, from relativePath: String) throws -> T {
        let data = try Data(contentsOf: url(relativePath))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Closeness checks with the tolerances of Tests/Fixtures/README.md.
public enum Closeness {
    /// Largest absolute difference between two equally long vectors (infinity if lengths differ).
    public static func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        var worst: Float = 0
        for i in a.indices { worst = max(worst, abs(a[i] - b[i])) }
        return worst
    }

    /// Cosine similarity of two equally long vectors.
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosine of vectors of different lengths")
        var dot: Double = 0, na: Double = 0, nb: Double = 0
        for i in a.indices {
            dot += Double(a[i]) * Double(b[i])
            na += Double(a[i]) * Double(a[i])
            nb += Double(b[i]) * Double(b[i])
        }
        return Float(dot / max((na * nb).squareRoot(), 1e-30))
    }
}
