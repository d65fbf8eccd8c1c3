import Dispatch

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
/// the tiny batches a server sees at low load.
public func parallelChunks(
    _ count: Int, minimumPerChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void
) {
    guard count > 0 else { return }
    let workers = min(ComputeThreads.count, max(1, count / max(1, minimumPerChunk)))
    if workers <= 1 {
        body(0..<count)
        return
    }
    let chunks = workers
    DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
        let lower = count * chunk / chunks
        let upper = count * (chunk + 1) / chunks
        if lower < upper { body(lower..<upper) }
    }
}

/// How many threads the element-wise kernels use: one per online core.
public enum ComputeThreads {
    public static let count: Int = {
        let online = sysconf(Int32(_SC_NPROCESSORS_ONLN))
        return max(1, Int(online))
    }()
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
