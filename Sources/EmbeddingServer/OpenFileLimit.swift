#if canImport(Glibc)
import Glibc
#endif

/// Fits `max_connections` to the process's open-file limit before the server starts.
///
/// Why: with `ulimit -n 256` and 400 connections the accept loop hit EMFILE, spun (2.7 s of CPU
/// in 5 s) and left the clients past the limit hanging with no answer. A connection costs one
/// descriptor, and the server needs some of its own (the listening socket, event loops, model
/// and collection files). So the soft limit is raised towards the hard one as far as needed, as
/// most servers do; if that is not enough, the server admits fewer connections than asked, so
/// that every connection past the cap is accepted, answered RESOURCE_EXHAUSTED and closed
/// instead of never being accepted.
public enum OpenFileLimit {
    /// Descriptors kept for the server's own use beside its connections.
    public static let reserved = 64

    /// What start-up decided.
    public struct Decision: Sendable, Equatable {
        /// The connection cap to serve with: the one asked for, or lower when the limit forces it.
        public var maxConnections: Int
        /// The soft limit after any raise.
        public var openFiles: Int
        /// A line for the log when the cap had to be lowered (nil when it was not).
        public var warning: String?
    }

    /// Raises the soft `RLIMIT_NOFILE` as far as `maxConnections` needs (never above the hard
    /// limit) and returns the cap to serve with.
    public static func prepare(maxConnections: Int) -> Decision {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0 else {
            return Decision(maxConnections: maxConnections, openFiles: -1, warning: nil)
        }
        let needed = rlim_t(maxConnections + reserved)
        if limit.rlim_cur < needed {
            var raised = limit
            raised.rlim_cur = min(needed, limit.rlim_max)
            if setrlimit(RLIMIT_NOFILE_VALUE, &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
        return decide(maxConnections: maxConnections, openFiles: available)
    }

    /// The cap for a soft limit of `openFiles` descriptors (split out to be tested without
    /// changing the test process's own limit).
    static func decide(maxConnections: Int, openFiles: Int) -> Decision {
        let fits = max(1, openFiles - reserved)
        guard maxConnections > fits else { return Decision(maxConnections: maxConnections, openFiles: openFiles, warning: nil) }
        return Decision(
            maxConnections: fits, openFiles: openFiles,
            warning: "the open-file limit (\(openFiles), ulimit -n) is below max_connections (\(maxConnections)) "
                + "plus \(reserved) for the server's own files: serving at most \(fits) connections; raise the limit to serve more")
    }

    #if canImport(Glibc)
    /// Glibc imports `RLIMIT_NOFILE` as an enum case on some versions and an Int32 on others.
    private static var RLIMIT_NOFILE_VALUE: __rlimit_resource_t { __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue)) }
    #endif
}
