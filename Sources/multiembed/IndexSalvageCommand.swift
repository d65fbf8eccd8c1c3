import ArgumentParser
import Foundation
import LateInteraction

/// Settings to read a collection with when its `collection.json` is damaged: what it was
/// created with (the log alone does not say).
struct SalvageSettings: ParsableArguments {
    @Option(name: .long, help: "When collection.json is damaged: the collection's vector width.")
    var dimension: Int?

    @Option(name: .long, help: "When collection.json is damaged: its precision (float32, float16, int8, binary).")
    var precision = "float32"

    @Option(name: .long, help: "When collection.json is damaged: its token pooling factor.")
    var poolFactor = 1

    @Option(name: .long, help: "When collection.json is damaged: its max vectors per document (0 = all).")
    var maxVectors = 0

    @Option(name: .long, help: "When collection.json is damaged: the served model's name it holds vectors of.")
    var model: String?

    /// The settings given, or nil without `--dimension`.
    func spec(name: String) throws -> CollectionSpec? {
        guard let dimension else { return nil }
        guard let storage = StoragePrecision(rawValue: precision) else { throw ValidationError("unknown --precision \(precision)") }
        return CollectionSpec(
            name: name, dimension: dimension, precision: storage, poolFactor: poolFactor,
            maxVectors: maxVectors > 0 ? maxVectors : nil, model: model)
    }
}

/// `multiembed index verify`: every damaged range of a collection's files, changing nothing.
/// Exits 1 when the collection is damaged, so scripts and monitoring can act on it.
struct IndexVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a collection's files; report every damaged range (exit 1 when damaged).")

    @OptionGroup var options: CollectionOptions
    @OptionGroup var settings: SalvageSettings

    func run() throws {
        let store = try options.openStore()
        let report: CollectionVerification
        do { report = try store.verify(options.collection, settings: try settings.spec(name: options.collection)) } catch let error as LateInteractionError {
            throw CommandFailure(error.description)
        }
        Self.print(report)
        if report.isDamaged { throw ExitCode(1) }
    }

    static func print(_ report: CollectionVerification) {
        var lines: [String] = []
        if let damage = report.settingsDamage {
            lines.append("damaged file=\(damage.path) reason=\"\(damage.reason)\"")
        }
        if report.settings == nil {
            lines.append("unchecked file=\(report.logPath) size=\(report.logSize) reason=\"no settings to read it with: give --dimension and --precision\"")
        } else {
            for range in report.damagedRanges {
                lines.append("damaged file=\(report.logPath) offset=\(range.offset) length=\(range.length) records_lost=\(range.recordsLost)")
            }
        }
        lines.append(
            "collection=\(report.collection) status=\(report.isDamaged ? "damaged" : "ok") file=\(report.logPath) size=\(report.logSize) "
                + "records_intact=\(report.intactRecords) damaged_ranges=\(report.damagedRanges.count) "
                + "records_lost=\(report.damagedRanges.reduce(0) { $0 + $1.recordsLost }) torn_tail_bytes=\(report.tornTailBytes)"
                + (report.misfitRecords > 0 ? " misfit_records=\(report.misfitRecords)" : ""))
        Swift.print(lines.joined(separator: "\n"))
    }
}

/// `multiembed index repair`: rebuilds a damaged collection keeping every intact record; the
/// damaged originals stay beside it as `*.damaged-<time>`.
struct IndexRepair: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair", abstract: "Rebuild a damaged collection from every intact record, keeping the damaged files as backups.")

    @OptionGroup var options: CollectionOptions
    @OptionGroup var settings: SalvageSettings

    func run() throws {
        let store = try options.openStore()
        let repair: CollectionRepair
        do { repair = try store.repair(options.collection, settings: try settings.spec(name: options.collection)) } catch let error as LateInteractionError {
            throw CommandFailure(error.description)
        }
        IndexVerify.print(repair.verification)
        if repair.backups.isEmpty {
            print("collection=\(options.collection) repaired=no reason=\"nothing is damaged\"")
        } else {
            print("collection=\(options.collection) repaired=yes records_kept=\(repair.recordsKept) backups=\(repair.backups.joined(separator: ","))")
        }
    }
}
