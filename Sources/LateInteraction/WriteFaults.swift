/// A test seam: makes a collection's log writes fail as a full disk does (part of the bytes
/// written, then ENOSPC; or an fsync that fails), so tests can check what a client is told and
/// that the log stays recoverable, without filling a real disk (which needs a mount, and root).
///
/// Production code passes none (``LocalVectorStore/init(directory:faults:)`` defaults to nil).
public struct WriteFaults: Sendable {
    /// For a write of `count` bytes to `path`: nil to write normally, or how many of the bytes to
    /// write before failing with `errno`.
    public var write: @Sendable (_ path: String, _ count: Int) -> (written: Int, errno: Int32)?
    /// For an fsync of `path`: nil to sync normally, or the errno to fail with.
    public var sync: @Sendable (_ path: String) -> Int32?

    public init(
        write: @escaping @Sendable (_ path: String, _ count: Int) -> (written: Int, errno: Int32)? = { _, _ in nil },
        sync: @escaping @Sendable (_ path: String) -> Int32? = { _ in nil }
    ) {
        self.write = write
        self.sync = sync
    }

    /// `FileIO.write`, unless the fault says to write part of `bytes` and fail.
    func write(_ descriptor: Int32, _ bytes: [UInt8], at offset: Int, path: String) throws(LateInteractionError) {
        guard let fault = write(path, bytes.count) else {
            return try FileIO.write(descriptor, bytes, at: offset, path: path)
        }
        try FileIO.write(descriptor, Array(bytes.prefix(max(0, fault.written))), at: offset, path: path)
        throw .io(path: path, operation: "write", errno: fault.errno)
    }

    /// `FileIO.sync`, unless the fault says to fail.
    func sync(_ descriptor: Int32, path: String) throws(LateInteractionError) {
        if let code = sync(path) { throw .io(path: path, operation: "fsync", errno: code) }
        try FileIO.sync(descriptor, path: path)
    }
}
