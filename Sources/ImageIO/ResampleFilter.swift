import Foundation

/// Pillow's resampling filters, numbered as `PIL.Image.Resampling` (and as the `resample` field
/// of preprocessor_config.json).
public enum ResampleFilter: Int, Sendable, Equatable, CaseIterable {
    case nearest = 0
    case lanczos = 1
    case bilinear = 2
    case bicubic = 3
    case box = 4
    case hamming = 5

    /// Half-width of the kernel in source pixels at scale 1 (Pillow's `support`).
    var support: Double {
        switch self {
        case .nearest, .box: return 0.5
        case .bilinear, .hamming: return 1
        case .bicubic: return 2
        case .lanczos: return 3
        }
    }

    /// The kernel's weight at distance `x` (in source pixels, already divided by the
    /// downscale factor), exactly as Pillow evaluates it, in double precision, including its
    /// single-precision constants for Hamming. Exactness matters: the weights are rounded to
    /// fixed point, and a different last bit can flip an output sample by one.
    func weight(_ x: Double) -> Double {
        switch self {
        case .nearest, .box:
            return x > -0.5 && x <= 0.5 ? 1 : 0
        case .bilinear:
            let distance = abs(x)
            return distance < 1 ? 1 - distance : 0
        case .hamming:
            let distance = abs(x)
            if distance == 0 { return 1 }
            if distance >= 1 { return 0 }
            let angle = distance * Double.pi
            return sin(angle) / angle * (Double(Float(0.54)) + Double(Float(0.46)) * cos(angle))
        case .bicubic:
            // Keys' cubic convolution with a = -0.5 (Catmull-Rom), as Pillow writes it.
            let a = -0.5
            let distance = abs(x)
            if distance < 1 { return ((a + 2) * distance - (a + 3)) * distance * distance + 1 }
            if distance < 2 { return (((distance - 5) * distance + 8) * distance - 4) * a }
            return 0
        case .lanczos:
            guard x >= -3 && x < 3 else { return 0 }
            return Self.sinc(x) * Self.sinc(x / 3)
        }
    }

    private static func sinc(_ x: Double) -> Double {
        if x == 0 { return 1 }
        let angle = x * Double.pi
        return sin(angle) / angle
    }
}
