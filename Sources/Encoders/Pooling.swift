import EmbeddingKernels
import Foundation

/// How a sentence-transformers pipeline turns token states into one vector
/// (`1_Pooling/config.json`). Sequences are packed, so every row is a real token: no mask needed.
public enum Pooling: String, Sendable, Codable, CaseIterable {
    /// Mean of every token's state (the attention-masked mean of sentence-transformers).
    case mean
    /// The first token's state ([CLS]).
    case cls
    /// Element-wise maximum over tokens.
    case max
    /// Mean scaled by sqrt(length) instead of length.
    case meanSqrtLength = "mean_sqrt_len_tokens"
    /// The last token's state (decoder-style embedders).
    case lastToken = "lasttoken"

    /// Reads `1_Pooling/config.json`: sentence-transformers 6's `pooling_mode` (a mode name, or
    /// a list of one), else exactly one of the older `pooling_mode_*` flags. The concatenation
    /// of several modes is a sentence-transformers feature we do not reproduce.
    public static func load(url: URL) throws(ModelLoadError) -> Pooling {
        let object = try JSONFile.object(at: url)
        if let declared = object["pooling_mode"] {
            let names = declared as? [String] ?? (declared as? String).map { [$0] } ?? []
            guard names.count == 1 else {
                throw .invalidConfig(path: url.path, reason: "pooling_mode must name exactly one mode, found \(declared)")
            }
            guard let mode = Pooling(rawValue: names[0]) else {
                throw .invalidConfig(path: url.path, reason: "pooling_mode '\(names[0])' is not one of \(allCases.map(\.rawValue))")
            }
            return mode
        }
        let modes: [(String, Pooling)] = [
            ("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls),
            ("pooling_mode_max_tokens", .max), ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLength),
            ("pooling_mode_lasttoken", .lastToken),
        ]
        let chosen = modes.filter { object[$0.0] as? Bool == true }.map(\.1)
        guard chosen.count == 1 else {
            throw .invalidConfig(path: url.path, reason: "expected exactly one pooling_mode_* set to true, found \(chosen.count)")
        }
        return chosen[0]
    }

    /// Pools `rows` of `states` (a `[tokens, width]` matrix) into `width` values.
    public func pool(_ states: Tensor, rows: Range<Int>) -> [Float] {
        let width = states.columns
        guard !rows.isEmpty else { return [Float](repeating: 0, count: width) }
        return states.storage.withUnsafeBufferPointer { buffer in
            let base = buffer.baseAddress!
            switch self {
            case .cls:
                return Array(UnsafeBufferPointer(start: base + rows.lowerBound * width, count: width))
            case .lastToken:
                return Array(UnsafeBufferPointer(start: base + (rows.upperBound - 1) * width, count: width))
            case .max:
                var result = [Float](repeating: -.infinity, count: width)
                for row in rows {
                    for i in 0..<width { result[i] = Swift.max(result[i], base[row * width + i]) }
                }
                return result
            case .mean, .meanSqrtLength:
                var sums = [Double](repeating: 0, count: width)
                for row in rows {
                    for i in 0..<width { sums[i] += Double(base[row * width + i]) }
                }
                let divisor = self == .mean ? Double(rows.count) : Double(rows.count).squareRoot()
                return sums.map { Float($0 / divisor) }
            }
        }
    }
}

/// Small helpers to read JSON files with errors that name the file.
enum JSONFile {
    static func data(at url: URL) throws(ModelLoadError) -> Data {
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path) }
        do { return try Data(contentsOf: url) } catch {
            throw .unreadableFile(path: url.path, reason: error.localizedDescription)
        }
    }

    static func object(at url: URL) throws(ModelLoadError) -> [String: Any] {
        let data = try data(at: url)
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw .unreadableFile(path: url.path, reason: "not a JSON object")
        }
        return object
    }

    static func decode<T: Decodable>(_ type: T.Type, at url: URL) throws(ModelLoadError) -> T {
        let data = try data(at: url)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        do { return try decoder.decode(T.self, from: data) } catch {
            throw .unreadableFile(path: url.path, reason: String(describing: error))
        }
    }
}
