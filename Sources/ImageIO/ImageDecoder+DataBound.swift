extension ImageDecoder {
    /// Refuses a file too short to hold the image its header declares, before any pixel memory
    /// is allocated: a 26 KB JPEG declaring 6000 x 6000 would otherwise cost a 108 MB buffer
    /// and a full decode, to produce a picture that is mostly gray.
    ///
    /// The bound comes from the codec's header probe and holds for every complete file: a PNG
    /// cannot compress its pixels more than 1032:1 (deflate's ceiling), and the first scan of a
    /// Huffman-coded JPEG spends at least one or two bits on every 8 x 8 block (see
    /// `first_scan_min_bytes` in jpeg_decode.c). Such a JPEG is still decoded when
    /// `allowTruncated` asks for truncated files; a PNG never is.
    static func requireImageData(
        _ probe: CodecBridge.Probe, name: String, allowTruncated: Bool
    ) throws(ImageError) {
        guard probe.dataBytes < probe.minDataBytes else { return }
        let header = probe.header
        if allowTruncated && header.format == .jpeg { return }
        throw .corrupt(
            name: name,
            reason: "\(header.format.rawValue) declares \(header.width) x \(header.height) pixels, "
                + "whose image data takes at least \(probe.minDataBytes) bytes, but only "
                + "\(probe.dataBytes) bytes follow its header")
    }
}
