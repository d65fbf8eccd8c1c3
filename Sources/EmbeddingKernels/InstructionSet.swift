import CCPU

/// The instruction-set level the C kernels run at (the packed `Linear` tile, MaxSim), decided
/// once per process.
///
/// Each kernel family has an AVX-512, an AVX2 + FMA and a portable version that give the same
/// bits, so the level only changes speed. `MULTIEMBED_ISA=avx2` or `portable` lowers it, so the
/// lower paths can be tested and measured on a wider machine; it never raises it past the CPU.
public enum InstructionSet: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// The environment variable that lowers the level.
    public static let environmentVariable = "MULTIEMBED_ISA"

    /// The widest level this CPU runs: `avx512` needs AVX-512 F/BW/VL/DQ (x86-64-v4), `avx2`
    /// needs AVX2, FMA and F16C (x86-64-v3).
    public static let detected = InstructionSet(rawValue: Int(ccpu_detected_level().rawValue)) ?? .portable

    /// The level the kernels use: ``detected``, or lower when `MULTIEMBED_ISA` says so.
    public static let active = InstructionSet(rawValue: Int(ccpu_active_level().rawValue)) ?? .portable

    /// `avx512`, `avx2` or `portable`: the spelling `MULTIEMBED_ISA` takes.
    public var description: String { String(cString: ccpu_level_name(ccpu_level(UInt32(rawValue)))) }

    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A line for standard error when `MULTIEMBED_ISA` is not what the kernels do: a value that
    /// names no level (ignored), or one above the CPU (capped). Nil when it is unset or obeyed.
    public static var environmentWarning: String? {
        let requested = ccpu_requested_level()
        let value = getenv(environmentVariable).map { String(cString: $0) } ?? ""
        if requested == -2 {
            return "warning: \(environmentVariable)=\(value) names no instruction set "
                + "(avx512, avx2 or portable); the kernels use \(active)"
        }
        if requested >= 0, let level = InstructionSet(rawValue: Int(requested)), level > detected {
            return "warning: \(environmentVariable)=\(value) is above what this CPU runs; the kernels use \(active)"
        }
        return nil
    }
}

#if canImport(Glibc)
import Glibc
#endif
