import Foundation

/// BERT's text normalisation, as Hugging Face tokenizers' `BertNormalizer` performs it, in its
/// order: clean the text, pad CJK ideographs with spaces, strip accents, lower-case.
///
/// - Cleaning drops NUL, U+FFFD and every "other"-category scalar except tab, LF and CR, and
///   turns every whitespace scalar into a plain space.
/// - Accent stripping is canonical decomposition (NFD) followed by dropping the non-spacing
///   marks (Mn). The result stays decomposed: Hangul syllables become conjoining jamo, exactly
///   as the reference does.
/// - Lower-casing is the full Unicode mapping of each scalar on its own (no final-sigma rule).
struct BertNormalizer: Sendable, Equatable {
    var cleanText = true
    var handleChineseChars = true
    var stripAccents = true
    var lowercase = true

    /// Appends the normalized UTF-8 of `bytes[range]` to `output`.
    ///
    /// ASCII is handled byte by byte. Runs of other scalars are gathered and decomposed together:
    /// NFD may reorder a run of combining marks, and an ASCII scalar never decomposes nor takes
    /// part in reordering, so decomposing run by run equals decomposing the whole text.
    func normalize(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into output: inout [UInt8]) {
        var pending = String.UnicodeScalarView()
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            if byte < 0x80 {
                index += 1
                if !pending.isEmpty { flush(&pending, into: &output) }
                var value = byte
                if cleanText {
                    if UnicodeClasses.isBertControl(UInt32(value)) { continue }
                    if UnicodeClasses.isWhiteSpace(UInt32(value)) { value = 0x20 }
                }
                if lowercase, value >= 0x41, value <= 0x5A { value |= 0x20 }
                output.append(value)
                continue
            }
            let (value, length) = UTF8Buffer.decode(bytes, at: index)
            index += length
            if cleanText {
                if value == 0xFFFD || UnicodeClasses.isBertControl(value) { continue }
                if UnicodeClasses.isWhiteSpace(value) {
                    if !pending.isEmpty { flush(&pending, into: &output) }
                    output.append(0x20)
                    continue
                }
            }
            // Every value decoded from valid UTF-8 is a scalar.
            let scalar = Unicode.Scalar(value)!
            if handleChineseChars, UnicodeClasses.isCJKIdeograph(value) {
                if !pending.isEmpty { flush(&pending, into: &output) }
                output.append(0x20)
                if value < 0xF900 || (value > 0xFAFF && value < 0x2F800) {
                    // Unified ideographs have no decomposition and no case: copy them as they are.
                    output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[(index - length)..<index]))
                } else {
                    // Compatibility ideographs decompose canonically to unified ones.
                    pending.append(scalar)
                    flush(&pending, into: &output)
                }
                output.append(0x20)
                continue
            }
            pending.append(scalar)
        }
        if !pending.isEmpty { flush(&pending, into: &output) }
    }

    /// The normalized form of a whole string (used for added tokens that match normalized text).
    func normalize(_ text: String) -> String {
        var output: [UInt8] = []
        var text = text
        text.withUTF8 { normalize($0, range: 0..<$0.count, into: &output) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Strips accents from and lower-cases a run of non-ASCII scalars, then empties it.
    private func flush(_ pending: inout String.UnicodeScalarView, into output: inout [UInt8]) {
        if stripAccents {
            let decomposed = String(pending).decomposedStringWithCanonicalMapping
            for scalar in decomposed.unicodeScalars where !UnicodeClasses.isNonspacingMark(scalar.value) {
                append(scalar, to: &output)
            }
        } else {
            for scalar in pending { append(scalar, to: &output) }
        }
        pending.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    private func append(_ scalar: Unicode.Scalar, to output: inout [UInt8]) {
        if lowercase, scalar.value >= 0x41, scalar.properties.changesWhenLowercased {
            for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
                UTF8Buffer.append(lowered.value, to: &output)
            }
        } else {
            UTF8Buffer.append(scalar.value, to: &output)
        }
    }
}
