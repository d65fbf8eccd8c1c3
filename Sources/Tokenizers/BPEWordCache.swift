import Synchronization

/// Remembers the BPE tokens of words already seen, shared by every copy of a tokenizer and safe
/// to use from many tasks at once.
///
/// Merging costs a few dozen table probes per word while natural text repeats a small set of
/// words, so a lookup under an uncontended lock is several times cheaper than recomputing.
/// Like Hugging Face tokenizers' BPE cache it stops growing when full (`capacity` words) and
/// skips long words, which are rare and would make entries large.
final class BPEWordCache: Sendable {
    private struct Entry {
        var word: [UInt8]
        var ids: [Int32]
    }

    /// Entries by a 64-bit hash of the word's bytes; the bytes are compared on lookup, and a
    /// colliding word is simply not cached.
    private let entries = Mutex<[Int: Entry]>([:])
    let capacity: Int
    let maximumWordLength: Int

    init(capacity: Int = 10_000, maximumWordLength: Int = 64) {
        self.capacity = capacity
        self.maximumWordLength = maximumWordLength
    }

    /// Appends the cached tokens of `word` (whose hash is `hash`) and returns true, or returns
    /// false when the word is not cached.
    func appendCached(_ word: UnsafeBufferPointer<UInt8>, hash: Int, to ids: inout [Int32]) -> Bool {
        entries.withLock { entries in
            guard !word.isEmpty, let entry = entries[hash], entry.word.count == word.count,
                entry.word.withUnsafeBufferPointer({ memoryEqual($0.baseAddress!, word.baseAddress!, word.count) })
            else { return false }
            ids.append(contentsOf: entry.ids)
            return true
        }
    }

    /// Caches the tokens of `word` when there is room and the word is short enough.
    func store(_ word: UnsafeBufferPointer<UInt8>, hash: Int, ids: ArraySlice<Int32>) {
        guard word.count <= maximumWordLength else { return }
        let entry = Entry(word: Array(word), ids: Array(ids))
        entries.withLock { entries in
            if entries.count < capacity, entries[hash] == nil { entries[hash] = entry }
        }
    }

    /// Number of cached words.
    var count: Int { entries.withLock { $0.count } }
}
