import Foundation
import Testing

@testable import Tokenizers

/// The building blocks on their own: JSON reader, byte tables, added-token matching, BPE.
@Suite struct JSONValueTests {
    func parse(_ text: String) throws(JSONParseError) -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func parsesNestedDocuments() throws {
        let value = try parse(#" { "a": [1, -2.5e1, true, false, null], "b": {"c": "d"} } "#)
        let array = try #require(value["a"]?.arrayValue)
        #expect(array.count == 5)
        #expect(array[0].intValue == 1)
        if case .number(let number) = array[1] { #expect(number == -25) } else { Issue.record("not a number") }
        #expect(array[2].boolValue == true && array[3].boolValue == false && array[4].isNull)
        #expect(value["b"]?["c"]?.stringValue == "d")
        #expect(value["missing"] == nil)
    }

    @Test func decodesEscapes() throws {
        let value = try parse(#"["a\"b\\c\/d\n\t", "\u00e9\u4e2d", "\ud83d\ude80", "\ud800x"]"#)
        let strings = try #require(value.arrayValue).compactMap(\.stringValue)
        #expect(strings == ["a\"b\\c/d\n\t", "é中", "🚀", "\u{FFFD}x"])
    }

    /// Keys stay byte-exact: canonically equivalent spellings are different keys, and the last
    /// of two identical keys wins.
    @Test func keepsKeysExact() throws {
        let value = try parse("{\"\u{E9}\": 1, \"e\u{301}\": 2, \"x\": 3, \"x\": 4}")
        let members = try #require(value.objectMembers)
        #expect(members.count == 4)
        #expect(members[0].key.utf8.count == 2 && members[1].key.utf8.count == 3)
        #expect(value["x"]?.intValue == 4)
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"abc", "\"a\u{1}\"", "[1] x", "\"\\q\""])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNesting() {
        #expect(throws: JSONParseError.self) { try parse(String(repeating: "[", count: 10_000)) }
    }
}

@Suite struct ByteStringTableTests {
    @Test func looksUpBytesExactly() {
        let table = ByteStringTable([(key: "é", value: 1), (key: "e\u{301}", value: 2), (key: "", value: 3), (key: "é", value: 4)])
        #expect(table.count == 3)
        #expect(table.value(for: "é") == 4)
        #expect(table.value(for: "e\u{301}") == 2)
        #expect(table.value(for: "") == 3)
        #expect(table.value(for: "e") == nil)
        #expect(table.maximumKeyLength == 3)
        #expect(table.largestValue == 4)
    }

    @Test func growsPastItsInitialSize() {
        let table = ByteStringTable((0..<5000).lazy.map { (key: "token\($0)", value: Int32($0)) })
        #expect(table.count == 5000)
        #expect((0..<5000).allSatisfy { table.value(for: "token\($0)") == Int32($0) })
        #expect(table.value(for: "token5000") == nil)
    }
}

@Suite struct AddedTokenMatcherTests {
    func split(_ text: String, _ tokens: [AddedToken]) -> [String] {
        let matcher = AddedTokenMatcher(tokens.map { (text: $0.content, token: $0) })
        var pieces: [AddedTokenMatcher.Piece] = []
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { matcher.split($0, range: 0..<$0.count, into: &pieces) }
        return pieces.map { piece in
            switch piece {
            case .token(let id): return "#\(id)"
            case .text(let range): return String(decoding: bytes[range], as: UTF8.self)
            }
        }
    }

    @Test func prefersTheLongestMatchAtTheLeftmostPosition() {
        let tokens = [AddedToken(content: "[M]", id: 1), AddedToken(content: "[M]]", id: 2), AddedToken(content: "M", id: 3)]
        #expect(split("a[M]]b[M]c", tokens) == ["a", "#2", "b", "#1", "c"])
        #expect(split("[M][M]", tokens) == ["#1", "#1"])
        #expect(split("no match", [AddedToken(content: "[X]", id: 1)]) == ["no match"])
        #expect(split("", tokens) == [])
    }

    @Test func stripsWhitespaceWhenAsked() {
        let stripping = AddedToken(content: "<mask>", id: 9, lstrip: true, rstrip: true)
        #expect(split("a  <mask>\t b", [stripping]) == ["a", "#9", "b"])
        #expect(split("a  <mask>\t b", [AddedToken(content: "<mask>", id: 9)]) == ["a  ", "#9", "\t b"])
    }

    @Test func singleWordTokensNeedBoundaries() {
        let token = AddedToken(content: "ab", id: 5, singleWord: true)
        #expect(split("ab cab abc ab", [token]) == ["#5", " cab abc ", "#5"])
        #expect(split("x-ab-y", [token]) == ["x-", "#5", "-y"])
    }
}

@Suite struct BPEModelTests {
    /// A toy vocabulary: the bytes a, b, c (plain and word-final) and merged tokens.
    func model(merges: [(String, String)]) -> BPEModel {
        var entries: [(key: String, value: Int32)] = []
        for token in ["a", "b", "c", "a</w>", "b</w>", "c</w>"] { entries.append((token, Int32(entries.count))) }
        for (left, right) in merges { entries.append((left + right, Int32(entries.count))) }
        let vocabulary = ByteStringTable(entries)
        var table = MergeTable(capacity: merges.count)
        for (rank, (left, right)) in merges.enumerated() {
            table.insert(
                left: vocabulary.value(for: left)!, right: vocabulary.value(for: right)!, rank: Int32(rank),
                merged: vocabulary.value(for: left + right)!)
        }
        return BPEModel(vocabulary: vocabulary, merges: table, endOfWordSuffix: "</w>", unknownID: nil)
    }

    func tokens(_ word: String, _ model: BPEModel) -> [String] {
        var ids: [Int32] = []
        var scratch = BPEModel.Scratch()
        Array(word.utf8).withUnsafeBufferPointer { model.appendTokens(ofWord: $0, to: &ids, scratch: &scratch) }
        let names = Dictionary(uniqueKeysWithValues: model.vocabulary.entries.map { ($0.value, String(decoding: $0.key, as: UTF8.self)) })
        return ids.map { names[$0]! }
    }

    @Test func mergesByRankThenPosition() {
        // Equal ranks (the same pair) merge left to right without overlapping.
        let pairs = model(merges: [("a", "a")])
        #expect(tokens("aaaa", pairs) == ["aa", "a", "a</w>"])
        #expect(tokens("aaaaa", pairs) == ["aa", "aa", "a</w>"])
        // A merge creates a new pair that a later rule merges.
        let model = model(merges: [("a", "a"), ("b", "c</w>"), ("aa", "a")])
        #expect(tokens("aaaa", model) == ["aaa", "a</w>"])
        #expect(tokens("aaabc", model) == ["aaa", "bc</w>"])
        #expect(tokens("c", model) == ["c</w>"])
        #expect(tokens("", model) == [])
    }

    @Test func lowerRankWinsOverPosition() {
        let model = model(merges: [("b", "c"), ("a", "b")])
        #expect(tokens("abcc", model) == ["a", "bc", "c</w>"])
        let other = self.model(merges: [("a", "b"), ("b", "c")])
        #expect(tokens("abcc", other) == ["ab", "c", "c</w>"])
    }

    @Test func missingBytesAreDroppedWithoutUnknownToken() {
        let model = model(merges: [])
        #expect(tokens("axb", model) == ["a", "b</w>"])
    }
}
