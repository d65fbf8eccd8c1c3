import Foundation

/// Why a model folder could not be loaded. Every case names the file or tensor at fault, so a
/// user with a broken download knows what to fetch again.
public enum ModelLoadError: Error, CustomStringConvertible, Equatable {
    /// A required file is absent.
    case missingFile(path: String)
    /// A file exists but could not be read or parsed.
    case unreadableFile(path: String, reason: String)
    /// A safetensors file whose header, offsets or size are inconsistent (truncated download).
    case malformedSafetensors(path: String, reason: String)
    /// The checkpoint lacks a tensor the architecture needs.
    case missingTensor(name: String, path: String)
    /// A tensor exists with another shape than the config implies.
    case wrongShape(name: String, expected: [Int], actual: [Int], path: String)
    /// A tensor is stored in a dtype we cannot read as float32.
    case unsupportedDType(name: String, dtype: String, path: String)
    /// The checkpoint holds tensors the architecture does not use (probably another model).
    case unexpectedTensors(names: [String], path: String)
    /// config.json or a pipeline file holds a value we cannot honour.
    case invalidConfig(path: String, reason: String)
    /// config.json names a `model_type` no registered architecture loads (`""`: none at all);
    /// `supported` lists those that are (``ArchitectureRegistry/modelTypes``).
    case unsupportedArchitecture(modelType: String, path: String, supported: [String])

    public var description: String {
        switch self {
        case .missingFile(let path):
            "model file not found: \(path)"
        case .unreadableFile(let path, let reason):
            "cannot read \(path): \(reason)"
        case .malformedSafetensors(let path, let reason):
            "malformed safetensors file \(path): \(reason)"
        case .missingTensor(let name, let path):
            "tensor '\(name)' is missing from \(path)"
        case .wrongShape(let name, let expected, let actual, let path):
            "tensor '\(name)' in \(path) has shape \(actual), expected \(expected)"
        case .unsupportedDType(let name, let dtype, let path):
            "tensor '\(name)' in \(path) has unsupported dtype \(dtype) (supported: F32, F16, BF16)"
        case .unexpectedTensors(let names, let path):
            "\(path) holds \(names.count) tensor(s) this architecture does not use, e.g. '\(names.prefix(3).joined(separator: "', '"))'"
        case .invalidConfig(let path, let reason):
            "invalid configuration in \(path): \(reason)"
        case .unsupportedArchitecture(let modelType, let path, let supported):
            "\(modelType.isEmpty ? "no model_type" : "unsupported model_type '\(modelType)'") in \(path) "
                + "(supported: \(supported.joined(separator: ", ")))"
        }
    }
}
