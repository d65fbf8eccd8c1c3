@testable import EmbeddingServer
import Foundation
import SwiftProtobuf
import Testing
import WireProtocol

@Suite("Limits are described once: flag, default, floor and Info field")
struct ServerLimitCatalogTests {
    /// The fields of `message Limits` in Protos/, read from the .proto itself, so a field added
    /// there without a descriptor fails here.
    private func protoLimitFields() throws -> Set<String> {
        let proto = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Protos/multiembed/v1/info.proto")
        let text = try String(contentsOf: proto, encoding: .utf8)
        let body = try #require(text.components(separatedBy: "message Limits {").dropFirst().first?.components(separatedBy: "\n}").first)
        var fields: Set<String> = []
        for line in body.split(separator: "\n") {
            let words = line.trimmingCharacters(in: .whitespaces).split(separator: " ")
            if words.count == 4, words[2] == "=", words[3].hasSuffix(";") { fields.insert(String(words[1])) }
        }
        return fields
    }

    @Test("every field of Info's Limits comes from one descriptor, with the value configured")
    func infoReportsEveryLimit() throws {
        var configuration = ServerConfiguration()
        for (offset, limit) in ServerLimitDescriptor.all.enumerated() {
            try limit.set(Double(offset + 2), in: &configuration)
        }
        var info = Multiembed_V1_Limits()
        // Through Info as a client sees it.
        info = try Multiembed_V1_Limits(serializedBytes: try configuration.wireLimits.serializedBytes() as [UInt8])
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(info.jsonString(options: options).utf8)) as? [String: Any])
        let expected = try protoLimitFields()
        #expect(Set(json.keys) == expected)
        // Each field holds a distinct configured value (durations in milliseconds): none is
        // left at zero, none reports another limit's value.
        var values: [Int] = []
        for key in expected {
            let value = try #require(json[key].flatMap { Int("\($0)") }, "\(key) is not reported")
            #expect(value > 0, "\(key) is not reported")
            values.append(value)
        }
        #expect(Set(values).count == values.count)
        #expect(info.maxPatches == UInt32(ServerLimitDescriptor.all.firstIndex { $0.flag == "max-patches" }! + 2))
        let idle = ServerLimitDescriptor.all.firstIndex { $0.flag == "idle-timeout" }!
        #expect(info.idleTimeoutMs == UInt32((idle + 2) * 1000))
    }

    @Test("a value below a limit's floor is refused with its flag; zero only where it means something")
    func floors() throws {
        var configuration = ServerConfiguration()
        #expect(throws: ServerLimitError.self) { try ServerLimitDescriptor.maxPatches.set(0, in: &configuration) }
        do {
            try ServerLimitDescriptor.maxTopK.set(-1, in: &configuration)
            Issue.record("a negative max-top-k was taken")
        } catch {
            #expect(error.message.contains("--max-top-k"))
        }
        try ServerLimitDescriptor.idleTimeout.set(0, in: &configuration)
        #expect(configuration.limits.idleTimeout == .zero)
        try ServerLimitDescriptor.maxConnectionsPerAddress.set(0, in: &configuration)
        #expect(configuration.limits.maxConnectionsPerAddress == 0)
        try ServerLimitDescriptor.frameTimeout.set(2.5, in: &configuration)
        #expect(configuration.limits.frameTimeout == .milliseconds(2500))
        configuration.limits.maxInputsPerRequest = 0
        #expect(throws: ServerLimitError.self) { try configuration.validate() }
    }

    @Test("defaults come from the configuration's own defaults")
    func defaults() {
        #expect(ServerLimitDescriptor.maxPatches.defaultValue == Double(ServerLimits().maxPatches))
        #expect(ServerLimitDescriptor.idleTimeout.defaultValue == 300)
        #expect(ServerLimitDescriptor.maxBatchTokens.defaultValue == Double(BatchingOptions().maxBatchTokens))
    }
}
