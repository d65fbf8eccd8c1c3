/// Branch-free scalar approximations that LLVM vectorises inside plain loops.
public enum FastMath {
    /// `e^x` with relative error below 2e-7 for x in [-87, 88] (clamped outside).
    ///
    /// x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (truncation error
    /// r⁷/7! < 1.3e-7), and 2^n assembled in the exponent bits. libm's `expf` is a call per
    /// element, which stops the surrounding loop from vectorising.
    @inlinable @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let clamped = x < -87 ? -87 : (x > 88 ? 88 : x)
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits, so
        // 2^n is built with integer adds and shifts: no float-to-int conversion, whose range
        // check would stop the loop from vectorising.
        let shifted = clamped * 1.4426950408889634 + 12_582_912
        let n = shifted - 12_582_912
        // ln2 split in two so n·ln2 is exact enough for large n.
        let r = (clamped - n * 0.693145751953125) - n * 1.428606765330187e-06
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
        let scale = Float(bitPattern: exponent)
        return p * scale
    }
}
