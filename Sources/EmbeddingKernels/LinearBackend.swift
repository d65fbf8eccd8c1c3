#if canImport(Glibc)
import Glibc
#endif

/// What multiplies the models' `Linear` layers.
///
/// The packed tiles by default, on every CPU: they are as fast as OpenBLAS or faster, and they
/// are what makes an embedding independent of its batch. `MULTIEMBED_LINEAR=openblas` puts the
/// layers back on OpenBLAS's sgemm, for benchmarks that compare the two end to end.
public enum LinearBackend: String, Sendable {
    /// ``PackedWeight``: weights packed once at load, on the tile of ``InstructionSet/active``.
    case packed
    /// OpenBLAS's sgemm, which repacks the weight on every call. Only its AVX-512 kernels keep a
    /// row's bits independent of the other rows of its call: on its AVX2 and SSE kernels an
    /// embedding's last bits depend on its batch.
    case openblas

    /// The environment variable that selects the backend.
    public static let environmentVariable = "MULTIEMBED_LINEAR"

    /// The backend this process uses: `MULTIEMBED_LINEAR` when it names one, else ``packed``.
    public static let selected: LinearBackend = {
        guard let value = getenv(environmentVariable) else { return .packed }
        return LinearBackend(rawValue: String(cString: value)) ?? .packed
    }()

    /// A line for standard error when `MULTIEMBED_LINEAR` names no backend; nil otherwise.
    public static var environmentWarning: String? {
        guard let raw = getenv(environmentVariable).map({ String(cString: $0) }), !raw.isEmpty,
              LinearBackend(rawValue: raw) == nil
        else { return nil }
        return "warning: \(environmentVariable)=\(raw) names no backend (packed or openblas); using packed"
    }

    /// The kernel's name as `bench` prints it: `avx512-packed`, `avx2-packed`, `portable-packed`
    /// or `openblas`.
    public var kernelName: String {
        switch self {
        case .packed: PackedWeight.kernelName
        case .openblas: "openblas"
        }
    }
}
