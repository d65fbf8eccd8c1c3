import Pages
import WireProtocol

/// Conversions between page text layers and their wire messages (pages.proto).
extension PageText {
    var wire: Multiembed_V1_PageText {
        var wire = Multiembed_V1_PageText()
        wire.width = UInt32(clamping: width)
        wire.height = UInt32(clamping: height)
        wire.words = words.map(\.wire)
        wire.text = text
        wire.source = source.rawValue
        wire.note = note ?? ""
        wire.dpi = UInt32(clamping: dpi ?? 0)
        return wire
    }
}

extension PageAttachment {
    /// The text layer as the wire gives it, with where the image's patch vectors are when the
    /// page's vectors hold them.
    var wire: Multiembed_V1_PageText {
        var wire = page.wire
        if let patches {
            var grid = Multiembed_V1_PagePatches()
            grid.vectors = UInt32(clamping: patches.count)
            grid.leading = UInt32(clamping: patches.leading)
            grid.rows = UInt32(clamping: patches.rows)
            grid.columns = UInt32(clamping: patches.columns)
            grid.x = UInt32(clamping: patches.region.x)
            grid.y = UInt32(clamping: patches.region.y)
            grid.width = UInt32(clamping: patches.region.width)
            grid.height = UInt32(clamping: patches.region.height)
            wire.patches = grid
        }
        return wire
    }
}

extension PageWord {
    var wire: Multiembed_V1_PageWord {
        var wire = Multiembed_V1_PageWord()
        wire.text = text
        wire.x = UInt32(clamping: box.x)
        wire.y = UInt32(clamping: box.y)
        wire.width = UInt32(clamping: box.width)
        wire.height = UInt32(clamping: box.height)
        wire.confidence = confidence ?? -1
        wire.block = UInt32(clamping: block)
        wire.line = UInt32(clamping: line)
        return wire
    }
}

extension MatchedWord {
    var wire: Multiembed_V1_MatchedWord {
        var wire = Multiembed_V1_MatchedWord()
        wire.wordIndex = UInt32(clamping: index)
        wire.word = word.wire
        wire.queryVectors = queryVectors.map { UInt32(clamping: $0) }
        wire.score = score
        return wire
    }
}

extension MatchedPatch {
    var wire: Multiembed_V1_MatchedPatch {
        var wire = Multiembed_V1_MatchedPatch()
        wire.vector = UInt32(clamping: vector)
        wire.x = UInt32(clamping: box.x)
        wire.y = UInt32(clamping: box.y)
        wire.width = UInt32(clamping: box.width)
        wire.height = UInt32(clamping: box.height)
        wire.queryVectors = queryVectors.map { UInt32(clamping: $0) }
        wire.score = score
        return wire
    }
}
