#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a file's first `size` bytes. Search reads vectors through it, so the
/// kernel pages them in and out on demand and a collection larger than RAM still searches.
///
/// Views of a collection hold the map they were built from; a newer map (after the log grew)
/// does not invalidate them, and the last holder unmaps.
final class MappedFile: @unchecked Sendable {
    let base: UnsafeRawPointer?
    let size: Int

    init(descriptor: Int32, size: Int, path: String) throws(LateInteractionError) {
        self.size = size
        guard size > 0 else {
            base = nil
            return
        }
        let address = mmap(nil, size, PROT_READ, MAP_SHARED, descriptor, 0)
        guard let address, address != MAP_FAILED else { throw .io(path: path, operation: "mmap", errno: errno) }
        base = UnsafeRawPointer(address)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: size) }

    /// Asks the kernel to start reading `ranges` (byte offsets into the map) now, and only them.
    ///
    /// Why: indexed search scores a few thousand documents scattered over a log that may be
    /// larger than memory. Left to page faults, each missing document costs a synchronous read,
    /// and the kernel's fault read-around reads far more than the document (measured: a million
    /// documents of 24 KB read 13 times the log's size over a benchmark). `MADV_WILLNEED` queues
    /// exactly the pages named, all at once, so the reads overlap and the faults that follow find
    /// the pages in the page cache. Ranges at most `mergeGap` apart are advised as one, to save
    /// system calls. Advice only: a failure changes nothing but speed, so it is ignored.
    func adviseWillNeed(_ ranges: [Range<Int>], mergeGap: Int = 16 << 10) {
        guard let base else { return }
        for range in Self.coalesced(ranges, pageSize: Self.pageSize, mergeGap: mergeGap, limit: size) {
            _ = madvise(UnsafeMutableRawPointer(mutating: base + range.lowerBound), range.count, Int32(MADV_WILLNEED))
        }
    }

    /// `ranges` sorted, clipped to `0 ..< limit`, each widened down to a page boundary (`madvise` wants
    /// an aligned start), and merged where at most `mergeGap` bytes apart after that.
    static func coalesced(_ ranges: [Range<Int>], pageSize: Int, mergeGap: Int, limit: Int) -> [Range<Int>] {
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            let lower = max(0, range.lowerBound) & ~(pageSize - 1), upper = min(limit, range.upperBound)
            guard upper > lower else { continue }
            if let last = merged.last, lower <= last.upperBound + mergeGap {
                merged[merged.count - 1] = last.lowerBound ..< max(last.upperBound, upper)
            } else {
                merged.append(lower ..< upper)
            }
        }
        return merged
    }

    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Thin wrappers over the POSIX calls the store needs, with errors that name the file.
enum FileIO {
    static func open(_ path: String, flags: Int32) throws(LateInteractionError) -> Int32 {
        let descriptor = posixOpen(path, flags | O_CLOEXEC)
        guard descriptor >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        return descriptor
    }

    static func size(_ descriptor: Int32, path: String) throws(LateInteractionError) -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        return Int(info.st_size)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and interrupts.
    static func write(_ descriptor: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(LateInteractionError) {
        var done = 0
        while done < bytes.count {
            let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, operation: "write", errno: errno)
            }
            done += written
        }
    }

    static func sync(_ descriptor: Int32, path: String) throws(LateInteractionError) {
        guard fsync(descriptor) == 0 else { throw .io(path: path, operation: "fsync", errno: errno) }
    }

    /// fsync of a directory, so a rename or a new file inside it survives a power cut.
    static func syncDirectory(_ path: String) throws(LateInteractionError) {
        let descriptor = try open(path, flags: O_RDONLY | O_DIRECTORY)
        defer { close(descriptor) }
        try sync(descriptor, path: path)
    }

    static func truncate(_ descriptor: Int32, to size: Int, path: String) throws(LateInteractionError) {
        guard ftruncate(descriptor, off_t(size)) == 0 else { throw .io(path: path, operation: "ftruncate", errno: errno) }
    }

    static func rename(_ from: String, _ to: String) throws(LateInteractionError) {
        guard posixRename(from, to) == 0 else { throw .io(path: to, operation: "rename from \(from)", errno: errno) }
    }

    /// Writes a small file atomically: temporary file, fsync, rename, fsync of the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(LateInteractionError) {
        let temporary = path + ".tmp"
        try writeScratch(bytes, to: temporary)
        try rename(temporary, path)
        try syncDirectory(directory)
    }

    /// Writes `bytes` as the whole of a scratch file (created or emptied) and fsyncs it, ready to
    /// be renamed over the file it replaces. On failure the scratch file is removed: it was
    /// written by this call only, and nothing else ever reads it.
    static func writeScratch(_ bytes: [UInt8], to path: String) throws(LateInteractionError) {
        let descriptor = try open(path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try write(descriptor, bytes, at: 0, path: path)
            try sync(descriptor, path: path)
        } catch {
            close(descriptor)
            unlink(path)
            throw error
        }
        close(descriptor)
    }
}

/// Module-level forwarders, since ``FileIO``'s own `open`/`rename` shadow the C functions.
private func posixOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags, 0o644) }
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
