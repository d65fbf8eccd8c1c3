/// The first pass over binary documents: MaxSim with the dot product replaced by sign agreement,
/// `dim - 2 * popcount(q XOR d)` (a scaled estimate of the cosine), from the sign words alone.
///
/// Sums are integers, so results are exact and independent of order. Cost per document is
/// `queryVectors * vectors * words` XOR+POPCNT pairs: 1/64 of the float product's multiply-adds
/// at 128 dimensions, and 1/32 of the bytes read.
enum HammingMaxSim {
    static func score(
        querySigns: UnsafePointer<UInt64>, queryCount m: Int, documents: EncodedDocuments, index: Int,
        minima: UnsafeMutablePointer<Int>
    ) -> Float {
        let slot = documents.slots[index]
        let d = documents.dimension, words = StoragePrecision.words(d)
        let signs = (documents.base + slot.offset).assumingMemoryBound(to: UInt64.self)
        for i in 0 ..< m { minima[i] = Int.max }
        if words == 2 {
            // 128-d (ColPali, ColBERT heads): two words per vector, unrolled.
            for j in 0 ..< slot.count {
                let d0 = signs[2 * j], d1 = signs[2 * j + 1]
                for i in 0 ..< m {
                    let distance = (querySigns[2 * i] ^ d0).nonzeroBitCount + (querySigns[2 * i + 1] ^ d1).nonzeroBitCount
                    minima[i] = min(minima[i], distance)
                }
            }
        } else {
            for j in 0 ..< slot.count {
                let row = signs + j * words
                for i in 0 ..< m {
                    var distance = 0
                    for w in 0 ..< words { distance += (querySigns[i * words + w] ^ row[w]).nonzeroBitCount }
                    minima[i] = min(minima[i], distance)
                }
            }
        }
        var total = 0
        for i in 0 ..< m { total += d - 2 * minima[i] }
        return Float(total) / Float(d)
    }
}
