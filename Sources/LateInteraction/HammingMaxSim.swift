import CMaxSim

/// The first pass over binary documents: MaxSim with the dot product replaced by sign agreement,
/// `dim - 2 * popcount(q XOR d)` (a scaled estimate of the cosine), from the sign words alone.
///
/// Sums are integers, so results are exact and independent of order. Cost per document is
/// `queryVectors * vectors * words` XOR+POPCNT pairs: 1/64 of the float product's multiply-adds
/// at 128 dimensions, and 1/32 of the bytes read. The C kernel (`cmaxsim_hamming`) does eight
/// document vectors per AVX-512 register with VPOPCNTQ when the CPU has it.
enum HammingMaxSim {
    static func score(querySigns: UnsafePointer<UInt64>, queryCount m: Int, documents: EncodedDocuments, index: Int) -> Float {
        let slot = documents.slots[index]
        let d = documents.dimension, words = StoragePrecision.words(d)
        let signs = (documents.base + slot.offset).assumingMemoryBound(to: UInt64.self)
        let distances = cmaxsim_hamming(querySigns, Int32(m), Int32(words), signs, slot.count)
        return Float(m * d - 2 * Int(distances)) / Float(d)
    }
}
