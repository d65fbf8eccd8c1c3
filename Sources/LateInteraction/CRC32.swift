import CMaxSim

/// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), to tell a torn or corrupted log record from a
/// whole one. In C (`cmaxsim_crc32`, eight bytes a step), since opening a collection checks
/// every record and a large log's open time is this checksum's speed.
enum CRC32 {
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        return cmaxsim_crc32(0, base, bytes.count)
    }
}
