/// Reading BPE merge rules, shared by every BPE tokenizer: tokenizer.json `model.merges` (either
/// `"a b"` strings or `["a", "b"]` pairs, depending on the tokenizers version that wrote it) and
/// merges.txt lines, resolved against the vocabulary into a `MergeTable`.
enum BPEMergeList {
    /// "a b" → ("a", "b"); tokens never contain spaces in a byte-level vocabulary.
    static func split(_ line: String) -> (String, String)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// The pairs of tokenizer.json's `model.merges`, in rank order.
    static func pairs(of model: JSONValue, in file: JSONFile) throws(TokenizerError) -> [(String, String)] {
        guard let mergeList = model["merges"]?.arrayValue else { throw file.malformed("model.merges is missing") }
        var pairs: [(String, String)] = []
        pairs.reserveCapacity(mergeList.count)
        for (index, entry) in mergeList.enumerated() {
            if let line = entry.stringValue, let pair = split(line) {
                pairs.append(pair)
            } else if let pair = entry.arrayValue, pair.count == 2, let left = pair[0].stringValue,
                let right = pair[1].stringValue
            {
                pairs.append((left, right))
            } else {
                throw file.malformed("model.merges[\(index)] is neither \"a b\" nor [\"a\", \"b\"]")
            }
        }
        return pairs
    }

    /// The rules as token ids, each ranked by its position; a rule naming a token the vocabulary
    /// lacks (either side or the merged result) is an error naming the rule.
    static func table(
        _ pairs: [(String, String)], vocabulary: ByteStringTable, path: String
    ) throws(TokenizerError) -> MergeTable {
        var merges = MergeTable(capacity: pairs.count)
        for (rank, (left, right)) in pairs.enumerated() {
            guard let leftID = vocabulary.value(for: left), let rightID = vocabulary.value(for: right),
                let mergedID = vocabulary.value(for: left + right)
            else {
                throw .malformedFile(path: path, reason: "merge \(rank) (\(left) \(right)) uses a token missing from the vocabulary")
            }
            merges.insert(left: leftID, right: rightID, rank: Int32(rank), merged: mergedID)
        }
        return merges
    }
}
