import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A raw pointer that may cross into a parallel region.
///
/// The kernels split work into disjoint row ranges, so concurrent writes never overlap; this
/// wrapper states that promise to the compiler instead of copying buffers per task.
public struct SendablePointer<Element>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Element>
    @inlinable public init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
}

/// Read-only counterpart of ``SendablePointer``.
public struct SendableConstPointer<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>
    @inlinable public init(_ base: UnsafePointer<Element>) { self.base = base }
}

/// Splits `0..<count` into contiguous chunks and runs them on all cores.
///
/// Work smaller than `minimumPerChunk` items runs inline: spawning costs more than it saves for
/// the tiny batches a server sees at low load. Inside a parallel region (a worker of this
/// function) it also runs inline, so nested kernels never oversubscribe the cores.
public func parallelChunks(
    _ count: Int, minimumPerChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void
) {
    guard count > 0 else { return }
    let workers = ParallelRegion.isActive ? 1 : min(ComputeThreads.count, max(1, count / max(1, minimumPerChunk)))
    if workers <= 1 {
        body(0..<count)
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { chunk in
        let lower = count * chunk / workers
        let upper = count * (chunk + 1) / workers
        guard lower < upper else { return }
        ParallelRegion.run { body(lower..<upper) }
    }
}

/// Marks the threads running a chunk of ``parallelChunks(_:minimumPerChunk:_:)``.
public enum ParallelRegion {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// True on a thread that is already one of the parallel workers.
    public static var isActive: Bool { pthread_getspecific(key) != nil }

    /// Runs `body` with this thread marked as a parallel worker, so every kernel it calls runs
    /// inline on this thread. A server running one model batch per core uses it to keep each
    /// batch on its own core (the results are the same either way: see ``parallelChunks``).
    public static func run(_ body: () -> Void) {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        body()
        pthread_setspecific(key, previous)
    }
}

/// How many threads the kernels use: one per online core.
public enum ComputeThreads {
    public static let count: Int = {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, Int(online))
    }()
}
