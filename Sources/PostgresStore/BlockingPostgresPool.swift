import Foundation
import LateInteraction
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Connections to one PostgreSQL server for synchronous callers: ``VectorStore`` is a
/// synchronous protocol, called by the server from a thread pool of its own
/// (`CollectionService.offLoop`) and by the CLI from its main thread.
///
/// Why this bridge cannot deadlock: every connection lives on this pool's own event loop group
/// (one thread, shared by no one else), and a caller blocks its own thread on
/// `EventLoopFuture.wait()` until that thread has answered. The work that completes the future
/// never needs the caller's thread, the server's event loops or Swift's cooperative pool, so no
/// cycle of waits can form whoever calls. (The async alternative, a `Task` awaited through a
/// semaphore, would run its continuation on the cooperative pool, which a blocked caller on that
/// same pool could starve.) A caller on one of this group's threads would wait on itself, which
/// NIO reports rather than hangs; nothing here runs store calls there.
///
/// Connections are made on demand, one per concurrent caller, and up to ``maxIdle`` are kept
/// for reuse; one that failed is closed rather than returned, so a restarted server is
/// reconnected to on the next call.
final class BlockingPostgresPool: @unchecked Sendable {
    let url: PostgresURL
    private let configuration: PostgresConnection.Configuration
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let lock = NSLock()
    private var idle: [PostgresConnection] = []
    private var nextID = 0
    private var closed = false
    /// Connections kept open between calls (more may be open while more callers run at once).
    let maxIdle: Int

    init(url: PostgresURL, maxIdle: Int = 8, logger: Logger = Logger(label: "multiembed.postgres")) throws(LateInteractionError) {
        self.url = url
        self.configuration = try url.configuration()
        self.maxIdle = maxIdle
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    deinit {
        close()
        try? group.syncShutdownGracefully()
    }

    /// Closes every idle connection and the event loop; later calls fail as unavailable.
    func close() {
        let connections: [PostgresConnection] = lock.withLock {
            closed = true
            defer { idle.removeAll() }
            return idle
        }
        for connection in connections { try? connection.close().wait() }
    }

    /// Runs `body` with a connection of its own. A connection `body` left in a failed state (the
    /// error is a lost connection) is discarded; otherwise it goes back to the pool.
    func withConnection<Result>(
        _ operation: String, _ body: (Session) throws(LateInteractionError) -> Result
    ) throws(LateInteractionError) -> Result {
        let connection = try checkOut(operation)
        do throws(LateInteractionError) {
            let result = try body(Session(connection: connection, pool: self, operation: operation))
            checkIn(connection)
            return result
        } catch {
            if case .storeUnavailable = error { _ = try? connection.close().wait() } else { checkIn(connection) }
            throw error
        }
    }

    /// Runs `body` in a transaction: committed when it returns (the call returns once PostgreSQL
    /// has made the commit durable, `synchronous_commit` being on by default), rolled back when it
    /// throws.
    func transaction<Result>(
        _ operation: String, _ body: (Session) throws(LateInteractionError) -> Result
    ) throws(LateInteractionError) -> Result {
        try inTransaction(operation, begin: "BEGIN", body)
    }

    /// Runs `body` in a read-only transaction at REPEATABLE READ: every statement of `body` sees
    /// the same committed state (a document's row and its token rows agree even while another
    /// writer replaces it).
    func snapshot<Result>(
        _ operation: String, _ body: (Session) throws(LateInteractionError) -> Result
    ) throws(LateInteractionError) -> Result {
        try inTransaction(operation, begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// `begin`, then `body`, then COMMIT; ROLLBACK when `body` throws (unless the connection is
    /// gone, when there is nothing to roll back on).
    private func inTransaction<Result>(
        _ operation: String, begin: PostgresQuery, _ body: (Session) throws(LateInteractionError) -> Result
    ) throws(LateInteractionError) -> Result {
        try withConnection(operation) { (session: Session) throws(LateInteractionError) -> Result in
            try session.execute(begin)
            do throws(LateInteractionError) {
                let result = try body(session)
                try session.execute("COMMIT")
                return result
            } catch {
                if case .storeUnavailable = error { throw error }
                _ = try? session.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` with `count` more connections beside the caller's own, for statements that
    /// may run at the same time as it (each in a transaction of its own: they do not share the
    /// caller's snapshot). The connections go back to the pool afterwards, or are closed when the
    /// error says a connection was lost.
    func withExtraConnections<Result>(
        _ count: Int, _ operation: String, _ body: ([Session]) throws(LateInteractionError) -> Result
    ) throws(LateInteractionError) -> Result {
        var connections: [PostgresConnection] = []
        do throws(LateInteractionError) {
            for _ in 0 ..< max(0, count) { connections.append(try checkOut(operation)) }
        } catch {
            connections.forEach(checkIn)
            throw error
        }
        do throws(LateInteractionError) {
            let result = try body(connections.map { Session(connection: $0, pool: self, operation: operation) })
            connections.forEach(checkIn)
            return result
        } catch {
            if case .storeUnavailable = error {
                for connection in connections { _ = try? connection.close().wait() }
            } else {
                connections.forEach(checkIn)
            }
            throw error
        }
    }

    private func checkOut(_ operation: String) throws(LateInteractionError) -> PostgresConnection {
        lock.lock()
        if closed {
            lock.unlock()
            throw .storeUnavailable(store: url.redacted, reason: "the store was closed")
        }
        while let connection = idle.popLast() {
            if !connection.isClosed {
                lock.unlock()
                return connection
            }
        }
        nextID += 1
        let id = nextID
        lock.unlock()
        do {
            return try PostgresConnection.connect(on: group.next(), configuration: configuration, id: id, logger: logger).wait()
        } catch {
            throw Self.translate(error, store: url.redacted, operation: operation)
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        let keep = lock.withLock { () -> Bool in
            guard !closed, !connection.isClosed, idle.count < maxIdle else { return false }
            idle.append(connection)
            return true
        }
        if !keep { _ = try? connection.close().wait() }
    }

    /// Waits for every future (statements sent with ``Session/send(_:)``, on one connection or
    /// several), then returns their results in order or throws the first failure.
    func results<Value: Sendable>(of futures: [EventLoopFuture<Value>], operation: String) throws(LateInteractionError) -> [Value] {
        var values: [Value] = []
        var failure: (any Error)?
        for future in futures {
            do { values.append(try future.wait()) } catch { if failure == nil { failure = error } }
        }
        if let failure { throw Self.translate(failure, store: url.redacted, operation: operation) }
        return values
    }

    /// A postgres-nio or NIO error as the store's error: a lost or refused connection is
    /// ``LateInteractionError/storeUnavailable(store:reason:)``; an error the server sent is
    /// ``LateInteractionError/storeFailed(store:operation:reason:)`` with its SQLSTATE and message.
    static func translate(_ error: any Error, store: String, operation: String) -> LateInteractionError {
        if let error = error as? LateInteractionError { return error }
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? "?"
                let message = info[.message] ?? "no message"
                let detail = info[.detail].map { " (\($0))" } ?? ""
                // Class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
                if state.hasPrefix("08") || state.hasPrefix("57P") {
                    return .storeUnavailable(store: store, reason: "\(message) [SQLSTATE \(state)]")
                }
                return .storeFailed(store: store, operation: operation, reason: "\(message)\(detail) [SQLSTATE \(state)]")
            }
            switch error.code {
            case .server, .invalidCommandTag, .tooManyParameters, .queryCancelled:
                return .storeFailed(store: store, operation: operation, reason: String(reflecting: error))
            default:
                return .storeUnavailable(store: store, reason: "\(error.code) while trying to \(operation)\(underlying(error))")
            }
        }
        return .storeUnavailable(store: store, reason: "cannot \(operation): \(error)")
    }

    private static func underlying(_ error: PSQLError) -> String {
        error.underlying.map { ": \($0)" } ?? ""
    }

    /// One checked-out connection: statements run one after another and wait for their answer.
    struct Session {
        let connection: PostgresConnection
        let pool: BlockingPostgresPool
        let operation: String

        /// All rows of `query`.
        func rows(_ query: PostgresQuery) throws(LateInteractionError) -> [PostgresRow] {
            do {
                return try connection.query(query, logger: pool.logger).wait().rows
            } catch {
                throw BlockingPostgresPool.translate(error, store: pool.url.redacted, operation: operation)
            }
        }

        /// Runs `query` and returns how many rows it returned or changed.
        @discardableResult
        func execute(_ query: PostgresQuery) throws(LateInteractionError) -> Int {
            do {
                let result = try connection.query(query, logger: pool.logger).wait()
                return result.metadata.rows ?? result.rows.count
            } catch {
                throw BlockingPostgresPool.translate(error, store: pool.url.redacted, operation: operation)
            }
        }

        /// Sends every query without waiting for the answers in between (the connection keeps
        /// their order), then waits for all: one round trip's latency for many statements. The
        /// first failure is thrown (in a transaction, the statements after it fail too).
        func pipeline(_ queries: [PostgresQuery]) throws(LateInteractionError) {
            let futures = queries.map { connection.query($0, logger: pool.logger) }
            var failure: (any Error)?
            for future in futures {
                do { _ = try future.wait() } catch { if failure == nil { failure = error } }
            }
            if let failure { throw BlockingPostgresPool.translate(failure, store: pool.url.redacted, operation: operation) }
        }

        /// Sends `queries` without waiting (the connection keeps their order): their answers'
        /// futures, for ``BlockingPostgresPool/results(of:operation:)`` to wait on, possibly
        /// together with other sessions' (statements on several connections run at once).
        func send(_ queries: [PostgresQuery]) -> [EventLoopFuture<PostgresQueryResult>] {
            queries.map { connection.query($0, logger: pool.logger) }
        }

        /// Sends `query`, handing each row to `body` as it arrives (as ``stream(_:_:)``), without
        /// waiting: its future, to wait on with others.
        func sendStreaming(
            _ query: PostgresQuery, _ body: @escaping @Sendable (PostgresRow) throws -> Void
        ) -> EventLoopFuture<PostgresQueryMetadata> {
            connection.query(query, logger: pool.logger, body)
        }

        /// Runs `query`, handing each row to `body` as it arrives (on this pool's event loop, so
        /// `body` must be quick and must not call the store), for results too large to hold as
        /// rows (a collection's every vector).
        func stream(_ query: PostgresQuery, _ body: @escaping @Sendable (PostgresRow) throws -> Void) throws(LateInteractionError) {
            do {
                _ = try connection.query(query, logger: pool.logger, body).wait()
            } catch {
                throw BlockingPostgresPool.translate(error, store: pool.url.redacted, operation: operation)
            }
        }
    }
}
