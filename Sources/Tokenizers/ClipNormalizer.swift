import Foundation

/// CLIP's text normalisation as transformers' CLIPTokenizer (tokenizers backend) declares it:
/// NFC, every whitespace run replaced by one space, then per-scalar full lower-casing.
///
/// The whitespace replacement is skipped: the pre-tokenizer that follows drops every
/// whitespace scalar, and one space or several make no difference to the words it finds.
/// Control characters are kept (they become byte-level tokens), which is where transformers
/// differs from OpenAI's original tokenizer (its ftfy and BasicTokenizer cleaning drop them).
struct ClipNormalizer: BPETextNormalizer {
    /// Appends the normalized UTF-8 of `bytes[range]` to `output`.
    func normalize(_ bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, into output: inout [UInt8]) {
        var isASCII = true
        for index in range where bytes[index] >= 0x80 {
            isASCII = false
            break
        }
        if isASCII {
            // NFC leaves ASCII alone; lower-casing is a bit flip on A-Z.
            for index in range {
                let byte = bytes[index]
                output.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            return
        }
        // Composition can join scalars across any boundary, so the whole range goes through NFC.
        let composed = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            .precomposedStringWithCanonicalMapping
        for scalar in composed.unicodeScalars {
            if scalar.value >= 0x41, scalar.properties.changesWhenLowercased {
                for lowered in scalar.properties.lowercaseMapping.unicodeScalars {
                    UTF8Buffer.append(lowered.value, to: &output)
                }
            } else {
                UTF8Buffer.append(scalar.value, to: &output)
            }
        }
    }

    /// The normalized form of a whole string (for added tokens that match normalized text).
    func normalize(_ text: String) -> String {
        var output: [UInt8] = []
        var text = text
        text.withUTF8 { normalize($0, range: 0..<$0.count, into: &output) }
        return String(decoding: output, as: UTF8.self)
    }
}
