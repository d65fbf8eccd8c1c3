/// Character classes the two pipelines split and clean on, decided per Unicode scalar value.
///
/// ASCII answers come from branch-free comparisons; other scalars ask the standard library's
/// Unicode tables (`Unicode.Scalar.Properties`), which is slower but rare in English text.
enum UnicodeClasses {
    /// Unicode `White_Space`: what Rust's `char::is_whitespace` and the `\s` of the regex
    /// engines used by Hugging Face tokenizers accept. The set is small and stable, so it is
    /// spelled out rather than looked up.
    @inline(__always)
    static func isWhiteSpace(_ value: UInt32) -> Bool {
        if value < 0x80 { return value == 0x20 || (value >= 0x09 && value <= 0x0D) }
        switch value {
        case 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }

    /// What BERT's text cleaning removes: the "other" categories (Cc, Cf, Co, Cs and unassigned
    /// Cn), except tab, line feed and carriage return, which count as whitespace instead.
    /// Unassigned scalars are removed as Python BERT does (`category.startswith("C")`).
    @inline(__always)
    static func isBertControl(_ value: UInt32) -> Bool {
        if value < 0x80 {
            if value == 0x09 || value == 0x0A || value == 0x0D { return false }
            return value < 0x20 || value == 0x7F
        }
        switch generalCategory(value) {
        case .control, .format, .privateUse, .surrogate, .unassigned: return true
        default: return false
        }
    }

    /// BERT's punctuation: every ASCII non-alphanumeric printable character (so `$`, `+`, `<`,
    /// `^`, `` ` ``, `|`, `~` count, although Unicode calls them symbols), plus Unicode P*.
    @inline(__always)
    static func isBertPunctuation(_ value: UInt32) -> Bool {
        if value < 0x80 {
            return (value >= 33 && value <= 47) || (value >= 58 && value <= 64)
                || (value >= 91 && value <= 96) || (value >= 123 && value <= 126)
        }
        switch generalCategory(value) {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK ideograph blocks BERT isolates as one-character words. The ranges are those of
    /// Hugging Face tokenizers' `is_chinese_char`, which differ from Google's original BERT in
    /// starting Extension E at U+2B920 (Google: U+2B820); tokenizer.json files are its output.
    @inline(__always)
    static func isCJKIdeograph(_ value: UInt32) -> Bool {
        if value < 0x3400 { return false }
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// `\p{L}`: Lu, Ll, Lt, Lm, Lo.
    @inline(__always)
    static func isLetter(_ value: UInt32) -> Bool {
        if value < 0x80 { return (value | 0x20) >= 0x61 && (value | 0x20) <= 0x7A }
        switch generalCategory(value) {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    /// `\p{N}`: Nd, Nl, No.
    @inline(__always)
    static func isNumber(_ value: UInt32) -> Bool {
        if value < 0x80 { return value >= 0x30 && value <= 0x39 }
        switch generalCategory(value) {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// Mn, the marks accent stripping drops after canonical decomposition.
    @inline(__always)
    static func isNonspacingMark(_ value: UInt32) -> Bool {
        value >= 0x300 && generalCategory(value) == .nonspacingMark
    }

    @inline(__always)
    static func generalCategory(_ value: UInt32) -> Unicode.GeneralCategory {
        guard let scalar = Unicode.Scalar(value) else { return .surrogate }
        return scalar.properties.generalCategory
    }
}
